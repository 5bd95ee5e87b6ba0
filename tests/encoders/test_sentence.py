"""The sentence pipeline (tokenise, encode, pool) against a naive NumPy BERT on a tiny random model,
and the all-MiniLM-L6-v2 encoder against sentence-transformers' own output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest
from limit_texts import limit_small_texts
from tiny_bert import VOCAB, naive_sentence, tiny_tensors

from embtheory.encoders import SentenceEncoder, find_model_dir, pool, recall_at_k_scores


def test_pool_cls_and_unnormalised():
    h = jnp.asarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    m = jnp.asarray([[1, 1, 0], [1, 0, 0]])
    np.testing.assert_allclose(pool(h, m, mode="cls", normalize=False), np.asarray(h)[:, 0])
    np.testing.assert_allclose(pool(h, m, normalize=False)[0], np.asarray(h)[0, :2].mean(0))


def test_sentence_encoder_end_to_end_on_a_tiny_folder(tiny_model_dir):
    enc = SentenceEncoder.from_pretrained(tiny_model_dir)
    assert enc.max_seq_length == 8 and enc.dim == 8 and enc.normalize
    sents = ["The cat sat.", "a big dog ran on the mat", "cats", "the cat sat on the mat . the dog ran"]
    w = {v: i for i, v in enumerate(VOCAB)}
    expected_ids = [
        [2, w["the"], w["cat"], w["sat"], w["."], 3],
        [2, w["a"], w["big"], w["dog"], w["ran"], w["on"], w["the"], 3],
        [2, w["cat"], w["##s"], 3],
        [2, w["the"], w["cat"], w["sat"], w["on"], w["the"], w["mat"], 3],
    ]
    assert enc.tokenize(sents) == expected_ids  # lower-cased, word pieces, truncated to 8 with [SEP]
    E = enc.encode(sents, batch_size=3)
    assert E.dtype == np.float32 and E.shape == (4, 8)
    t = tiny_tensors()
    for i, ids in enumerate(expected_ids):
        np.testing.assert_allclose(E[i], naive_sentence(t, ids), atol=1e-5)
    # batch size and order do not change any row
    np.testing.assert_allclose(enc.encode(sents[::-1], batch_size=1)[::-1], E, atol=1e-6)


def test_bad_arguments(tiny_model_dir):
    enc = SentenceEncoder.from_pretrained(tiny_model_dir)
    with pytest.raises(TypeError, match=r"pass \[sentence\]"):
        enc.encode("the cat")
    with pytest.raises(TypeError, match=r"sentences\[1\] must be a str"):
        enc.encode(["the cat", 3])
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        enc.encode(["the cat"], batch_size=0)
    with pytest.raises(MemoryError, match="lower batch_size"):
        enc.encode(["the cat"], batch_size=10, memory_budget=100)
    with pytest.raises(TypeError, match="unexpected keyword"):
        enc.encode(["the cat"], memory_budgt=100)
    with pytest.raises(ValueError, match="input_ids holds index"):
        enc.embed_tokens(np.full((1, 4), 10**6), np.ones((1, 4), int))
    with pytest.raises(ValueError, match="no real token"):
        enc.embed_tokens(np.zeros((1, 4), int), np.zeros((1, 4), int))
    with pytest.raises(ValueError, match="dtype must be one of"):
        SentenceEncoder.from_pretrained(tiny_model_dir, dtype="float8")
    with pytest.raises(ValueError, match="max_seq_length must be <= 16"):
        SentenceEncoder.from_pretrained(tiny_model_dir, max_seq_length=100)
    assert enc.encode([]).shape == (0, 8)
    with pytest.raises(ValueError, match="more than the model's"):
        enc.embed_tokens(np.zeros((1, 20), int), np.ones((1, 20), int))
    from embtheory.encoders import pool

    with pytest.raises(ValueError, match="same B and L"):
        pool(jnp.ones((2, 4, 8)), jnp.ones((2, 5)))
    with pytest.raises(ValueError, match="mode must be one of"):
        pool(jnp.ones((2, 4, 8)), jnp.ones((2, 4)), mode="max")
    with pytest.raises(TypeError, match="floating"):
        pool(jnp.ones((2, 4, 8), jnp.int32), jnp.ones((2, 4)))


def test_half_precision_and_fine_buckets_stay_close(tiny_model_dir):
    sents = ["the cat sat on the mat", "a big dog ran", "cats"]
    ref = SentenceEncoder.from_pretrained(tiny_model_dir, precision="highest").encode(sents)
    fine = SentenceEncoder.from_pretrained(tiny_model_dir, per_octave=2)
    assert fine.buckets == (8,)  # max_seq_length 8 is below the first bucket: one program
    np.testing.assert_allclose(fine.encode(sents), ref, atol=1e-6)
    half = SentenceEncoder.from_pretrained(tiny_model_dir, dtype="bfloat16").encode(sents)
    assert half.dtype == np.float32
    cos = np.sum(half * ref, axis=1) / np.linalg.norm(half, axis=1)
    assert cos.min() > 0.98  # bfloat16 keeps ~3 significant digits through 2 layers


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def minilm():
    try:
        find_model_dir(None)
    except FileNotFoundError as e:
        pytest.skip(f"all-MiniLM-L6-v2 files absent: {e}")
    return SentenceEncoder.from_pretrained()


@pytest.fixture(scope="module")
def parity():
    sentences = json.loads((FIXTURES / "minilm_parity_sentences.json").read_text(encoding="utf-8"))
    data = np.load(FIXTURES / "minilm_parity.npz")
    return sentences, data["embeddings"], data["n_tokens"]


def test_tokenisation_and_truncation_match(minilm, parity):
    sentences, _, n_tokens = parity
    assert minilm.max_seq_length == 256 and minilm.dim == 384
    lengths = np.array([len(ids) for ids in minilm.tokenize(sentences)])
    np.testing.assert_array_equal(lengths, n_tokens)
    assert lengths.max() == 256 and (lengths == 256).sum() >= 2  # the long sentences were truncated


@pytest.mark.numerics
def test_embeddings_match_sentence_transformers(minilm, parity):
    sentences, expected, _ = parity
    ours = minilm.encode(sentences, batch_size=8)
    assert ours.shape == expected.shape and ours.dtype == np.float32
    cos = np.sum(ours * expected, axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(expected, axis=1))
    assert cos.min() >= 0.99999, f"worst sentence {int(cos.argmin())}: cosine {cos.min():.7f}"
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours, expected, atol=1e-5)
    # a different batching (other buckets, other padding) gives the same rows
    again = minilm.encode(sentences[::-1], batch_size=13)[::-1]
    np.testing.assert_allclose(again, ours, atol=2e-6)


@pytest.mark.data
def test_minilm_recall_on_limit_small_matches_the_public_report():
    from embtheory.encoders import SentenceEncoder, find_model_dir

    try:
        find_model_dir(None)
    except FileNotFoundError as e:
        if os.environ.get("EMBTHEORY_CI"):  # CI installs the weights: their absence is a broken install
            raise
        pytest.skip(str(e))
    queries, docs, rel = limit_small_texts()
    enc = SentenceEncoder.from_pretrained()
    Q, D = enc.encode(queries), enc.encode(docs)
    recall = recall_at_k_scores(Q.astype(np.float64) @ D.astype(np.float64).T, rel, ks=(2, 10, 20)).as_dict()
    assert abs(recall[2] - 0.162) <= 0.005  # public MTEB report: 0.162

"""The datasets the experiments use: a registry, a verified download cache, and loaders.

Files live in :func:`data_dir` (``$EMBTHEORY_DATA``, else ``$XDG_CACHE_HOME/embtheory``, by
default ``~/.cache/embtheory``), laid out as ``<folder>/<file>`` (``limit-small/corpus.jsonl``,
``mnist/t10k-images-idx3-ubyte.gz``, ``text/stsa.binary.train``, ...). A missing file is
downloaded from its canonical address and its sha256 verified (:func:`fetch`).

- :func:`load_limit`: LIMIT-small (46 documents, 1,000 queries, 2,000 qrels) and LIMIT.
- :func:`load_mnist`: the MNIST test set, ``uint8 [10000, 28, 28]`` and ``int64 [10000]``.
- :func:`load_text`: SST-2, MR, SUBJ, CR, TREC, MPQA as ``(list[str], int64 [n])``.
"""

from embtheory.data.cache import ChecksumError, DataError, data_dir, fetch, file_path, sha256_file
from embtheory.data.limit import LimitData, Relevance, load_limit
from embtheory.data.mnist import MnistData, load_mnist, read_idx
from embtheory.data.registry import DATASETS, DataFile, Dataset
from embtheory.data.text import TEXT_SPLITS, TextData, load_text

__all__ = [
    "DATASETS",
    "TEXT_SPLITS",
    "ChecksumError",
    "DataError",
    "DataFile",
    "Dataset",
    "LimitData",
    "MnistData",
    "Relevance",
    "TextData",
    "data_dir",
    "fetch",
    "file_path",
    "load_limit",
    "load_mnist",
    "load_text",
    "read_idx",
    "sha256_file",
]

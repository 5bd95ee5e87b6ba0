"""Lexical retrieval: Okapi BM25 scores and recall@k from any score matrix.

BM25 (Robertson et al.; the Lucene variant of the IDF, which is never negative): for a query
``q`` with terms ``t`` (counted with multiplicity) and a document ``d`` of length ``|d|``,

.. math::

    s(q, d) = \\sum_{t \\in q} \\mathrm{idf}(t)\\,
        \\frac{f(t, d)\\,(k_1 + 1)}{f(t, d) + k_1 (1 - b + b\\,|d| / \\overline{|d|})},\\qquad
    \\mathrm{idf}(t) = \\ln\\Big(1 + \\frac{N - n_t + 0.5}{n_t + 0.5}\\Big),

with ``N`` documents, ``n_t`` of them containing ``t``.  Terms are lower-cased runs of letters
and digits.  The score matrix is one sparse product ``Q W^T`` (``Q`` query term counts,
``W`` the per-document term weights), never a loop over pairs.

Recall@k (MTEB/pytrec_eval's): per query, ``|relevant ∩ top-k| / |relevant|``, averaged over
queries that have a relevant document.  :func:`recall_at_k_scores` ranks a given score matrix
(BM25 has scores but no embeddings), on the host in float64 with ties broken by document
index; :func:`embtheory.signrank.recall_at_k` computes the same statistic from query and
document *embeddings*, on the device, without forming the score matrix.  Both return the one
recall result type, :class:`embtheory.signrank.RecallAtK`, and agree on float64 scores (the
LIMIT experiment cross-checks them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from embtheory.core.validation import check_finite, check_int, check_real
from embtheory.signrank.limit import RecallAtK

__all__ = ["bm25_scores", "recall_at_k_scores", "terms"]


_TERM = re.compile(r"[^\W_]+", re.UNICODE)


def terms(text: str) -> list[str]:
    """Lower-cased word terms of a text (runs of letters and digits)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _TERM.findall(text.lower())


def _counts(texts: Sequence[str], vocab: dict[str, int], *, grow: bool) -> sp.csr_matrix:
    rows, cols = [], []
    for i, text in enumerate(texts):
        for t in terms(text):
            j = vocab.get(t)
            if j is None:
                if not grow:
                    continue
                j = vocab[t] = len(vocab)
            rows.append(i)
            cols.append(j)
    data = np.ones(len(rows), dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), len(vocab)))


def bm25_scores(queries: Sequence[str], documents: Sequence[str], *, k1: float = 1.5,
                b: float = 0.75) -> np.ndarray:
    """BM25 scores of every query against every document.

    Args:
        queries: Q query strings.
        documents: N document strings (N >= 1).
        k1: term-frequency saturation (> 0).
        b: length normalisation in ``[0, 1]``.

    Returns:
        float64 ``[Q, N]`` scores (0 where a query shares no term with a document).
    """
    for name, texts in (("queries", queries), ("documents", documents)):
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise TypeError(f"{name} must be a list of strings")
    if len(documents) == 0:
        raise ValueError("documents is empty: BM25 needs at least one document")
    k1 = check_real(k1, "k1", low=0.0, low_open=True)
    b = check_real(b, "b", low=0.0, high=1.0)
    vocab: dict[str, int] = {}
    tf = _counts(documents, vocab, grow=True)  # [N, V]
    tf.sum_duplicates()
    n_docs = tf.shape[0]
    df = np.bincount(tf.indices, minlength=tf.shape[1])
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
    lengths = np.asarray(tf.sum(axis=1)).ravel()
    avg = max(lengths.mean(), 1e-12)
    norm = k1 * (1.0 - b + b * lengths / avg)  # [N]
    doc_of = np.repeat(np.arange(n_docs), np.diff(tf.indptr))
    w = tf.data * (k1 + 1.0) / (tf.data + norm[doc_of]) * idf[tf.indices]
    W = sp.csr_matrix((w, tf.indices, tf.indptr), shape=tf.shape)
    Q = _counts(queries, vocab, grow=False)
    Q = sp.csr_matrix(Q, shape=(len(queries), W.shape[1]))
    return np.asarray((Q @ W.T).todense(), dtype=np.float64)


def recall_at_k_scores(scores, relevant, *, ks: Sequence[int] = (2, 10, 20)) -> RecallAtK:
    """Mean recall@k over queries, from a score matrix and a relevance mask.

    Ties are broken by document index (the lower index ranks first), as a stable sort does.

    Args:
        scores: ``[Q, N]`` real scores, higher is better, finite.
        relevant: bool ``[Q, N]`` (0/1 integers are accepted).
        ks: cut-offs, each an integer in ``[1, N]``.

    Returns:
        A :class:`embtheory.signrank.RecallAtK` ``(ks, recall, num_queries)``: for each ``k``,
        the mean over the ``num_queries`` queries with >= 1 relevant document of
        ``|relevant ∩ top-k| / |relevant|``; ``.as_dict()`` gives ``{k: recall}``.

    Example:
        >>> import numpy as np
        >>> r = recall_at_k_scores(np.array([[0.9, 0.1, 0.5]]), np.array([[True, False, True]]), ks=(1, 2))
        >>> r.recall, r.as_dict()[2]
        ((0.5, 1.0), 1.0)

    Raises:
        ValueError: shapes differ or are not 2-D, NaN/inf scores, a relevance entry other than
            0/1, a ``k`` outside ``[1, N]``, no query with a relevant document.
        TypeError: non-numeric scores or relevance, a non-integer ``k``.
    """
    scores = check_finite(scores, "scores")
    scores = np.asarray(scores, dtype=np.float64)
    rel = np.asarray(relevant)
    if rel.dtype != np.bool_:
        if not np.issubdtype(rel.dtype, np.number) or np.issubdtype(rel.dtype, np.complexfloating):
            raise TypeError(f"relevant must be a boolean mask, got dtype {rel.dtype}")
        if rel.size and not np.all((rel == 0) | (rel == 1)):
            raise ValueError("relevant must be a 0/1 (boolean) mask, got other values: "
                             "pass relevant = (qrels > 0)")
        rel = rel.astype(bool)
    if scores.ndim != 2 or rel.shape != scores.shape:
        raise ValueError(f"scores and relevant must be [queries, docs] of one shape, got "
                         f"{scores.shape} and {rel.shape}")
    n = scores.shape[1]
    if isinstance(ks, (int, np.integer)):
        ks = (ks,)
    ks = tuple(check_int(k, "ks[i]", minimum=1, maximum=n) for k in ks)
    if not ks:
        raise ValueError("ks is empty: give at least one cut-off, e.g. ks=(2, 10)")
    has = rel.any(axis=1)
    if not has.any():
        raise ValueError("relevant has no relevant document for any query")
    order = np.argsort(-scores, axis=1, kind="stable")
    rel_sorted = np.take_along_axis(rel, order, axis=1)[has]
    hits = np.cumsum(rel_sorted, axis=1)
    total = rel_sorted.sum(axis=1)
    return RecallAtK(ks=ks, recall=tuple(float(np.mean(hits[:, k - 1] / total)) for k in ks),
                     num_queries=int(has.sum()))

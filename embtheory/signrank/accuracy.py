r"""Top-k accuracy and recall on the device, streamed over query chunks.

For query :math:`i` with relevant set :math:`P_i` and the ``k`` highest-scoring documents
:math:`T_i` (``lax.top_k``; ties go to the lower index, as a stable descending sort),

.. math:: \mathrm{acc} = \frac{\sum_i |P_i \cap T_i|}{\sum_i |P_i|}.

With ``k = |P_i|`` this is the official free-embedding accuracy; accuracy 1.0 means every
query ranks all its relevant documents first.  Queries may have different numbers of relevant
documents (``rel`` padded, ``rel_valid`` marking the real entries): with ``k=None`` each query
is cut at its own :math:`|P_i|`, so a query is served when its :math:`|P_i|` relevant documents
are its top :math:`|P_i|`.  No ``m x n`` array is ever held beyond one
chunk, and no sort runs on the host.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from embtheory.core.validation import check_int
from embtheory.signrank._validation import check_scoring_inputs

__all__ = ["topk_accuracy", "topk_hits"]


def topk_hits(q: jax.Array, d: jax.Array, rel: jax.Array, *, k: int | None = None,
              doc_valid: jax.Array | None = None, rel_valid: jax.Array | None = None,
              chunk_size: int | None = None) -> jax.Array:
    """Per query, how many of its relevant documents are among its top ``k``.

    Args:
        q: ``[m, dim]`` queries.
        d: ``[n, dim]`` documents.
        rel: ``[m, r]`` int relevant documents per query, or any qrels form
            (:func:`embtheory.signrank.as_qrels`: a mask, ragged lists, ``-1`` padding).
        k: cut-off (``k <= n``); None: each query's own number of relevant documents.
        doc_valid: ``[n]`` bool; padded documents are never retrieved.
        rel_valid: ``[m, r]`` bool; False entries of ``rel`` are padding and never count.
        chunk_size: queries per chunk (``m`` a multiple of it); None: one chunk.

    Returns:
        ``[m]`` int32 hit counts.

    Raises:
        TypeError / ValueError naming the argument: ``q`` or ``d`` not a finite real 2-D matrix
        with rows, their dimensions disagreeing, ``rel`` out of range, ``k`` outside ``[1, n]``.
        Concrete arrays are checked on the host; under ``jit`` only the shapes are.
    """
    q, d, rel, rel_valid = check_scoring_inputs(q, d, rel, k=k, rel_valid=rel_valid)
    chunk_size = None if chunk_size is None else check_int(chunk_size, "chunk_size", minimum=1)
    return _topk_hits(q, d, rel, k=k, doc_valid=doc_valid, rel_valid=rel_valid, chunk_size=chunk_size)


def _topk_hits(q, d, rel, *, k, doc_valid=None, rel_valid=None, chunk_size=None):
    """The kernel of :func:`topk_hits` (no value checks: jit- and vmap-safe).

    ``k=None``: query ``i`` is cut at ``sum(rel_valid[i])`` (top ``r`` taken, positions past the
    query's own count never hit).
    """
    m, n = q.shape[0], d.shape[0]
    if doc_valid is None:
        doc_valid = jnp.ones((n,), bool)
    if rel_valid is None:
        rel_valid = jnp.ones(rel.shape, bool)
    chunk = m if chunk_size is None else int(chunk_size)
    if m % chunk:
        raise ValueError(f"the query count {m} must be a multiple of chunk_size={chunk}")
    c = m // chunk
    if c == 1:
        return _chunk_hits(q, rel, rel_valid, d, doc_valid, k)
    out = _chunked_hits(q.reshape(c, chunk, q.shape[1]), rel.reshape(c, chunk, rel.shape[1]),
                        rel_valid.reshape(c, chunk, rel.shape[1]), d, doc_valid, k=k)
    return out.reshape(m)


def _chunk_hits(qi, ri, vi, d, doc_valid, k):
    """Hits of one query chunk ``qi`` ``[c, dim]`` (relevant ``ri`` ``[c, r]``, valid ``vi``)."""
    scores = jnp.where(doc_valid[None, :], qi @ d.T, -jnp.inf)
    width = ri.shape[1] if k is None else k
    _, top = jax.lax.top_k(scores, width)  # [c, width]
    hit = (top[:, :, None] == ri[:, None, :]) & vi[:, None, :]  # [c, width, r]
    if k is None:  # each query's own cut-off
        hit = hit & (jnp.arange(width)[None, :, None] < jnp.sum(vi, axis=1)[:, None, None])
    return jnp.sum(hit, axis=(1, 2)).astype(jnp.int32)


@functools.partial(jax.jit, static_argnames=("k",))
def _chunked_hits(qs, rels, valids, d, doc_valid, *, k):
    """:func:`_chunk_hits` over ``[num_chunks, c, ...]`` chunks (``lax.map``).

    A module-level ``jit``: an eager ``lax.map`` over a closure made per call is compiled again
    at every call; this is compiled once per shape (and inlined when traced).
    """
    return jax.lax.map(lambda a: _chunk_hits(*a, d, doc_valid, k), (qs, rels, valids))


def topk_accuracy(q, d, rel, *, k: int | None = None, rel_valid=None, doc_valid=None, query_valid=None,
                  chunk_size=None) -> jax.Array:
    """Fraction of (query, relevant document) pairs retrieved in the top ``k``.

    Args as :func:`topk_hits` (``k=None``: each query cut at its own number of relevant
    documents, the official accuracy); ``query_valid`` ``[m]`` bool drops padded queries.

    Returns:
        Scalar accuracy in [0, 1] (the dtype of ``q``).

    Raises:
        As :func:`topk_hits`.
    """
    q, d, rel, rel_valid = check_scoring_inputs(q, d, rel, k=k, rel_valid=rel_valid)
    return _topk_accuracy(q, d, rel, k=k, rel_valid=rel_valid, doc_valid=doc_valid, query_valid=query_valid,
                          chunk_size=chunk_size)


def _topk_accuracy(q, d, rel, *, k=None, rel_valid=None, doc_valid=None, query_valid=None, chunk_size=None):
    """The kernel of :func:`topk_accuracy` (no value checks: jit- and vmap-safe)."""
    m = q.shape[0]
    if query_valid is None:
        query_valid = jnp.ones((m,), bool)
    hits = _topk_hits(q, d, rel, k=k, doc_valid=doc_valid, rel_valid=rel_valid, chunk_size=chunk_size)
    counts = rel.shape[1] if rel_valid is None else jnp.sum(rel_valid, axis=1)
    total = jnp.maximum(jnp.sum(jnp.where(query_valid, counts, 0)), 1)
    return (jnp.sum(jnp.where(query_valid, hits, 0)) / total).astype(q.dtype)

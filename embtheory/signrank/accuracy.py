r"""Top-k accuracy and recall on the device, streamed over query chunks.

For query :math:`i` with relevant set :math:`P_i` and the ``k`` highest-scoring documents
:math:`T_i` (``lax.top_k``; ties go to the lower index, as a stable descending sort),

.. math:: \mathrm{acc} = \frac{\sum_i |P_i \cap T_i|}{\sum_i |P_i|}.

With ``k = |P_i|`` this is the official free-embedding accuracy; accuracy 1.0 means every
query ranks all its relevant documents first.  No ``m x n`` array is ever held beyond one
chunk, and no sort runs on the host.
"""

from __future__ import annotations

import functools
import warnings

import jax
import jax.numpy as jnp

from embtheory.signrank._validation import check_scoring_inputs

__all__ = ["topk_accuracy", "topk_hits"]


def _chunk_alias(fn, chunk_size, deprecated):
    if deprecated:
        if set(deprecated) != {"chunk"}:
            raise TypeError(f"{fn}() got an unexpected keyword argument {sorted(deprecated)[0]!r}")
        warnings.warn(f"{fn}(chunk=...) is deprecated: use chunk_size=...", DeprecationWarning, stacklevel=3)
        if chunk_size is None:
            chunk_size = deprecated["chunk"]
    return chunk_size


def topk_hits(q: jax.Array, d: jax.Array, rel: jax.Array, *, k: int, doc_valid: jax.Array | None = None,
              rel_valid: jax.Array | None = None, chunk_size: int | None = None, **deprecated) -> jax.Array:
    """Per query, how many of its relevant documents are among its top ``k``.

    Args:
        q: ``[m, dim]`` queries.
        d: ``[n, dim]`` documents.
        rel: ``[m, r]`` int relevant documents per query.
        k: cut-off (``k <= n``).
        doc_valid: ``[n]`` bool; padded documents are never retrieved.
        rel_valid: ``[m, r]`` bool; False entries of ``rel`` are padding and never count.
        chunk_size: queries per chunk (``m`` a multiple of it); None: one chunk (``chunk=`` is
            the deprecated old name).

    Returns:
        ``[m]`` int32 hit counts.

    Raises:
        TypeError / ValueError naming the argument: ``q`` or ``d`` not a finite real 2-D matrix
        with rows, their dimensions disagreeing, ``rel`` out of range, ``k`` outside ``[1, n]``.
        Concrete arrays are checked on the host; under ``jit`` only the shapes are.
    """
    chunk = _chunk_alias("topk_hits", chunk_size, deprecated)
    q, d, rel = _check_inputs(q, d, rel, k, rel_valid)
    return _topk_hits(q, d, rel, k=k, doc_valid=doc_valid, rel_valid=rel_valid, chunk_size=chunk)


def _check_inputs(q, d, rel, k, rel_valid):
    """The host checks of the public wrappers; array-likes without a shape become NumPy arrays."""
    return check_scoring_inputs(q, d, rel, k=k, rel_valid=rel_valid)


def _topk_hits(q, d, rel, *, k, doc_valid=None, rel_valid=None, chunk_size=None):
    """The kernel of :func:`topk_hits` (no value checks: jit- and vmap-safe)."""
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
    _, top = jax.lax.top_k(scores, k)  # [c, k]
    hit = (top[:, :, None] == ri[:, None, :]) & vi[:, None, :]  # [c, k, r]
    return jnp.sum(hit, axis=(1, 2)).astype(jnp.int32)


@functools.partial(jax.jit, static_argnames=("k",))
def _chunked_hits(qs, rels, valids, d, doc_valid, *, k):
    """:func:`_chunk_hits` over ``[num_chunks, c, ...]`` chunks (``lax.map``).

    A module-level ``jit``: an eager ``lax.map`` over a closure made per call is compiled again
    at every call; this is compiled once per shape (and inlined when traced).
    """
    return jax.lax.map(lambda a: _chunk_hits(*a, d, doc_valid, k), (qs, rels, valids))


def topk_accuracy(q, d, rel, *, k: int, doc_valid=None, query_valid=None, chunk_size=None,
                  **deprecated) -> jax.Array:
    """Fraction of (query, relevant document) pairs retrieved in the top ``k``.

    Args as :func:`topk_hits`; ``query_valid`` ``[m]`` bool drops padded queries.

    Returns:
        Scalar accuracy in [0, 1] (the dtype of ``q``).

    Raises:
        As :func:`topk_hits`.
    """
    chunk_size = _chunk_alias("topk_accuracy", chunk_size, deprecated)
    q, d, rel = _check_inputs(q, d, rel, k, None)
    return _topk_accuracy(q, d, rel, k=k, doc_valid=doc_valid, query_valid=query_valid, chunk_size=chunk_size)


def _topk_accuracy(q, d, rel, *, k, doc_valid=None, query_valid=None, chunk_size=None):
    """The kernel of :func:`topk_accuracy` (no value checks: jit- and vmap-safe)."""
    m = q.shape[0]
    if query_valid is None:
        query_valid = jnp.ones((m,), bool)
    hits = _topk_hits(q, d, rel, k=k, doc_valid=doc_valid, chunk_size=chunk_size)
    total = jnp.maximum(jnp.sum(query_valid) * rel.shape[1], 1)
    return (jnp.sum(jnp.where(query_valid, hits, 0)) / total).astype(q.dtype)

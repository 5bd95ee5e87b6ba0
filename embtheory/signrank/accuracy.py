r"""Top-k accuracy and recall on the device, streamed over query chunks.

For query :math:`i` with relevant set :math:`P_i` and the ``k`` highest-scoring documents
:math:`T_i` (``lax.top_k``; ties go to the lower index, as a stable descending sort),

.. math:: \mathrm{acc} = \frac{\sum_i |P_i \cap T_i|}{\sum_i |P_i|}.

With ``k = |P_i|`` this is the official free-embedding accuracy; accuracy 1.0 means every
query ranks all its relevant documents first.  No ``m x n`` array is ever held beyond one
chunk, and no sort runs on the host.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp

from embtheory.core.validation import check_int
from embtheory.signrank.patterns import check_relevance

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
    """
    chunk = _chunk_alias("topk_hits", chunk_size, deprecated)
    m, n = q.shape[0], d.shape[0]
    check_int(k, "k", minimum=1, maximum=n)
    check_relevance(rel, n, valid=rel_valid)
    if doc_valid is None:
        doc_valid = jnp.ones((n,), bool)
    if rel_valid is None:
        rel_valid = jnp.ones(rel.shape, bool)
    chunk = m if chunk is None else int(chunk)
    if m % chunk:
        raise ValueError(f"the query count {m} must be a multiple of chunk_size={chunk}")

    def one_chunk(args):
        qi, ri, vi = args
        scores = jnp.where(doc_valid[None, :], qi @ d.T, -jnp.inf)
        _, top = jax.lax.top_k(scores, k)  # [c, k]
        hit = (top[:, :, None] == ri[:, None, :]) & vi[:, None, :]  # [c, k, r]
        return jnp.sum(hit, axis=(1, 2)).astype(jnp.int32)

    c = m // chunk
    if c == 1:
        return one_chunk((q, rel, rel_valid))
    out = jax.lax.map(one_chunk, (q.reshape(c, chunk, q.shape[1]), rel.reshape(c, chunk, rel.shape[1]),
                                  rel_valid.reshape(c, chunk, rel.shape[1])))
    return out.reshape(m)


def topk_accuracy(q, d, rel, *, k: int, doc_valid=None, query_valid=None, chunk_size=None,
                  **deprecated) -> jax.Array:
    """Fraction of (query, relevant document) pairs retrieved in the top ``k``.

    Args as :func:`topk_hits`; ``query_valid`` ``[m]`` bool drops padded queries.

    Returns:
        Scalar accuracy in [0, 1] (the dtype of ``q``).
    """
    chunk_size = _chunk_alias("topk_accuracy", chunk_size, deprecated)
    m = q.shape[0]
    if query_valid is None:
        query_valid = jnp.ones((m,), bool)
    hits = topk_hits(q, d, rel, k=k, doc_valid=doc_valid, chunk_size=chunk_size)
    total = jnp.maximum(jnp.sum(query_valid) * rel.shape[1], 1)
    return (jnp.sum(jnp.where(query_valid, hits, 0)) / total).astype(q.dtype)

r"""Certificates: does an embedding rank every query's relevant documents strictly first?

For queries :math:`q_i` with relevant sets :math:`P_i` (``|P_i| = k``) and documents
:math:`d_j`, the score is :math:`s_{ij} = \langle q_i, d_j\rangle` and query ``i``'s margin is

.. math:: \mu_i = \min_{p \in P_i} s_{ip} - \max_{j \notin P_i} s_{ij}.

The embedding *solves* the pattern when every :math:`\mu_i > 0` (a tie, :math:`\mu_i = 0`, is a
failure: a top-k cut could return the irrelevant document).  :func:`certify` returns the
minimum margin, the first query that attains it, and the number of queries with
:math:`\mu_i \le 0`; it also reports the *global* margin
:math:`\min_{i, p \in P_i} s_{ip} - \max_{i, j \notin P_i} s_{ij}` (one threshold for all
queries, the criterion of Bangachev et al.'s code).

It streams: queries are taken in chunks of ``chunk_size`` (from ``memory_budget``), each chunk's
``[chunk, n]`` scores are reduced at once, and only running minima and counts are carried by
a ``lax.fori_loop`` over chunks, so no ``m x n`` array ever exists.  With ``qrels=None`` the
queries are all :math:`\binom nk` k-subsets in lexicographic order, and each chunk's subsets
are *unranked* on the device from their ranks (prefix tables of binomial coefficients and a
``searchsorted`` per position), so the index list is never built either.

Example:
    >>> import numpy as np
    >>> d = np.eye(3)
    >>> q = np.array([[1., 1, 0], [1, 0, 1], [0, 1, 1]])   # pairs (0,1), (0,2), (1,2)
    >>> c = certify(q, d, k=2, dtype=np.float32)
    >>> bool(c.solved), float(c.margin), c.violations
    (True, 1.0, 0)
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.memory import DEFAULT_MEMORY_BUDGET, resolve_memory_budget
from embtheory.core.validation import check_float_dtype, check_index_array, check_int
from embtheory.signrank._validation import check_embedding

__all__ = ["Certificate", "certify", "unrank_subsets"]

#: Bytes per score entry a chunk holds at its peak (scores, masks, temporaries).
_BYTES_PER_ENTRY = 4


class Certificate(NamedTuple):
    """The outcome of :func:`certify`.

    Attributes:
        solved: every query's relevant documents score strictly above all its irrelevant ones.
        margin: the minimum over queries of (smallest relevant score - largest irrelevant score),
            computed in the certificate's dtype; > 0 iff ``solved``.
        worst_query: the first query (row of ``Q``) whose margin is ``margin``.
        violations: how many queries have a margin <= 0 (ties count).
        global_margin: smallest relevant score over all queries minus largest irrelevant score
            over all queries (> 0: one threshold separates every query's relevant documents).
        num_queries: how many queries were checked.
    """

    solved: bool
    margin: float
    worst_query: int
    violations: int
    global_margin: float
    num_queries: int


def _prefix_tables(n: int, k: int) -> np.ndarray:
    """``T[j, a] = sum_{b <= a} C(n - 1 - b, k - 1 - j)``: subsets whose position-j element is <= a."""
    out = np.zeros((k, n), np.int64)
    for j in range(k):
        counts = np.array([math.comb(n - 1 - b, k - 1 - j) for b in range(n)], np.int64)
        out[j] = np.cumsum(counts)
    return out


def unrank_subsets(ranks: jax.Array, tables: jax.Array) -> jax.Array:
    r"""The k-subsets of ``range(n)`` at lexicographic ``ranks`` (``[c]`` ints) as ``[c, k]``.

    ``tables`` is ``[k, n]`` with ``tables[j, a]`` the number of subsets whose position-``j``
    element is at most ``a`` given that position ``j - 1`` holds a smaller element (prefix sums
    of :math:`\binom{n-1-b}{k-1-j}`).  Position ``j``'s element is the smallest ``a`` greater
    than the previous element with ``T_j(a) - T_j(prev) > r``, where ``r`` is the rank left
    over; one ``searchsorted`` per position, vectorised over the chunk.
    """
    k = tables.shape[0]
    r = ranks
    prev = jnp.full(ranks.shape, -1, ranks.dtype)
    cols = []
    for j in range(k):
        t = tables[j]
        base = jnp.where(prev >= 0, t[jnp.maximum(prev, 0)], 0)
        a = jnp.searchsorted(t, r + base, side="right").astype(ranks.dtype)
        before = jnp.where(a > 0, t[jnp.maximum(a - 1, 0)], 0)
        r = r - (before - base)
        cols.append(a)
        prev = a
    return jnp.stack(cols, axis=1)


@functools.partial(jax.jit, static_argnames=("k", "chunk", "num_chunks", "generated"))
def _certify_kernel(q, d, rel_or_tables, *, k, chunk, num_chunks, generated):
    m, n = q.shape[0], d.shape[0]
    dtype = q.dtype
    itype = rel_or_tables.dtype
    docs = jnp.arange(n, dtype=itype)
    big = jnp.asarray(jnp.inf, dtype)

    def body(i, carry):
        best, worst, bad, pos_all, neg_all = carry
        nominal = (i * chunk).astype(itype)
        # the last chunk overlaps the one before: rows seen before are masked
        start = jnp.minimum(nominal, m - chunk).astype(itype)
        rows = start + jnp.arange(chunk, dtype=itype)
        fresh = rows >= nominal
        qc = jax.lax.dynamic_slice_in_dim(q, start, chunk)
        if generated:
            rel = unrank_subsets(rows, rel_or_tables)
        else:
            rel = jax.lax.dynamic_slice_in_dim(rel_or_tables, start, chunk)
        scores = qc @ d.T  # [c, n]
        is_rel = jnp.any(rel[:, :, None] == docs[None, None, :], axis=1)  # [c, n]
        pos = jnp.min(jnp.where(is_rel, scores, big), axis=1)
        neg = jnp.max(jnp.where(is_rel, -big, scores), axis=1)
        margin = jnp.where(fresh, pos - neg, big)
        j = jnp.argmin(margin)
        better = margin[j] < best
        return (jnp.where(better, margin[j], best), jnp.where(better, rows[j], worst).astype(itype),
                bad + jnp.sum(fresh & (margin <= 0)).astype(jnp.int32),
                jnp.minimum(pos_all, jnp.min(jnp.where(fresh, pos, big))),
                jnp.maximum(neg_all, jnp.max(jnp.where(fresh, neg, -big))))

    init = (big, jnp.zeros((), itype), jnp.zeros((), jnp.int32), big, -big)
    return jax.lax.fori_loop(0, num_chunks, body, init)


def certify(Q, D, *, k: int | None = None, qrels=None, dtype=np.float64, memory_budget=None,
            chunk_size: int | None = None) -> Certificate:
    """Checks, streaming over query chunks, that every query ranks its relevant documents first.

    Args:
        Q: ``[m, dim]`` query embeddings (row ``i`` is query ``i``).
        D: ``[n, dim]`` document embeddings.
        k: relevant documents per query.  With ``qrels=None`` the queries are all ``C(n, k)``
            k-subsets in lexicographic order (default ``k = 2``); with ``qrels`` it defaults to
            ``qrels.shape[1]`` and must equal it when given.
        qrels: optional ``[m, k]`` integer index list, row ``i`` the relevant documents of query
            ``i`` (distinct, in ``[0, n)``).
        dtype: the floating dtype the scores are computed in (``Q`` and ``D`` are cast to it);
            float64 needs JAX's x64 mode.
        memory_budget: bytes for one chunk's temporaries (default: the fixed
            :data:`embtheory.core.memory.DEFAULT_MEMORY_BUDGET`, so that chunking never
            depends on the machine).
        chunk_size: queries per chunk (overrides ``memory_budget``).

    Returns:
        A :class:`Certificate`.

    Raises:
        ValueError / TypeError naming the argument: empty or mis-shaped ``Q``/``D``, non-finite
        values, ``qrels`` out of range, repeated within a row or non-integral, ``k >= n``, the
        wrong number of queries, float64 with x64 off.
    """
    dt = check_float_dtype(dtype, "dtype")
    Q = check_embedding(Q, "Q")
    D = check_embedding(D, "D", cols=Q.shape[1], other="Q")
    n, m = D.shape[0], Q.shape[0]
    if qrels is None:
        k = 2 if k is None else check_int(k, "k", minimum=1)
        if k >= n:
            raise ValueError(f"k must be < n (the number of documents): got k={k}, n={n}; with k >= n "
                             "no document is irrelevant")
        want = math.comb(n, k)
        if m != want:
            raise ValueError(f"Q must have C(n, k) = C({n}, {k}) = {want:,} rows (one per k-subset, "
                             f"lexicographic) when qrels is None, got {m:,}: pass qrels=<[m, k] index "
                             "list> for other patterns")
        if want >= 2**31 - 1:
            raise ValueError(f"C({n}, {k}) = {want:,} queries exceeds the int32 ranks certify uses; "
                             "lower n or pass qrels in parts")
        payload = jnp.asarray(_prefix_tables(n, k).astype(np.int32))
    else:
        rel = check_index_array(qrels, "qrels", n=n, ndim=2, unique_rows=True)
        if rel.shape[0] != m:
            raise ValueError(f"qrels must have one row per query: Q has {m} rows, qrels {rel.shape[0]}")
        if rel.shape[1] == 0:
            raise ValueError("qrels has zero columns: every query needs at least one relevant document")
        if k is not None and check_int(k, "k", minimum=1) != rel.shape[1]:
            raise ValueError(f"k={k} disagrees with qrels, which lists {rel.shape[1]} documents per query")
        k = rel.shape[1]
        if k >= n:
            raise ValueError(f"k must be < n (the number of documents): got k={k} (qrels columns), n={n}")
        payload = jnp.asarray(rel.astype(np.int32))
    budget = DEFAULT_MEMORY_BUDGET if memory_budget is None else resolve_memory_budget(memory_budget)
    if chunk_size is None:
        per_query = _BYTES_PER_ENTRY * n * dt.itemsize + 64 * k
        chunk = int(max(1, min(m, 16384, budget // per_query)))
    else:
        chunk = min(check_int(chunk_size, "chunk_size", minimum=1), m)
    num_chunks = math.ceil(m / chunk)
    q = jnp.asarray(np.asarray(Q, dt) if not isinstance(Q, jax.Array) else Q.astype(dt))
    d = jnp.asarray(np.asarray(D, dt) if not isinstance(D, jax.Array) else D.astype(dt))
    best, worst, bad, pos_all, neg_all = _certify_kernel(q, d, payload, k=k, chunk=chunk,
                                                          num_chunks=num_chunks, generated=qrels is None)
    margin = float(best)
    return Certificate(solved=bool(margin > 0), margin=margin, worst_query=int(worst), violations=int(bad),
                       global_margin=float(pos_all) - float(neg_all), num_queries=m)

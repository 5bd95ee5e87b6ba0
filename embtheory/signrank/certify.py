r"""Certificates: does an embedding rank every query's relevant documents strictly first?

For queries :math:`q_i` with relevant sets :math:`P_i` (of any sizes) and documents
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
import warnings
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.memory import DEFAULT_MEMORY_BUDGET, resolve_memory_budget
from embtheory.core.validation import check_float_dtype, check_int
from embtheory.signrank._validation import check_embedding
from embtheory.signrank.qrels import as_qrels

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
        certain: the verdict holds whatever the rounding of the scores: every query's margin is
            farther from 0 than the rounding bound of its scores (when solved), or at least one
            violation is (when not).  False: rounding in ``dtype`` could decide the verdict;
            rerun in float64 or with :func:`embtheory.signrank.exact_certify`.
    """

    solved: bool
    margin: float
    worst_query: int
    violations: int
    global_margin: float
    num_queries: int
    certain: bool


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


def _scores(qc: jax.Array, d: jax.Array) -> jax.Array:
    """``[c, n]`` inner products, each summed over the dimension left to right.

    Not a matrix product: XLA's CPU code for ``qc @ d.T`` may sum in another order for another
    number of rows (seen on an Intel Xeon, not on AMD EPYC), which would make a query's margin
    depend on how the queries are chunked.  Elementwise products added one coordinate at a time
    do the same operations for every entry whatever the chunk, on any CPU.
    """
    s = qc[:, 0:1] * d[None, :, 0]
    for t in range(1, qc.shape[1]):
        s = s + qc[:, t : t + 1] * d[None, :, t]
    return s


def _row_norms(x: jax.Array) -> jax.Array:
    """Euclidean norms of rows, summed left to right (the same operations for every row)."""
    s = x[:, 0] * x[:, 0]
    for t in range(1, x.shape[1]):
        s = s + x[:, t] * x[:, t]
    return jnp.sqrt(s)


def _round_to_bucket(x: int) -> int:
    """``x`` rounded up to a multiple of ``max(8, 2**(bit_length(x) - 4))`` (at most 12.5% above
    it past 64): the padded sizes a certificate compiles for (so that a search's certificates
    share a few programs instead of compiling one per n), and the optimiser's launches past
    :data:`embtheory.signrank.solve.MIN_BUCKET` documents."""
    g = max(8, 1 << max(0, x.bit_length() - 4))
    return -(-x // g) * g


@functools.partial(jax.jit, static_argnames=("k", "chunk", "generated"))
def _certify_kernel(q, d, rel_or_tables, slack, m, n, *, k, chunk, generated):
    """The certificate of the first ``m`` rows of ``q`` against the first ``n`` rows of ``d``
    (``m`` and ``n`` traced: the rows past them are padding, masked out).  Padding cannot change
    a bit of the outcome: every score is computed alone, and only minima, maxima and counts are
    taken over queries and documents."""
    m_pad, n_pad = q.shape[0], d.shape[0]
    dtype = q.dtype
    itype = rel_or_tables.dtype
    docs = jnp.arange(n_pad, dtype=itype)
    real_doc = docs < n
    big = jnp.asarray(jnp.inf, dtype)
    # |computed score - exact score| <= slack * |q_i| * max_j |d_j| (see certify's docstring)
    d_max = jnp.max(_row_norms(d))  # padding rows are zeros

    def body(i, carry):
        best, worst, bad, unsure_pass, sure_fail, pos_all, neg_all = carry
        nominal = (i * chunk).astype(itype)
        # the last chunk overlaps the one before: rows seen before, and padding rows, are masked
        start = jnp.minimum(nominal, m_pad - chunk).astype(itype)
        rows = start + jnp.arange(chunk, dtype=itype)
        fresh = (rows >= nominal) & (rows < m)
        qc = jax.lax.dynamic_slice_in_dim(q, start, chunk)
        if generated:
            rel = unrank_subsets(rows, rel_or_tables)
        else:
            rel = jax.lax.dynamic_slice_in_dim(rel_or_tables, start, chunk)
        scores = _scores(qc, d)  # [c, n]
        is_rel = jnp.any(rel[:, :, None] == docs[None, None, :], axis=1)  # [c, n]
        pos = jnp.min(jnp.where(is_rel, scores, big), axis=1)
        neg = jnp.max(jnp.where(is_rel | ~real_doc[None, :], -big, scores), axis=1)
        margin = jnp.where(fresh, pos - neg, big)
        # both scores of a margin may be off by the bound, so the margin by twice it
        bound = 2 * slack * _row_norms(qc) * d_max
        j = jnp.argmin(margin)
        better = margin[j] < best
        return (jnp.where(better, margin[j], best), jnp.where(better, rows[j], worst).astype(itype),
                bad + jnp.sum(fresh & (margin <= 0)).astype(jnp.int32),
                unsure_pass + jnp.sum(fresh & (margin > 0) & (margin <= bound)).astype(jnp.int32),
                sure_fail + jnp.sum(fresh & (margin < -bound)).astype(jnp.int32),
                jnp.minimum(pos_all, jnp.min(jnp.where(fresh, pos, big))),
                jnp.maximum(neg_all, jnp.max(jnp.where(fresh, neg, -big))))

    zero = jnp.zeros((), jnp.int32)
    init = (big, jnp.zeros((), itype), zero, zero, zero, big, -big)
    return jax.lax.fori_loop(0, (m + chunk - 1) // chunk, body, init)


def certify(Q, D, *, k: int | None = None, qrels=None, dtype=None, memory_budget=None,
            chunk_size: int | None = None) -> Certificate:
    r"""Checks, streaming over query chunks, that every query ranks its relevant documents first.

    Every score is the same sequence of floating-point operations whatever the chunk (products
    added one coordinate at a time, not a matrix product whose summation order may depend on
    the chunk's shape), so the certificate is bitwise the same for every ``chunk_size`` and
    ``memory_budget``, on any CPU.

    Rounding: a score of dimension :math:`p` computed in a dtype of unit roundoff :math:`u` is
    within :math:`\gamma_p |q_i| |d_j|` of the exact inner product of the (cast) embeddings,
    :math:`\gamma_p = p u / (1 - p u)` (Higham, Accuracy and Stability of Numerical
    Algorithms, Eq. 3.5, with Cauchy-Schwarz), so query ``i``'s margin is within
    :math:`2 \gamma_p |q_i| \max_j |d_j|`.  :attr:`Certificate.certain` says whether the
    verdict survives that bound; when it does not, a ``RuntimeWarning`` recommends float64 or
    :func:`embtheory.signrank.exact_certify`.

    Args:
        Q: ``[m, dim]`` query embeddings (row ``i`` is query ``i``).
        D: ``[n, dim]`` document embeddings.
        k: relevant documents per query.  With ``qrels=None`` the queries are all ``C(n, k)``
            k-subsets in lexicographic order (default ``k = 2``); with ``qrels`` leave it None
            (or give the common size of every relevant set).
        qrels: the queries' relevant documents in any form :func:`embtheory.signrank.as_qrels`
            reads (a :class:`embtheory.signrank.Qrels`, a mask, ragged lists, ``-1``-padded or
            full ``[m, k]`` indices, BEIR triples or file); relevant sets may differ in size.
        dtype: the floating dtype the scores are computed in (``Q`` and ``D`` are cast to it);
            default float64 when JAX's x64 mode is on, else float32.  float64 needs x64.
        memory_budget: bytes for one chunk's temporaries (default: the fixed
            :data:`embtheory.core.memory.DEFAULT_MEMORY_BUDGET`, so that chunking never
            depends on the machine).
        chunk_size: queries per chunk (overrides ``memory_budget``).

    Returns:
        A :class:`Certificate`.

    Raises:
        ValueError / TypeError naming the argument: empty or mis-shaped ``Q``/``D``, non-finite
        values, ``qrels`` out of range, repeated within a row or non-integral, ``k >= n``, the
        wrong number of queries, float64 with x64 off, embeddings whose scores could overflow
        ``dtype`` (never a certificate computed from infinite scores).
    """
    if dtype is None:
        dtype = np.float64 if jax.config.jax_enable_x64 else np.float32
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
        n_pad = _round_to_bucket(n)
        m_pad = math.comb(n_pad, k)
        if m_pad >= 2**31 - 1:
            raise ValueError(f"C({n}, {k}) = {want:,} queries (padded to C({n_pad}, {k}) = {m_pad:,}) "
                             "exceeds the int32 ranks certify uses; lower n or pass qrels in parts")
        tables = _prefix_tables(n, k)
        # past n every position's count stays at its total, so searchsorted never picks a padding id
        payload = np.concatenate([tables, np.repeat(tables[:, -1:], n_pad - n, axis=1)], axis=1)
        payload = jnp.asarray(payload.astype(np.int32))
    else:
        qr = as_qrels(qrels, n_docs=n)
        if qr.num_queries != m:
            raise ValueError(f"qrels must have one row per query: Q has {m} rows, qrels {qr.num_queries}")
        if k is not None and check_int(k, "k", minimum=1) != qr.k:
            raise ValueError(f"k={k} disagrees with qrels, whose queries have {qr.counts.min()}.."
                             f"{qr.counts.max()} relevant documents: leave k=None with qrels")
        # padding repeats a relevant id, which leaves "is relevant" (all the kernel reads) unchanged
        rel = qr.rel
        k = rel.shape[1]
        n_pad, m_pad = _round_to_bucket(n), _round_to_bucket(m)
        payload = jnp.asarray(np.concatenate([rel, np.zeros((m_pad - m, k), rel.dtype)]))
    # Every partial sum of a score is at most |q_i| |d_j| (Cauchy-Schwarz): below the dtype's
    # largest value (with room for rounding), no score can overflow to inf, whose differences
    # (inf - inf = NaN) would otherwise poison the minimum.
    q_max = float(np.max(np.linalg.norm(np.asarray(Q, np.float64), axis=1)))
    d_max = float(np.max(np.linalg.norm(np.asarray(D, np.float64), axis=1)))
    if q_max * d_max >= float(np.finfo(dt).max) / 4:
        raise ValueError(f"scores could overflow {dt.name}: the largest |Q| row norm ({q_max:.3g}) times the "
                         f"largest |D| row norm ({d_max:.3g}) exceeds a quarter of {dt.name}'s maximum; "
                         "rescale Q and D (a query's ranking does not change when it is scaled by a "
                         "positive number) or pass dtype=float64")
    budget = DEFAULT_MEMORY_BUDGET if memory_budget is None else resolve_memory_budget(memory_budget)
    if chunk_size is None:
        per_query = _BYTES_PER_ENTRY * n_pad * dt.itemsize + 64 * k
        chunk = int(max(1, min(m_pad, 16384, budget // per_query)))
    else:
        chunk = min(check_int(chunk_size, "chunk_size", minimum=1), m_pad)
    dim = Q.shape[1]
    # padded on the host: an eager pad would compile per shape, what the padding is there to avoid
    q = np.zeros((m_pad, dim), dt)
    q[:m] = np.asarray(Q, dt)
    d = np.zeros((n_pad, dim), dt)
    d[:n] = np.asarray(D, dt)
    u = float(np.finfo(dt).eps) / 2
    # gamma_dim, inflated by a few units for the rounding of the norms and of the bound itself
    slack = jnp.asarray(dim * u / (1 - dim * u) * (1 + 8 * (dim + 2) * u), dt)
    best, worst, bad, unsure_pass, sure_fail, pos_all, neg_all = _certify_kernel(
        q, d, payload, slack, np.int32(m), np.int32(n), k=k, chunk=chunk, generated=qrels is None)
    margin = float(best)
    solved = bool(margin > 0)
    certain = int(unsure_pass) == 0 if solved else int(sure_fail) > 0
    if not certain:
        warnings.warn(f"certify in {dt.name}: the smallest margin ({margin:.3g}) is within the rounding "
                      f"bound of the scores, so {dt.name} rounding could decide this verdict; rerun with "
                      "dtype=float64 (JAX x64) or check it with exact_certify", RuntimeWarning, stacklevel=2)
    return Certificate(solved=solved, margin=margin, worst_query=int(worst), violations=int(bad),
                       global_margin=float(pos_all) - float(neg_all), num_queries=m, certain=certain)

r"""Theory tools: the margin-dimension bound, sign-rank bounds and the moment-curve embedding.

* Theorem 1 (Weller et al., v2): if unit vectors in :math:`\mathbb{R}^d` realise every
  k-subset of n documents with margin :math:`\gamma`, then
  :math:`\binom{n}{k} \le (1 + 1/\gamma)^d`, so
  :math:`d \ge \lceil \ln\binom{n}{k} / \ln(1 + 1/\gamma) \rceil` (:func:`margin_dimension_bound`).
* Sign rank of :math:`M = 2A - 1`.  Upper: a free embedding in ``d`` dimensions that ranks every
  query's relevant documents first certifies :math:`\operatorname{rank}_\pm(M) \le d + 1`
  (Proposition 2; :func:`certified_sign_rank`).  Lower: Forster (2002),
  :math:`\operatorname{rank}_\pm(M) \ge \sqrt{mn} / \lVert M \rVert_2` for
  :math:`M \in \{\pm1\}^{m \times n}` (:func:`forster_lower_bound`), with
  :math:`\lVert M \rVert_2^2 = \lambda_{\max}(M^\top M)` from the ``n x n`` matrix
  :math:`M^\top M = 4 A^\top A - 2 c \mathbf 1^\top - 2 \mathbf 1 c^\top + m \mathbf 1 \mathbf 1^\top`
  (:math:`c = A^\top \mathbf 1`) built from the index list (no ``m x n`` array).
* Alon, Frankl & Rödl (1985): documents on the moment curve
  :math:`v(t) = (1, t, \dots, t^{2k})`, query :math:`S` the coefficients of
  :math:`-\prod_{i \in S} (t - t_i)^2`: its score is 0 on :math:`S` and negative elsewhere, so
  every k-subset is realised in :math:`2k + 1` dimensions, for every n
  (:func:`moment_curve_embedding`).  The gap shrinks like a power of :math:`1/n`, so finite
  precision breaks it (:func:`moment_curve_gap`, :func:`precision_break_n`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from embtheory.core.validation import check_bool, check_int, check_memory, check_positive, check_real
from embtheory.signrank._validation import check_embedding
from embtheory.signrank.patterns import k_subsets
from embtheory.signrank.qrels import as_qrels

__all__ = [
    "MomentCurveGap",
    "certified_sign_rank",
    "forster_lower_bound",
    "margin_dimension_bound",
    "moment_curve_embedding",
    "moment_curve_gap",
    "precision_break_n",
]


def margin_dimension_bound(n: int | None = None, k: int | None = None, gamma: float | None = None, *,
                           qrels=None) -> int:
    r"""The least ``d`` that Theorem 1 allows: :math:`\lceil \ln\binom nk / \ln(1 + 1/\gamma) \rceil`.

    Exact for any ``n`` (Python integers for :math:`\binom nk`).  The theorem's packing
    argument counts distinct relevant sets (two queries with different sets, each realised
    with margin :math:`\gamma`, are :math:`\gamma` apart), so for a user's ``qrels`` (any
    form :func:`embtheory.signrank.as_qrels` reads; then leave ``n`` and ``k`` None) the count
    is the number of distinct relevant sets instead of :math:`\binom nk`.

    Example:
        >>> [margin_dimension_bound(10**e, 2, 0.1) for e in (2, 3, 4)]
        [4, 6, 8]
        >>> margin_dimension_bound(gamma=0.1, qrels=[[0, 1], [0, 2], [1, 2], [0, 1]])
        1
    """
    if gamma is None:
        raise TypeError("margin_dimension_bound needs gamma (the margin, > 0)")
    gamma = check_positive(gamma, "gamma")
    if qrels is not None:
        if n is not None or k is not None:
            raise TypeError("pass either (n, k) for every k-subset or qrels=, not both")
        count = int(np.unique(as_qrels(qrels).index, axis=0).shape[0])
        return math.ceil(math.log(count) / math.log1p(1.0 / gamma)) if count > 1 else 0
    if n is None or k is None:
        raise TypeError("margin_dimension_bound needs n and k (every k-subset of n documents), or qrels=")
    n = check_int(n, "n", minimum=1)
    k = check_int(k, "k", minimum=1, maximum=n)
    return math.ceil(math.log(math.comb(n, k)) / math.log1p(1.0 / gamma))


def certified_sign_rank(q, d, qrels) -> int | None:
    """``dim + 1`` if the embedding ranks every query's relevant documents strictly first, else None.

    Args:
        q: ``[m, dim]`` queries; d: ``[n, dim]`` documents (finite).
        qrels: the relevant documents of each query, in any form
            :func:`embtheory.signrank.as_qrels` reads (relevant sets may differ in size).

    Returns:
        The certified upper bound on the sign rank of ``2A - 1`` (Proposition 2), or None.
    """
    check_embedding(q, "q")
    check_embedding(d, "d", cols=np.shape(q)[1], other="q")
    q, d = np.asarray(q, np.float64), np.asarray(d, np.float64)
    # padding repeats a relevant id: the min over relevant scores and the mask are unchanged
    rel = as_qrels(qrels, n_docs=d.shape[0]).rel
    if q.shape[0] != rel.shape[0]:
        raise ValueError(f"qrels must have one row per query: q has {q.shape[0]} rows, qrels {rel.shape[0]}")
    step = max(1, 2**24 // max(d.shape[0], 1))
    for s in range(0, q.shape[0], step):  # chunks of queries, not pairs
        scores = q[s:s + step] @ d.T
        r = rel[s:s + step]
        pos = np.take_along_axis(scores, r, axis=1).min(axis=1)
        masked = scores.copy()
        np.put_along_axis(masked, r, -np.inf, axis=1)
        if np.any(pos <= masked.max(axis=1)):
            return None
    return d.shape[1] + 1


def forster_lower_bound(qrels, num_docs: int | None = None) -> float:
    r"""Forster's lower bound :math:`\sqrt{mn} / \lVert 2A - 1 \rVert_2` on the sign rank.

    Args:
        qrels: ``A`` in any form :func:`embtheory.signrank.as_qrels` reads (relevant sets may
            differ in size).
        num_docs: ``n`` (default: the qrels' own document count).

    Returns:
        The real-valued bound (the sign rank is at least its ceiling).
    """
    if num_docs is not None:
        num_docs = check_int(num_docs, "num_docs", minimum=1, maximum=2**31 - 1)
    qr = as_qrels(qrels, n_docs=num_docs)
    n = qr.n_docs
    index = qr.index
    m, k = index.shape
    check_memory(n * n * 8, "forster_lower_bound's n x n matrix", memory_budget=4 * 2**30,
                 fix=f"n = num_docs = {n}; lower num_docs")
    ata = np.zeros((n, n))
    a, b = np.repeat(index, k, axis=1).ravel(), np.tile(index, (1, k)).ravel()
    both = (a >= 0) & (b >= 0)
    np.add.at(ata, (a[both], b[both]), 1.0)
    col = np.bincount(index[index >= 0], minlength=n).astype(float)  # A^T 1
    mtm = 4 * ata - 2 * col[:, None] - 2 * col[None, :] + m
    top = np.linalg.eigvalsh(mtm)[-1]
    return float(math.sqrt(m * n) / math.sqrt(top))


def _poly_coefficients(roots: np.ndarray, dtype) -> np.ndarray:
    """Coefficients (increasing degree) of ``-prod_i (t - r_i)^2`` per row of ``roots`` ``[m, k]``."""
    m, k = roots.shape
    coef = np.zeros((m, 2 * k + 1), dtype)
    coef[:, 0] = -1.0
    for i in range(k):
        a = roots[:, i : i + 1].astype(dtype)
        # multiply by (t^2 - 2 a t + a^2)
        new = np.zeros_like(coef)
        new[:, 2:] += coef[:, :-2]
        new[:, 1:] -= 2 * a * coef[:, :-1]
        new += a * a * coef
        coef = new
    return coef


def moment_curve_embedding(n: int, k: int = 2, *, dtype=np.float64, nodes: str = "uniform",
                           memory_budget: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""The Alon-Frankl-Rödl realisation of every k-subset in ``2k + 1`` dimensions.

    Args:
        n: documents.
        k: relevant documents per query.
        dtype: ``np.float32`` or ``np.float64``: every step is computed in it.
        nodes: ``"uniform"`` (:math:`t_i` evenly spaced in [-1, 1]) or ``"chebyshev"``.
        memory_budget: refuse query matrices above this many bytes (default 2 GiB).

    Returns:
        ``(q [C(n,k), 2k+1], d [n, 2k+1])``, unit rows; ``q`` rows in :func:`k_subsets` order.
        The score of query ``S`` and document ``j`` is
        :math:`-\prod_{i\in S}(t_j - t_i)^2 / (\lVert p_S\rVert \lVert v(t_j)\rVert)`: zero on
        ``S``, negative elsewhere (in exact arithmetic).
    """
    memory_budget = 2 * 2**30 if memory_budget is None else memory_budget
    n = check_int(n, "n", minimum=2)
    k = check_int(k, "k", minimum=1, maximum=n - 1)
    dtype = _construction_dtype(dtype)
    m = math.comb(n, k)
    check_memory(m * (2 * k + 1) * np.dtype(dtype).itemsize, "moment_curve_embedding queries",
                 memory_budget=memory_budget, fix=f"C({n},{k}) = {m:,} queries; lower n")
    t = _nodes(n, nodes, dtype)
    d = _powers(t, 2 * k)
    d = d / _norms(d)[:, None]
    sub = k_subsets(n, k)
    q = _poly_coefficients(t[sub], dtype)
    q = q / _norms(q)[:, None]
    return q.astype(dtype), d.astype(dtype)


# The construction and its gap use IEEE multiplications and additions in a fixed order only:
# NumPy's ``power``, ``einsum`` and ``linalg.norm`` dispatch to SIMD code chosen for the CPU (SVML
# on AVX-512), whose last bits differ between CPUs, and near the precision limit a last bit
# decides whether an ``n`` certifies.  These give the same bits on every CPU.


def _powers(t: np.ndarray, degree: int) -> np.ndarray:
    """``[len(t), degree + 1]``: ``1, t, t^2, ...`` as repeated products in ``t``'s dtype."""
    out = np.empty((t.shape[0], degree + 1), t.dtype)
    out[:, 0] = 1
    for j in range(1, degree + 1):
        out[:, j] = out[:, j - 1] * t
    return out


def _norms(x: np.ndarray) -> np.ndarray:
    """Euclidean norms of the rows of ``x``, the squares summed left to right."""
    s = x[:, 0] * x[:, 0]
    for j in range(1, x.shape[1]):
        s = s + x[:, j] * x[:, j]
    return np.sqrt(s)


def _dots(q: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``[m, c]`` inner products of ``q [m, j]`` with ``d [m, c, j]``, summed left to right."""
    s = q[:, None, 0] * d[:, :, 0]
    for j in range(1, q.shape[1]):
        s = s + q[:, None, j] * d[:, :, j]
    return s


def _construction_dtype(dtype) -> np.dtype:
    """float32 or float64 (NumPy, on the host): an integer dtype would truncate the curve."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64 (the construction needs real arithmetic; an "
                        f"integer dtype would truncate it), got {dt}")
    return dt


def _nodes(n, nodes, dtype):
    if nodes == "uniform":
        return np.linspace(-1.0, 1.0, n).astype(dtype)
    if nodes == "chebyshev":
        return np.cos(np.pi * (np.arange(n) + 0.5) / n)[::-1].astype(dtype)
    raise ValueError(f"nodes must be 'uniform' or 'chebyshev', got {nodes!r}")


def _candidates(rel: np.ndarray, n: int, reach: int) -> np.ndarray:
    """For each query, the documents within ``reach`` positions of one of its relevant ones."""
    offs = np.concatenate([np.arange(-reach, 0), np.arange(1, reach + 1)])
    cand = np.clip(rel[:, :, None] + offs[None, None, :], 0, n - 1).reshape(rel.shape[0], -1)
    return cand


class _MomentCurveGap(NamedTuple):
    n: int
    k: int
    dtype: str
    min_gap: float
    exact_min_gap: float
    solved: bool


class MomentCurveGap(_MomentCurveGap):
    """The smallest score gap of the moment-curve embedding (:func:`moment_curve_gap`).

    Attributes:
        n, k, dtype: the size and the dtype it was built and scored in.
        min_gap: the computed smallest gap (<= 0: some query is not solved).
        exact_min_gap: the float64 closed form of the same gap.
        solved: ``min_gap > 0``.
    """

    __slots__ = ()


def moment_curve_gap(n: int, k: int = 2, *, dtype=np.float64, nodes: str = "uniform",
                     exhaustive: bool | None = None, reach: int = 2) -> MomentCurveGap:
    r"""Smallest score gap of the moment-curve embedding, computed in ``dtype``.

    For every query, gap = (smallest score of a relevant document) - (largest score of an
    irrelevant one), with the embedding built and scored in ``dtype``.  The exact gap is the
    float64 closed form :math:`\prod_{i \in S}(t_j - t_i)^2 / (\lVert p_S\rVert \lVert v(t_j)\rVert)`
    minimised over irrelevant ``j``.

    Args:
        n, k, dtype, nodes: see :func:`moment_curve_embedding`.
        exhaustive: score every document (True) or only those within ``reach`` positions of a
            relevant one (False; in exact arithmetic the closest competitor is a neighbour, and a
            far document's score is far below).  Default: exhaustive for ``n <= 200``.
        reach: neighbourhood of the non-exhaustive check.

    Returns:
        A :class:`MomentCurveGap`.
    """
    exhaustive = n <= 200 if exhaustive is None else exhaustive
    q, d = moment_curve_embedding(n, k, dtype=dtype, nodes=nodes)
    rel = k_subsets(n, k)
    t = _nodes(n, nodes, np.float64)
    v_norm = _norms(_powers(t, 2 * k))
    p_norm = _norms(_poly_coefficients(t[rel], np.float64))
    gap, exact = np.inf, np.inf
    step = max(1, 2**21 // (n if exhaustive else 4 * reach * k))
    for s in range(0, q.shape[0], step):  # query chunks
        r = rel[s:s + step]
        cand = np.broadcast_to(np.arange(n), (r.shape[0], n)) if exhaustive else _candidates(r, n, reach)
        sc = _dots(q[s:s + step], d[cand]).astype(np.float64)
        pos = _dots(q[s:s + step], d[r]).astype(np.float64).min(axis=1)
        irrelevant = ~np.any(cand[:, :, None] == r[:, None, :], axis=2)
        gap = min(gap, float((pos - np.where(irrelevant, sc, -np.inf).max(axis=1)).min()))
        diff = t[cand][:, :, None] - t[r][:, None, :]
        prod = diff[:, :, 0] * diff[:, :, 0]
        for i in range(1, k):
            prod = prod * (diff[:, :, i] * diff[:, :, i])
        ex = prod / (p_norm[s:s + step, None] * v_norm[cand])
        exact = min(exact, float(np.where(irrelevant, ex, np.inf).min()))
    return MomentCurveGap(n=n, k=k, dtype=np.dtype(dtype).name, min_gap=gap, exact_min_gap=exact,
                          solved=bool(gap > 0))


def _gap_cost(n: int, k: int, reach: int = 2) -> int:
    """Scores :func:`moment_curve_gap` computes at ``n`` (queries times documents checked)."""
    return math.comb(n, k) * (n if n <= 200 else min(n, 4 * reach * k))


def _scan_grid(k: int, n_max: int, growth: float) -> list[int]:
    out, n = [], 2 * k + 1
    while n <= n_max:
        out.append(n)
        n = max(n + 1, math.ceil(growth * n))
    return out


def precision_break_n(k: int = 2, *, dtype=np.float32, n_max: int = 4000, nodes: str = "uniform",
                      growth: float = 1.15, max_scores: float = 5e8, progress: bool = False) -> int | None:
    """The first ``n`` at which the moment-curve embedding computed in ``dtype`` fails.

    Scans a geometric grid ``n_{j+1} = ceil(growth * n_j)`` from ``2k + 1`` until a failure, then
    every n between the last success and that failure.  Returns None if none fails up to ``n_max``.

    A scan that could score more than ``max_scores`` (query, document) pairs in all (it can,
    in float64, where the curve does not break before a large ``n_max``) is refused up front
    with its cost, instead of running silently for minutes: lower ``n_max``, raise
    ``max_scores``, or use :func:`embtheory.signrank.precision_limit` (certified, capped).
    ``progress=True`` prints each n as it is checked.
    """
    k = check_int(k, "k", minimum=1)
    n_max = check_int(n_max, "n_max", minimum=1)
    if n_max < 2 * k + 1:
        raise ValueError(f"n_max must be >= 2k + 1 = {2 * k + 1} for k={k} (the scan starts at n = 2k + 1), "
                         f"got n_max={n_max}: raise n_max or lower k")
    growth = check_real(growth, "growth", low=1.0, low_open=True)
    if max_scores != math.inf:  # inf: no cap
        max_scores = check_real(max_scores, "max_scores", low=0.0, low_open=True)
    progress = check_bool(progress, "progress")
    dtype = _construction_dtype(dtype)
    grid = _scan_grid(k, n_max, growth)
    worst = sum(_gap_cost(n, k) for n in grid)
    if worst > max_scores:
        raise ValueError(f"precision_break_n(k={k}, dtype={dtype.name}, n_max={n_max}) may score up to "
                         f"{worst:.2e} (query, document) pairs ({len(grid)} sizes, the largest "
                         f"C({grid[-1]},{k}) = {math.comb(grid[-1], k):,} queries) if it finds no failure "
                         "early, over "
                         f"max_scores={max_scores:.1e} (minutes on a CPU): lower n_max, raise max_scores, "
                         "or use precision_limit(...) which certifies with a work cap")

    def solved(m):
        g = moment_curve_gap(m, k, dtype=dtype, nodes=nodes)
        if progress:
            print(f"precision_break_n k={k} {dtype.name}: n={m} min_gap={g.min_gap:.3g}", flush=True)
        return g.solved

    prev = None
    for n in grid:
        if not solved(n):
            for m in range((prev or n - 1) + 1, n):
                if not solved(m):
                    return m
            return n
        prev = n
    return None

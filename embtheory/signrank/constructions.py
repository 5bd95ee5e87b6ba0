r"""Explicit embeddings that realise every k-subset, their precision limits, and exact checks.

**Neighbourly construction** (:func:`neighbourly_embedding`, ``d = 2k``).  Documents lie on the
trigonometric moment curve

.. math:: c(t) = (\cos t, \sin t, \cos 2t, \sin 2t, \dots, \cos kt, \sin kt) / \sqrt{k}

at :math:`t_j = 2\pi j / n` (unit vectors).  For a k-set :math:`S` the trigonometric polynomial

.. math:: f_S(t) = \prod_{i \in S} \bigl(1 - \cos(t - t_i)\bigr)
         = \prod_{i \in S} 2 \sin^2\tfrac{t - t_i}{2} \;\ge\; 0

has degree k, vanishes exactly at the :math:`t_i` of :math:`S` and is positive at every other
point of the circle.  Writing :math:`z = e^{it}`, :math:`w_i = e^{i t_i}` and
:math:`1 - \cos(t - t_i) = \tfrac12 (1 - z \bar w_i)(1 - \bar z w_i)`,

.. math:: f_S(t) = 2^{-k} \lvert P(z) \rvert^2, \quad P(z) = \prod_{i\in S} (1 - \bar w_i z)
         = \sum_{m=0}^{k} c_m z^m,

so :math:`f_S(t) = 2^{-k}\bigl(r_0 + 2 \sum_{j=1}^{k} (\operatorname{Re} r_j \cos jt
- \operatorname{Im} r_j \sin jt)\bigr)` with the autocorrelation
:math:`r_j = \sum_m c_{m+j} \bar c_m` (:math:`c_m = (-1)^m e_m(\bar w)`).  The query of
:math:`S` is the negated non-constant coefficient vector,

.. math:: q_S = 2^{1-k} (-\operatorname{Re} r_1, \operatorname{Im} r_1, \dots,
          -\operatorname{Re} r_k, \operatorname{Im} r_k),

whose score :math:`\langle q_S, c(t)\rangle = (2^{1-k} r_0/2 - f_S(t)) / \sqrt k` is largest,
and equal, exactly on :math:`S`: it is the outer normal of the face that :math:`S` spans on the
cyclic polytope (which is k-neighbourly).  For k = 2 this is
:math:`q = (\cos\alpha + \cos\beta, \sin\alpha + \sin\beta, -\tfrac12\cos(\alpha+\beta),
-\tfrac12\sin(\alpha+\beta))`.  Nothing is searched for.

**Moment curve** (:func:`embtheory.signrank.theory.moment_curve_embedding`, ``d = 2k + 1``):
Alon, Frankl and Rödl's polynomial version.

**Precision limit** (:func:`precision_limit`): the smallest competing gap shrinks like a power
of :math:`1/n` (:math:`\sim (2\pi/n)^{2k}` for the neighbourly construction), so a
construction built and scored in float32 or float64 stops certifying at a finite n; the
limit is found with :func:`embtheory.signrank.certify` (a doubling search, then bisection).

**Exact checks** (:func:`exact_certify`, :func:`neighbourly_exact_check`,
:func:`moment_curve_exact_check`): integer and rational arithmetic (Python ints and
:class:`fractions.Fraction`), for small n.  ``exact_certify`` scores the stored floating arrays
exactly (every float is a dyadic rational); the two constructions' checks rebuild them at
rational points (rational points of the circle, :math:`\cos t = (1 - u^2)/(1 + u^2)`,
:math:`\sin t = 2u/(1 + u^2)`) and verify the derived identity and the ranking exactly.
"""

from __future__ import annotations

import math
import time
import warnings
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from embtheory.core.memory import DEFAULT_MEMORY_BUDGET
from embtheory.core.validation import (
    check_bool,
    check_choice,
    check_int,
    check_memory,
    check_real,
    parse_dtype,
)
from embtheory.signrank.certify import certify
from embtheory.signrank.patterns import k_subsets
from embtheory.signrank.qrels import as_qrels

__all__ = [
    "CONSTRUCTIONS",
    "PRECISION_LIMITS",
    "Embedding",
    "ExactCertificate",
    "PrecisionLimit",
    "exact_certify",
    "moment_curve_exact_check",
    "neighbourly_embedding",
    "neighbourly_exact_check",
    "precision_limit",
]

CONSTRUCTIONS = ("neighbourly", "moment_curve")

#: The precision limits, the one source of truth for them (k = 2).  float32: the largest n such
#: that the construction built and certified in float32 certifies for *every* size up to it,
#: checked size by size (tests/signrank/test_constructions.py); near the limit success
#: is not monotone in n (neighbourly: 163 fails, 164 and 165 certify, every n >= 166 up to 174
#: fails; moment curve: 72 fails, 73-75 certify, 76-84 fail), so :func:`precision_limit`'s
#: bisection may report a boundary above it.  float64: a lower bound (certified up to the work
#: cap of :func:`precision_limit`), with an extrapolation of the n^-4 margin law to the float64
#: epsilon in :data:`FLOAT64_ESTIMATE` (not certified).
PRECISION_LIMITS = {
    ("neighbourly", 2, "float32"): 162,
    ("moment_curve", 2, "float32"): 78,
    ("neighbourly", 2, "float64"): 843,
    ("moment_curve", 2, "float64"): 843,
}
FLOAT64_ESTIMATE = {("neighbourly", 2): 30_000}


class Embedding(NamedTuple):
    """Queries and documents of a construction.

    Attributes:
        q: ``[C(n, k), dim]`` queries, rows in :func:`k_subsets` (lexicographic) order.
        d: ``[n, dim]`` documents.
    """

    q: np.ndarray
    d: np.ndarray


def _float_dtype(dtype, name="dtype") -> np.dtype:
    dt = parse_dtype(dtype, name, expected="a floating dtype (float32 or float64)")
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"{name} must be float32 or float64 (a construction needs real arithmetic), got {dt}")
    return dt


def _check_precision(construction: str, n: int, k: int, dt: np.dtype) -> None:
    if dt == np.float32 and (construction, k, "float32") in PRECISION_LIMITS:
        lim = PRECISION_LIMITS[(construction, k, "float32")]
        if n > lim:
            raise ValueError(f"n={n} is beyond what float32 represents for the {construction} construction "
                             f"with k={k}: every n up to {lim} certifies (PRECISION_LIMITS), beyond it "
                             "rounding decides; use "
                             "dtype=float64, or pass check_precision=False to build it anyway (it will "
                             "not certify)")
    if dt == np.float64 and (construction, k) in FLOAT64_ESTIMATE and n > FLOAT64_ESTIMATE[(construction, k)]:
        raise ValueError(f"n={n} is beyond what float64 represents for the {construction} construction with "
                         f"k={k}: the smallest margin falls like n^-4 and reaches the float64 epsilon near "
                         f"n = {FLOAT64_ESTIMATE[(construction, k)]:,} (extrapolated; certified up to "
                         f"{PRECISION_LIMITS[(construction, k, 'float64')]}); pass check_precision=False to "
                         "build it anyway")


def neighbourly_embedding(n: int, k: int = 2, *, unit: bool = True, dtype=np.float64,
                          memory_budget: float | None = None, check_precision: bool = True) -> Embedding:
    r"""Every k-subset of n documents realised exactly (in exact arithmetic) in ``d = 2k``.

    Args:
        n: documents (``n > k``).
        k: relevant documents per query.
        unit: documents scaled by :math:`1/\sqrt k` (unit length) and queries to unit length;
            False: the raw curve and the raw normals (same ranking).
        dtype: float32 or float64; every step (angles, cosines, normals) is computed in it.
        memory_budget: refuse query matrices above this many bytes (default 1 GiB).
        check_precision: refuse an ``n`` beyond the construction's known precision limit in
            ``dtype`` (:data:`PRECISION_LIMITS`; k = 2), saying what the limit is.

    Returns:
        :class:`Embedding` ``(q [C(n, k), 2k], d [n, 2k])`` (see the module docstring).
    """
    n = check_int(n, "n", minimum=2)
    k = check_int(k, "k", minimum=1, maximum=n - 1)
    unit, check_precision = check_bool(unit, "unit"), check_bool(check_precision, "check_precision")
    dt = _float_dtype(dtype)
    if check_precision:
        _check_precision("neighbourly", n, k, dt)
    m = math.comb(n, k)
    check_memory(m * (4 * k + 3 * k) * dt.itemsize, "neighbourly_embedding's queries",
                 memory_budget=DEFAULT_MEMORY_BUDGET if memory_budget is None else memory_budget,
                 fix=f"C({n},{k}) = {m:,} queries of dimension {2 * k}; lower n")
    cdt = np.complex64 if dt == np.float32 else np.complex128
    t = (dt.type(2 * np.pi) / dt.type(n)) * np.arange(n, dtype=dt)
    harm = np.arange(1, k + 1, dtype=dt)
    d = np.empty((n, 2 * k), dt)
    d[:, 0::2] = np.cos(t[:, None] * harm[None, :])
    d[:, 1::2] = np.sin(t[:, None] * harm[None, :])
    sub = k_subsets(n, k)
    wbar = (np.cos(t) - 1j * np.sin(t)).astype(cdt)[sub]  # [m, k] conjugate roots
    # P(z) = prod (1 - wbar_i z): coefficients c_0..c_k, one factor at a time (k steps)
    c = np.zeros((m, k + 1), cdt)
    c[:, 0] = 1
    for i in range(k):
        c[:, 1:] = c[:, 1:] - wbar[:, i : i + 1] * c[:, :-1]
    q = np.empty((m, 2 * k), dt)
    scale = dt.type(2.0 ** (1 - k))
    for j in range(1, k + 1):
        r = np.sum(c[:, j:] * np.conj(c[:, : k + 1 - j]), axis=1)
        q[:, 2 * (j - 1)] = -scale * r.real
        q[:, 2 * (j - 1) + 1] = scale * r.imag
    if unit:
        d = d / dt.type(math.sqrt(k))
        q = q / np.linalg.norm(q, axis=1, keepdims=True).astype(dt)
    return Embedding(q=q.astype(dt, copy=False), d=d.astype(dt, copy=False))


class PrecisionLimit(NamedTuple):
    """The precision limit of a construction in one dtype.

    Attributes:
        construction: ``"neighbourly"`` or ``"moment_curve"``.
        k: subset size; dim: the construction's dimension.
        dtype: the floating dtype of construction and certificate.
        largest_certified: the largest n seen to certify (None: not even the smallest).
        first_failure: the smallest n seen to fail above it (None: none up to the cap).
        capped: the search stopped at ``n_max`` or the work cap without a failure, so the
            limit is at least ``largest_certified`` (a lower bound, not the limit).
        checked: ``((n, margin), ...)`` every certificate computed, in order.
        next_cost_pairs: (query, document) pairs the next, refused, certificate would score
            (0 when nothing was refused).
    """

    construction: str
    k: int
    dim: int
    dtype: str
    largest_certified: int | None
    first_failure: int | None
    capped: bool
    checked: tuple
    next_cost_pairs: int


def _build(construction, n, k, dtype):
    if construction == "neighbourly":
        return neighbourly_embedding(n, k, dtype=dtype, check_precision=False)
    from embtheory.signrank.theory import moment_curve_embedding

    return Embedding(*moment_curve_embedding(n, k, dtype=dtype))


def certify_pairs(n: int, k: int) -> int:
    """The (query, document) pairs a certificate of all k-subsets of n documents scores."""
    return math.comb(n, k) * n


def precision_limit(construction: str = "neighbourly", k: int = 2, *, dtype=np.float32,
                    n_min: int | None = None, n_max: int = 4096, max_pairs: float = 3e8,
                    verbose: bool = False) -> PrecisionLimit:
    """The largest n at which a construction, built and certified in ``dtype``, still certifies.

    Doubles n from ``n_min`` (default ``2k + 2``) until a certificate fails, then bisects
    between the last success and the first failure (this assumes the failures are monotone in
    n, which the checked list lets you inspect).  Every step is a full :func:`certify` of all
    ``C(n, k)`` queries.  A certificate that would score more than ``max_pairs`` (query,
    document) pairs is not started: the search stops there, returns ``capped=True`` and says
    what it refused (a float64 limit can be far beyond what a CPU certifies in minutes).

    Args:
        construction: ``"neighbourly"`` (d = 2k) or ``"moment_curve"`` (d = 2k + 1).
        k: subset size.
        dtype: float32 or float64 (float64 needs JAX's x64 mode for the certificate).
        n_min, n_max: the search range.
        max_pairs: the work cap per certificate (pairs scored).
        verbose: print each certificate as it finishes (n, margin, seconds).
    """
    check_choice(construction, "construction", CONSTRUCTIONS)
    k = check_int(k, "k", minimum=1)
    dt = _float_dtype(dtype)
    lo = check_int(2 * k + 2 if n_min is None else n_min, "n_min", minimum=k + 1)
    n_max = check_int(n_max, "n_max", minimum=lo)
    max_pairs = check_real(max_pairs, "max_pairs", low=1)
    dim = 2 * k if construction == "neighbourly" else 2 * k + 1
    checked: list[tuple[int, float]] = []

    def ok(n):
        t0 = time.perf_counter()
        e = _build(construction, n, k, dt)
        with warnings.catch_warnings():
            # the search probes the sizes where rounding decides: that is what it measures
            warnings.simplefilter("ignore", RuntimeWarning)
            c = certify(e.q, e.d, k=k, dtype=dt)
        checked.append((n, c.margin))
        if verbose:
            print(f"precision_limit {construction} k={k} {dt.name}: n={n} margin={c.margin:.3g} "
                  f"({time.perf_counter() - t0:.1f} s)", flush=True)
        return c.solved

    def affordable(n):
        return certify_pairs(n, k) <= max_pairs

    if not affordable(lo):
        raise ValueError(f"max_pairs={max_pairs:.3g} is below the cost of the first certificate "
                         f"(n_min={lo}: {certify_pairs(lo, k):,} pairs); raise max_pairs")
    if not ok(lo):
        return PrecisionLimit(construction, k, dim, dt.name, None, lo, False, tuple(checked), 0)
    good, bad, refused = lo, None, 0
    n = lo
    while True:
        nxt = min(2 * n, n_max)
        if nxt == n:
            break  # reached n_max without a failure
        if not affordable(nxt):
            top = n  # the largest affordable n below nxt (the cost grows with n)
            hi = nxt
            while hi - top > 1:
                mid = (top + hi) // 2
                top, hi = (mid, hi) if affordable(mid) else (top, mid)
            refused = certify_pairs(top + 1, k)
            if top > n:
                if ok(top):
                    good = top
                else:
                    bad, refused = top, 0
            break
        if ok(nxt):
            good = n = nxt
        else:
            bad = nxt
            break
    if bad is not None:
        while bad - good > 1:
            mid = (good + bad) // 2
            if ok(mid):
                good = mid
            else:
                bad = mid
    capped = bad is None
    if capped and refused:
        warnings.warn(f"precision_limit({construction!r}, k={k}, dtype={dt.name}) stopped at n={good}: "
                      f"the next certificate would score {refused:,} pairs, over max_pairs={max_pairs:.3g}; "
                      f"the limit is >= {good}", RuntimeWarning, stacklevel=2)
    return PrecisionLimit(construction, k, dim, dt.name, good, bad, capped, tuple(checked), refused)


# ----------------------------------------------------------------------------------------------
# exact arithmetic


class ExactCertificate(NamedTuple):
    """:func:`certify` in exact rational arithmetic.

    Attributes:
        solved: every margin is > 0; margin: the minimum margin (a Fraction);
        worst_query: the first query attaining it; violations: queries with margin <= 0.
    """

    solved: bool
    margin: Fraction
    worst_query: int
    violations: int


def _exact_rows(x: np.ndarray) -> list[list[Fraction]]:
    return [[Fraction(float(v)) for v in row] for row in np.asarray(x, np.float64)]


def _exact_scores_certificate(q_rows, d_rows, rel) -> ExactCertificate:
    best, worst, bad = None, -1, 0
    for i, r in enumerate(rel):
        scores = [sum(a * b for a, b in zip(q_rows[i], dj)) for dj in d_rows]
        rs = set(int(x) for x in r)
        pos = min(scores[j] for j in rs)
        neg = max(scores[j] for j in range(len(scores)) if j not in rs)
        mu = pos - neg
        bad += mu <= 0
        if best is None or mu < best:
            best, worst = mu, i
    return ExactCertificate(solved=bool(best > 0), margin=best, worst_query=worst, violations=int(bad))


def exact_certify(Q, D, *, k: int = 2, qrels=None, max_pairs: int = 200_000) -> ExactCertificate:
    """:func:`certify` of float arrays in exact arithmetic (each float is an exact rational).

    For small problems only (a pure-Python check, ``m n dim`` Fraction products; refused above
    ``max_pairs`` (query, document) pairs).  ``qrels``: any form
    :func:`embtheory.signrank.as_qrels` reads (None: every k-subset, lexicographic).  It tells
    whether the *stored* arrays solve the pattern, free of any rounding in the scoring.
    """
    Q, D = np.asarray(Q, np.float64), np.asarray(D, np.float64)
    if Q.ndim != 2 or D.ndim != 2 or Q.shape[1] != D.shape[1] or not Q.size or not D.size:
        raise ValueError(f"Q and D must be non-empty 2-D arrays of one dimension, got {Q.shape} and "
                         f"{D.shape}")
    if not (np.all(np.isfinite(Q)) and np.all(np.isfinite(D))):
        raise ValueError("Q and D must be finite for an exact certificate")
    n = D.shape[0]
    if qrels is None:
        rel = k_subsets(n, check_int(k, "k", minimum=1, maximum=n - 1))
    else:  # padding repeats a relevant id: the relevant set of each row is unchanged
        rel = as_qrels(qrels, n_docs=n).rel
    if rel.shape[0] != Q.shape[0]:
        raise ValueError(f"Q has {Q.shape[0]} rows but the pattern has {rel.shape[0]} queries")
    if rel.shape[0] * n > max_pairs:
        raise ValueError(f"exact_certify would score {rel.shape[0] * n:,} pairs in Python, over "
                         f"max_pairs={max_pairs:,}: use certify, or raise max_pairs")
    return _exact_scores_certificate(_exact_rows(Q), _exact_rows(D), rel)


def _gmul(a, b):
    return (a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0])


def _circle_points(n: int) -> list[tuple[Fraction, Fraction]]:
    """n distinct rational points (cos t, sin t) of the unit circle near t = 2 pi j / n."""
    pts = []
    for j in range(n):
        theta = 2 * math.pi * j / n - math.pi + math.pi / n  # avoid t = pi (u = infinity)
        u = Fraction(math.tan(theta / 2)).limit_denominator(10_000)
        den = 1 + u * u
        pts.append(((1 - u * u) / den, 2 * u / den))
    if len(set(pts)) != n:
        raise ValueError(f"n={n} is too large for the exact check's rational points; use n <= 200")
    return pts


class ExactCheck(NamedTuple):
    """An exact check of a construction.

    Attributes:
        n, k: the size; identity: the derived closed-form score identity holds exactly for
        every (query, document) pair; certificate: the :class:`ExactCertificate`.
    """

    n: int
    k: int
    identity: bool
    certificate: ExactCertificate


def neighbourly_exact_check(n: int, k: int = 2, *, max_pairs: int = 100_000) -> ExactCheck:
    r"""The neighbourly construction at rational points of the circle, checked exactly.

    Documents are the exact rational points :math:`(\operatorname{Re} w^m, \operatorname{Im}
    w^m)_{m \le k}` (unscaled: a common factor does not change a ranking); queries come from the
    module's formula in Gaussian-rational arithmetic.  ``identity`` checks
    that :math:`\langle q_S, c_j\rangle + f_S(t_j)` is the same for every document j (the constant
    :math:`2^{-k} r_0`), with :math:`f_S(t_j) = \prod_{i\in S}(1 - \operatorname{Re}(w_j \bar w_i))`.
    """
    n = check_int(n, "n", minimum=2)
    k = check_int(k, "k", minimum=1, maximum=n - 1)
    if math.comb(n, k) * n > max_pairs:
        raise ValueError(f"the exact check scores C({n},{k})*{n} = {math.comb(n, k) * n:,} pairs in Python, "
                         f"over max_pairs={max_pairs:,}; lower n")
    w = _circle_points(n)
    powers = []
    for wj in w:
        p, row = (Fraction(1), Fraction(0)), []
        for _ in range(k):
            p = _gmul(p, wj)
            row += [p[0], p[1]]
        powers.append(row)
    rel = k_subsets(n, k)
    queries, identity = [], True
    for r in rel:
        c = [(Fraction(1), Fraction(0))] + [(Fraction(0), Fraction(0))] * k
        for i in r:
            wb = (w[i][0], -w[i][1])
            new = list(c)
            for m in range(1, k + 1):
                prod = _gmul(wb, c[m - 1])
                new[m] = (c[m][0] - prod[0], c[m][1] - prod[1])
            c = new
        scale = Fraction(2) ** (1 - k)
        q = []
        for j in range(1, k + 1):
            re = sum(_gmul(c[m + j], (c[m][0], -c[m][1]))[0] for m in range(k + 1 - j))
            im = sum(_gmul(c[m + j], (c[m][0], -c[m][1]))[1] for m in range(k + 1 - j))
            q += [-scale * re, scale * im]
        queries.append(q)
        consts = set()
        for j in range(n):
            f = Fraction(1)
            for i in r:
                f *= 1 - (w[j][0] * w[i][0] + w[j][1] * w[i][1])  # 1 - cos(t_j - t_i)
            consts.add(sum(a * b for a, b in zip(q, powers[j])) + f)
        identity &= len(consts) == 1
    return ExactCheck(n=n, k=k, identity=bool(identity),
                      certificate=_exact_scores_certificate(queries, powers, rel))


def moment_curve_exact_check(n: int, k: int = 2, *, max_pairs: int = 100_000) -> ExactCheck:
    r"""The Alon-Frankl-Rödl moment curve at rational nodes :math:`t_j = -1 + 2j/(n-1)`, exactly.

    Documents :math:`(1, t, \dots, t^{2k})` and queries the coefficients of
    :math:`-\prod_{i\in S}(t - t_i)^2` in Python rationals; ``identity``: every score equals
    :math:`-\prod_{i \in S}(t_j - t_i)^2` exactly.  Unit scaling multiplies each score by a
    positive number, which keeps the signs, hence the ranking (relevant 0, the rest < 0).
    """
    n = check_int(n, "n", minimum=2)
    k = check_int(k, "k", minimum=1, maximum=n - 1)
    if math.comb(n, k) * n > max_pairs:
        raise ValueError(f"the exact check scores {math.comb(n, k) * n:,} pairs in Python, over "
                         f"max_pairs={max_pairs:,}; lower n")
    t = [Fraction(2 * j, n - 1) - 1 for j in range(n)]
    docs = [[tj**p for p in range(2 * k + 1)] for tj in t]
    rel = k_subsets(n, k)
    queries, identity = [], True
    for r in rel:
        coef = [Fraction(-1)]
        for i in r:  # multiply by (t - a)^2 = t^2 - 2 a t + a^2
            a = t[i]
            new = [Fraction(0)] * (len(coef) + 2)
            for p, cp in enumerate(coef):
                new[p] += a * a * cp
                new[p + 1] += -2 * a * cp
                new[p + 2] += cp
            coef = new
        queries.append(coef)
        for j in range(n):
            want = -math.prod(((t[j] - t[i]) ** 2 for i in r), start=Fraction(1))
            identity &= sum(a * b for a, b in zip(coef, docs[j])) == want
    return ExactCheck(n=n, k=k, identity=bool(identity),
                      certificate=_exact_scores_certificate(queries, docs, rel))

r"""Growth fits of the critical n against d, their uncertainty and their extrapolation.

The paper fits :math:`n(d) = c_0 + c_1 d + c_2 d^2 + c_3 d^3` by least squares to its table
(d = 4..45; r^2 = 0.999) and extrapolates to d = 512..4096 ("250M at d = 4096").  The cubic term
is carried by the last few points, so the extrapolation depends on the model form and on
which points are fitted.  :func:`poly_fit` fits a polynomial with r^2, :func:`bootstrap_band`
resamples the (d, n) points, and :func:`compare_fits` puts the published cubic, the cubic on
d <= 40 and the quadratic side by side at the extrapolation dimensions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from embtheory.core.validation import check_finite, check_int, check_key, check_memory, check_probability

__all__ = [
    "EXTRAPOLATION_DIMS",
    "PUBLISHED_CRITICAL_N",
    "Band",
    "FitComparison",
    "LogisticFit",
    "N50Band",
    "PolyFit",
    "bootstrap_band",
    "compare_fits",
    "logistic_n50",
    "n50_bootstrap",
    "poly_eval",
    "poly_fit",
    "sample_band",
    "wilson_interval",
]

#: Table 6 (v1) / Appendix G (v2) of Weller et al. 2025: critical n by d, one run per d.
PUBLISHED_CRITICAL_N: dict[int, int] = dict(zip(range(4, 46), [
    10, 14, 19, 24, 28, 32, 36, 42, 47, 54, 62, 70, 79, 89, 99, 109, 120, 132, 144, 157, 170,
    184, 198, 213, 229, 245, 261, 278, 296, 314, 333, 352, 372, 392, 413, 434, 460, 484, 505,
    545, 605, 626], strict=True))

#: Dimensions the paper extrapolates to.
EXTRAPOLATION_DIMS = (512, 768, 1024, 3072, 4096)


def _xy(d, n):
    d = np.asarray(d, np.float64).ravel()
    n = np.asarray(n, np.float64).ravel()
    if d.shape != n.shape:
        raise ValueError(f"d and n must have the same length, got {d.shape} and {n.shape}")
    if not (np.all(np.isfinite(d)) and np.all(np.isfinite(n))):
        raise ValueError("d and n must be finite (drop searches that found no solved n)")
    return d, n



class _PolyFitFields(NamedTuple):
    """A least-squares polynomial ``n ~ sum_j coef[j] d^j``.

    Attributes:
        coef: coefficients, increasing degree.
        r2: coefficient of determination (weighted when the fit was).
        degree: the polynomial degree.
        extrapolation: ``{d: n}`` at the extrapolation dimensions (from :func:`compare_fits`).
    """

    coef: tuple
    r2: float
    degree: int
    extrapolation: dict | None = None


class PolyFit(_PolyFitFields):
    __doc__ = _PolyFitFields.__doc__
    __slots__ = ()


class _BandFields(NamedTuple):
    """A bootstrap band of a fit's prediction.

    Attributes:
        at: ``[q]`` where it was predicted; median, lo, hi: ``[q]`` arrays; num: resamples;
        level: the central interval's level.
    """

    at: np.ndarray
    median: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    num: int
    level: float = 0.9


class Band(_BandFields):
    __doc__ = _BandFields.__doc__
    __slots__ = ()


class _FitComparisonFields(NamedTuple):
    """Cubic and quadratic fits on all d and on d <= cut (:func:`compare_fits`), each a :class:`PolyFit`."""

    cubic: PolyFit
    quadratic: PolyFit
    cubic_le_cut: PolyFit
    quadratic_le_cut: PolyFit


class FitComparison(_FitComparisonFields):
    __doc__ = _FitComparisonFields.__doc__
    __slots__ = ()

    def items(self):
        """``(name, PolyFit)`` pairs in field order."""
        return list(zip(self._fields, self))

    def keys(self):
        return list(self._fields)


def _design(d, degree):
    return d[:, None] ** np.arange(degree + 1)[None, :]


def poly_fit(d, n, degree: int = 3, *, sigma=None) -> PolyFit:
    """Least-squares polynomial ``n ~ sum_j c_j d^j`` (float64) with r^2.

    Args:
        d: ``[p]`` dimensions; n: ``[p]`` critical n.
        degree: polynomial degree (needs ``p > degree``).
        sigma: optional ``[p]`` standard errors of ``n``: a weighted fit (weights ``1/sigma^2``),
            e.g. the half-widths of n50 intervals.

    Returns:
        A :class:`PolyFit`.
    """
    degree = check_int(degree, "degree", minimum=0)
    d, n = _xy(d, n)
    if d.size <= degree:
        raise ValueError(f"a degree-{degree} fit needs more than {degree} points, got {d.size}")
    if np.unique(d).size <= degree:
        raise ValueError(f"a degree-{degree} fit needs more than {degree} distinct d, got "
                         f"{np.unique(d).size}: lower degree or add dimensions")
    w = np.ones_like(d)
    if sigma is not None:
        sig = np.asarray(sigma, np.float64).ravel()
        if sig.shape != d.shape or not np.all(np.isfinite(sig)) or np.any(sig <= 0):
            raise ValueError(f"sigma must hold {d.size} positive finite standard errors, got {sig.tolist()}")
        w = 1.0 / sig
    x = _design(d, degree)
    coef, *_ = np.linalg.lstsq(x * w[:, None], n * w, rcond=None)
    resid = (n - x @ coef) * w
    mean = np.sum(w * w * n) / np.sum(w * w)
    ss_tot = float(np.sum((w * (n - mean)) ** 2))
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else float("nan")
    return PolyFit(coef=tuple(float(c) for c in coef), r2=r2, degree=degree)


def poly_eval(coef: Sequence[float], d) -> np.ndarray:
    """Evaluates a fit's polynomial (increasing-degree coefficients) at ``d``.

    Raises:
        TypeError / ValueError naming the argument: ``coef`` or ``d`` not real numbers, NaN or
        inf in either, ``coef`` empty or not 1-D.
    """
    coef = _real_array(coef, "coef")
    if coef.ndim != 1 or coef.size == 0:
        raise ValueError(f"coef must be a non-empty 1-D sequence of coefficients, got shape {coef.shape}")
    d = _real_array(d, "d")
    return np.polynomial.polynomial.polyval(d, coef)


def _real_array(x, name: str) -> np.ndarray:
    """``x`` as a float64 array of finite real numbers, refused with a message naming ``name``."""
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"{name} must hold real numbers, got {arr.dtype} values such as "
                        f"{arr.ravel()[:1].tolist()}")
    check_finite(arr, name)
    return arr.astype(np.float64)


def bootstrap_band(d, n, at, *, degree: int = 3, num: int = 2000, key=None, level: float = 0.9,
                   memory_budget: float | None = None) -> Band:
    """Case-resampling bootstrap band of a polynomial fit's prediction at ``at``.

    Resamples the (d, n) points with replacement ``num`` times (resamples with fewer than
    ``degree + 1`` distinct d are left out and replaced by further draws), refits, and reports
    the median and the central ``level`` interval of the predictions.

    Args:
        key: PRNG key of the resampling (required).
        memory_budget: bytes the resamples may hold (default: the machine's budget, see
            :mod:`embtheory.core.memory`); a larger ``num`` is refused with a MemoryError
            stating the size, never allocated.

    Returns:
        A :class:`Band`.
    """
    import jax

    d, n = _xy(d, n)
    degree = check_int(degree, "degree", minimum=0)
    num = check_int(num, "num", minimum=10)
    level = check_probability(level, "level")
    at = _real_array(at, "at").ravel()
    # per resample: its int32 draw (about five arrays inside jax.random.randint, one host copy)
    # and its prediction row, a small array object held in a list
    check_memory(num * (6 * 4 * d.size + 8 * at.size + 128), f"bootstrap_band(num={num:,})",
                 memory_budget=memory_budget,
                 fix=f"{num:,} resamples of {d.size} points each; lower num")
    if np.unique(d).size <= degree:  # no resample could ever be fitted
        raise ValueError(f"a degree-{degree} bootstrap needs more than {degree} distinct d, got "
                         f"{np.unique(d).size}: lower degree or add dimensions")
    if key is None:
        raise TypeError("bootstrap_band needs key= (a jax.random.key) for its resampling")
    key = check_key(key)
    x_at = _design(at, degree)
    preds, draws = [], 0
    while len(preds) < num:
        draws += 1
        if draws > 50:
            raise ValueError("bootstrap_band: too few resamples had enough distinct d; add dimensions")
        idx = np.asarray(jax.random.randint(jax.random.fold_in(key, draws), (num, d.size), 0, d.size))
        for ii in idx:
            if np.unique(d[ii]).size <= degree:
                continue
            coef, *_ = np.linalg.lstsq(_design(d[ii], degree), n[ii], rcond=None)
            preds.append(x_at @ coef)
            if len(preds) == num:
                break
    preds = np.asarray(preds)
    a = (1 - level) / 2
    return Band(at=at, median=np.median(preds, axis=0), lo=np.quantile(preds, a, axis=0),
                hi=np.quantile(preds, 1 - a, axis=0), num=num, level=float(level))


def sample_band(d, samples, at, *, degree: int = 3, level: float = 0.9, sigma=None) -> Band:
    """The band of a fit's prediction over given resamples of ``n`` (rows of ``samples``).

    For n50 values: each row holds one bootstrap draw of every d's n50 (seeds resampled per d),
    so the band carries the seed-to-seed uncertainty of every point into the extrapolation.

    Args:
        d: ``[p]`` dimensions; samples: ``[b, p]`` resampled values; at: where to predict.
        degree: polynomial degree; level: central interval level; sigma: optional weights as
            :func:`poly_fit`.
    """
    d = np.asarray(d, np.float64).ravel()
    samples = np.asarray(samples, np.float64)
    if samples.ndim != 2 or samples.shape[1] != d.size:
        raise ValueError(f"samples must be [resamples, {d.size}], got shape {samples.shape}")
    level = check_probability(level, "level")
    keep = np.all(np.isfinite(samples), axis=1)
    if not keep.any():
        raise ValueError("samples has no row without NaN: every resample lacked a crossing somewhere")
    at = np.asarray(at, np.float64).ravel()
    preds = np.array([poly_eval(poly_fit(d, row, degree, sigma=sigma).coef, at) for row in samples[keep]])
    a = (1 - level) / 2
    return Band(at=at, median=np.median(preds, axis=0), lo=np.quantile(preds, a, axis=0),
                hi=np.quantile(preds, 1 - a, axis=0), num=int(keep.sum()), level=float(level))


def compare_fits(table: Mapping[int, float] | None = None, *, at: Sequence[int] = EXTRAPOLATION_DIMS,
                 cut: int = 40) -> FitComparison:
    """Cubic vs quadratic, all d vs d <= ``cut``: coefficients, r^2 and extrapolations.

    Args:
        table: ``{d: critical n}`` (default: the published table).
        at: dimensions to extrapolate to.
        cut: the largest d of the truncated fits.

    Returns:
        A :class:`FitComparison` of :class:`PolyFit`.
    """
    table = PUBLISHED_CRITICAL_N if table is None else dict(table)
    d = np.array(sorted(table), np.float64)
    n = np.array([table[k] for k in sorted(table)], np.float64)
    keep = d <= cut
    out = {}
    for name, deg, mask in [("cubic", 3, slice(None)), ("quadratic", 2, slice(None)),
                            ("cubic_le_cut", 3, keep), ("quadratic_le_cut", 2, keep)]:
        fit = poly_fit(d[mask], n[mask], deg)
        out[name] = fit._replace(extrapolation={int(a): float(poly_eval(fit.coef, a)) for a in at})
    return FitComparison(**out)


# --- the critical n as a probability ---------------------------------------------------------

#: Ridge on the standardised logistic slope: keeps the fit finite when verdicts are perfectly
#: separated (every seed solves n <= c and fails n > c), where the plain likelihood has no maximum.
LOGISTIC_RIDGE = 1e-2


class LogisticFit(NamedTuple):
    """``P(solved | n) = 1 / (1 + exp(-(intercept + slope * n)))`` fitted to verdicts.

    Attributes:
        n50: ``-intercept / slope``, the n where the fitted probability is one half (NaN when every
            verdict is the same: no crossing inside the data).
        slope: per document (negative when success falls with n).
        intercept: the log-odds at n = 0.
        converged: Newton's iteration met its tolerance.
    """

    n50: float
    slope: float
    intercept: float
    converged: bool


class N50Band(NamedTuple):
    """Bootstrap interval of n50 over seeds.

    Attributes:
        median: median of the resampled n50.
        lo, hi: the central ``level`` interval.
        level: confidence level.
        num: resamples; degenerate: how many had no crossing (all verdicts equal), left out.
        samples: ``[num]`` the resampled n50 (NaN where degenerate), e.g. for :func:`sample_band`.
    """

    median: float
    lo: float
    hi: float
    level: float
    num: int
    degenerate: int
    samples: np.ndarray


def wilson_interval(successes, trials: int, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    r"""Wilson score interval of a binomial proportion, per entry of ``successes``.

    .. math:: \frac{x + z^2/2}{m + z^2} \pm \frac{z}{m + z^2}\sqrt{\frac{x (m - x)}{m} + \frac{z^2}{4}}

    with ``z`` the normal quantile of ``1 - (1 - level) / 2``.

    Returns:
        ``(lo, hi)`` arrays shaped like ``successes``.
    """
    from statistics import NormalDist

    m = check_int(trials, "trials", minimum=1)
    x = np.asarray(successes, np.float64)
    if np.any(x < 0) or np.any(x > m) or not np.all(np.isfinite(x)):
        raise ValueError(f"successes must lie in [0, trials={m}], got {np.asarray(successes).tolist()}")
    level = check_probability(level, "level")
    z = NormalDist().inv_cdf(1 - (1 - float(level)) / 2)
    centre = (x + z * z / 2) / (m + z * z)
    half = z / (m + z * z) * np.sqrt(x * (m - x) / m + z * z / 4)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def _logistic_batch(x, succ, total, iters: int = 100, tol: float = 1e-10):
    """Ridge-penalised binomial logistic fits, vectorised over the rows of ``succ`` ([b, p])."""
    mu, sd = float(x.mean()), float(x.std()) or 1.0
    z = (x - mu) / sd
    b = succ.shape[0]
    theta = np.zeros((b, 2))
    conv = np.zeros(b, bool)
    for _ in range(iters):
        eta = theta[:, :1] + theta[:, 1:] * z[None, :]
        p = 1.0 / (1.0 + np.exp(-eta))
        w = total * p * (1 - p)
        r = succ - total * p
        g0 = r.sum(1)
        g1 = (r * z).sum(1) - LOGISTIC_RIDGE * theta[:, 1]
        h00 = w.sum(1) + 1e-12
        h01 = (w * z).sum(1)
        h11 = (w * z * z).sum(1) + LOGISTIC_RIDGE
        det = h00 * h11 - h01 * h01
        d0 = (h11 * g0 - h01 * g1) / det
        d1 = (h00 * g1 - h01 * g0) / det
        theta[:, 0] += d0
        theta[:, 1] += d1
        conv = (np.abs(d0) < tol) & (np.abs(d1) < tol)
        if conv.all():
            break
    slope = theta[:, 1] / sd
    intercept = theta[:, 0] - theta[:, 1] * mu / sd
    mixed = (succ.sum(1) > 0) & (succ.sum(1) < total.sum())  # some success and some failure
    n50 = np.where(mixed & (slope != 0), -intercept / np.where(slope == 0, 1.0, slope), np.nan)
    return n50, slope, intercept, conv


def logistic_n50(ns, solved) -> LogisticFit:
    """Logistic fit of per-trial verdicts against n (ridge :data:`LOGISTIC_RIDGE` on the slope).

    Args:
        ns: ``[p]`` document counts.
        solved: ``[p, s]`` bool verdicts (one column per seed).

    Returns:
        A :class:`LogisticFit`.
    """
    x, y = _curve_args(ns, solved)
    total = np.full(x.shape, y.shape[1], np.float64)
    n50, slope, icpt, conv = _logistic_batch(x, y.sum(1, dtype=np.float64)[None, :], total)
    return LogisticFit(n50=float(n50[0]), slope=float(slope[0]), intercept=float(icpt[0]),
                       converged=bool(conv[0]))


def _curve_args(ns, solved):
    x = _real_array(ns, "ns").ravel()
    y = np.asarray(solved)
    if y.ndim != 2 or y.shape[0] != x.size:
        raise ValueError(f"solved must be [len(ns), seeds] = [{x.size}, s], got shape {y.shape}")
    if y.dtype != bool:
        if not np.all(np.isin(y, (0, 1))):
            raise ValueError("solved must hold booleans (or 0/1)")
        y = y.astype(bool)
    if x.size < 2 or np.unique(x).size < 2:
        raise ValueError(f"a logistic fit needs at least 2 distinct n, got {x.tolist()}")
    return x, y


def n50_bootstrap(ns, solved, *, key, num: int = 1000, level: float = 0.95,
                  memory_budget: float | None = None) -> N50Band:
    """Bootstrap over seeds: resample the columns of ``solved`` with replacement, refit n50.

    Args:
        ns: ``[p]`` document counts; solved: ``[p, s]`` verdicts.
        key: PRNG key (``jax.random.key``) of the resampling.
        num: resamples.
        level: central interval level.
        memory_budget: bytes the resamples may hold (default: the machine's budget); a larger
            ``num`` is refused with a MemoryError stating the size.
    """
    import jax

    from embtheory.core.validation import check_key

    x, y = _curve_args(ns, solved)
    num = check_int(num, "num", minimum=10)
    level = check_probability(level, "level")
    key = check_key(key)
    s = y.shape[1]
    # per resample: its int32 column draw (about five arrays inside jax.random.randint, one host
    # copy), the gathered bool verdicts and about a dozen float64 rows of the Newton iteration
    check_memory(num * (6 * 4 * s + x.size * s + 12 * 8 * x.size), f"n50_bootstrap(num={num:,})",
                 memory_budget=memory_budget, fix=f"{num:,} resamples of {s} seeds at {x.size} n; lower num")
    idx = np.asarray(jax.random.randint(key, (num, s), 0, s))
    succ = y[:, idx].sum(axis=2).T.astype(np.float64)  # [num, p]
    total = np.full(x.shape, s, np.float64)
    n50, *_ = _logistic_batch(x, succ, total)
    ok = np.isfinite(n50)
    a = (1 - float(level)) / 2
    if not ok.any():
        return N50Band(median=float("nan"), lo=float("nan"), hi=float("nan"), level=float(level), num=num,
                       degenerate=int(num), samples=n50)
    v = n50[ok]
    return N50Band(median=float(np.median(v)), lo=float(np.quantile(v, a)), hi=float(np.quantile(v, 1 - a)),
                   level=float(level), num=num, degenerate=int((~ok).sum()), samples=n50)

"""Concentration statistics: kernel values over data pairs, decay fits and the exact references.

A kernel *concentrates exponentially* when ``Var_x[k(x, x')] in O(1/b^n)`` with ``b > 1``
(Chebyshev then bounds ``Pr[|k - mu| >= delta]``).  Here:

- :func:`pair_statistics`: mean, variance and mean ``|k - mu|`` over the distinct pairs
  ``i < j`` of a symmetric Gram matrix (``N_s (N_s - 1) / 2`` pairs, e.g. 780 for ``N_s = 40``);
- :func:`fit_decay`: the base ``b`` of ``Var ~ A b^{-n}`` by least squares on ``log Var``, with a
  t-interval;
- the exact references: :func:`product_variance` ``(3/8)^n - (1/4)^n``; :func:`haar_beta`
  ``1 / (2^{n-1} (2^n + 1))``, the paper's bound (the Haar second moment ``E[k^2]``), and
  :func:`haar_variance`, the exact Haar variance ``(d - 1) / (d^2 (d + 1))``, ``d = 2^n``.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy import stats as _stats

from embtheory.core.validation import check_finite, check_int, check_probability, check_real

__all__ = ["DecayFit", "PairStats", "fit_decay", "haar_beta", "haar_mean", "haar_variance", "pair_statistics",
           "pair_values", "product_variance"]


class PairStats(NamedTuple):
    """Statistics of a kernel over distinct data pairs."""

    mean: jax.Array
    var: jax.Array  # population variance over pairs (ddof = 0), as in the paper's np.var
    abs_dev: jax.Array  # mean |k - mu| for the given concentration point mu
    n_pairs: int


def pair_values(K) -> jax.Array:
    """The entries ``K[i, j], i < j`` of a square Gram matrix, as a vector of length ``N (N-1) / 2``."""
    K = jnp.asarray(K)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square Gram matrix (N, N), got shape {K.shape}")
    if K.shape[0] < 2:
        raise ValueError("K needs at least 2 points to have a pair (N >= 2)")
    i, j = np.triu_indices(K.shape[0], k=1)
    return K[i, j]


def pair_statistics(K, *, mu: float = 0.0) -> PairStats:
    """Mean, variance and mean absolute deviation from ``mu`` of ``K[i, j]`` over pairs ``i < j``.

    Args:
        K: ``(N, N)`` symmetric Gram matrix of ``N`` distinct data points.
        mu: concentration point (``1/2^n`` for fidelity kernels, 1 for projected ones).
    """
    mu = check_real(mu, "mu")
    check_finite(K, "K")
    v = pair_values(K)
    return PairStats(jnp.mean(v), jnp.var(v), jnp.mean(jnp.abs(v - mu)), int(v.shape[0]))


def _qubits(n) -> np.ndarray:
    """Qubit counts: an integer >= 1 or an integer array of them, as float64 for the formulas.

    Floats (even integral ones), bools and strings are refused; the bounds are checked on the
    host (a scalar past int64 never reaches NumPy).  The formulas below underflow to 0, never NaN.
    """
    if isinstance(n, (np.ndarray, jax.Array)) and np.ndim(n) > 0:
        arr = np.asarray(n)
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"n must be qubit counts (integers >= 1), got an array of dtype {arr.dtype}")
        if arr.size and int(arr.min()) < 1:
            raise ValueError(f"n must be qubit counts (integers >= 1), got {int(arr.min())}")
        return arr.astype(np.float64)
    n = check_int(n, "n")  # an integer, not past int64
    if n < 1:
        raise ValueError(f"n must be a qubit count (integer >= 1), got {n}")
    return np.asarray(float(n))


def product_variance(n) -> np.ndarray:
    """``(3/8)^n - (1/4)^n``: variance of the product-embedding kernel for uniform data on ``[0, 2 pi]^n``."""
    n = _qubits(n)
    return (3 / 8) ** n - (1 / 4) ** n


def haar_beta(n) -> np.ndarray:
    """``beta_Haar = 1 / (2^{n-1} (2^n + 1))``, the paper's concentration bound for 2-designs.

    It is the Haar second moment ``E[k^2] = 2 / (d (d + 1))`` (``d = 2^n``), so it bounds the
    variance from above; the exact Haar variance is :func:`haar_variance`, smaller by ``1 / d^2``.
    Written as ``2^{1-2n} / (1 + 2^{-n})`` so that a large ``n`` underflows to 0, never to NaN.
    """
    n = _qubits(n)
    return 2.0 ** (1 - 2 * n) / (1 + 2.0**-n)


def haar_variance(n) -> np.ndarray:
    """``Var_Haar[k] = (d - 1) / (d^2 (d + 1))``, ``d = 2^n``: ``k = |<a|b>|^2 ~ Beta(1, d - 1)``.

    Written as ``2^{-2n} (1 - 2^{-n}) / (1 + 2^{-n})``: ``haar_variance(2000)`` is 0.0, not inf/inf.
    """
    n = _qubits(n)
    e = 2.0**-n
    return e * e * (1 - e) / (1 + e)


def haar_mean(n) -> np.ndarray:
    """``1 / 2^n``: the fidelity-kernel mean of Haar-random states (the concentration point)."""
    return 2.0 ** -_qubits(n)


class DecayFit(NamedTuple):
    """``Var ~ A b^{-n}``: base ``b`` with a ``level`` confidence interval ``(b_low, b_high)``."""

    b: float
    b_low: float
    b_high: float
    log_amplitude: float
    level: float


def fit_decay(n_qubits, variances, *, level: float = 0.95) -> DecayFit:
    """Fits ``log Var = log A - n log b`` by least squares; the interval is a t-interval on the slope.

    Args:
        n_qubits: ``(m,)`` qubit counts, ``m >= 3`` distinct values.
        variances: ``(m,)`` positive variances.
        level: confidence level in (0, 1).

    Returns:
        :class:`DecayFit`; ``b > 1`` means exponential concentration.
    """
    n = np.asarray(n_qubits, dtype=float)
    v = np.asarray(variances, dtype=float)
    if n.shape != v.shape or n.ndim != 1:
        raise ValueError(f"n_qubits and variances must be 1-D of equal length, got {n.shape} and {v.shape}")
    if n.size < 3 or np.unique(n).size < 3:
        raise ValueError(
            f"fit_decay needs at least 3 distinct qubit counts for an interval, got {n.tolist()}")
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise ValueError("variances must be finite and > 0 (a zero variance has no logarithm): "
                         "drop those points or use float64")
    level = check_probability(level, "level")
    res = _stats.linregress(n, np.log(v))
    t = _stats.t.ppf(0.5 + level / 2, df=n.size - 2)
    slope_lo, slope_hi = res.slope - t * res.stderr, res.slope + t * res.stderr
    return DecayFit(float(np.exp(-res.slope)), float(np.exp(-slope_hi)), float(np.exp(-slope_lo)),
                    float(res.intercept), float(level))

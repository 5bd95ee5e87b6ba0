"""Shot noise: keyed estimators of kernel entries, and kernel ridge regression.

With ``m`` shots per entry:

- Loschmidt echo: each shot returns 1 (all zeros) with probability ``k``: the estimate is
  ``Binomial(m, k) / m``, unbiased with variance ``k (1 - k) / m``.  When ``k`` is exponentially
  small, the estimated Gram matrix is the identity with high probability.
- SWAP test: each shot returns ``+1`` with probability ``(1 + k) / 2`` and ``-1`` otherwise: the
  estimate ``2 Binomial(m, (1 + k)/2) / m - 1`` is unbiased with variance ``(1 - k^2) / m``.
- "random": the SWAP estimate of ``k = 0``, a data-independent coin-flip matrix.

Every estimator is vectorised over entries (any array of kernel values) and over seeds (pass a
batch of keys, e.g. ``jax.random.split(key, S)``, for a leading axis of ``S`` estimates).  With
``unit_diagonal=True`` a square matrix is estimated as in the paper: the ``i < j`` entries are
sampled once and mirrored, and the diagonal is exactly 1.

Kernel ridge regression with ``lambda = 0`` (the paper's choice) solves ``K a = y``;
:func:`kernel_ridge_fit` says so clearly when ``K`` is singular.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.validation import (
    INT32_MAX,
    check_bool,
    check_float_dtype,
    check_int,
    check_key,
    check_keys,
    check_memory,
    check_positive,
    is_concrete,
)

__all__ = ["kernel_ridge_fit", "kernel_ridge_predict", "loschmidt_estimate", "random_estimate",
           "swap_estimate"]


def _check_kernel(K) -> jax.Array:
    K = jnp.asarray(K)
    if not jnp.issubdtype(K.dtype, jnp.floating):
        K = K.astype(jnp.result_type(float))
    if is_concrete(K):
        if not bool(jnp.all(jnp.isfinite(K))):
            raise ValueError("K contains NaN or inf: kernel values must be probabilities in [0, 1]")
        lo, hi = float(jnp.min(K)), float(jnp.max(K))
        if lo < -1e-6 or hi > 1 + 1e-6:
            raise ValueError(
                f"K must hold kernel values in [0, 1] (fidelities), got range [{lo:.3g}, {hi:.3g}]")
    return jnp.clip(K, 0.0, 1.0)


def _check_key_or_batch(key) -> jax.Array:
    """One key (typed or raw ``uint32[2]``) or a 1-D batch of keys, returned typed."""
    batch = isinstance(key, (jax.Array, np.ndarray)) and (
        (jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key) and key.ndim == 1)
        or (key.dtype == np.uint32 and key.ndim == 2 and key.shape[-1] == 2))
    return check_keys(key, "key") if batch else check_key(key, "key")


def _sample(key, shots: int, p: jax.Array) -> jax.Array:
    """Binomial counts / shots, for one typed key or a batch of typed keys (leading axis)."""
    draw = lambda k: jax.random.binomial(k, float(shots), p).astype(p.dtype) / shots  # noqa: E731
    return draw(key) if key.ndim == 0 else jax.vmap(draw)(key)


def _check_shots(shots) -> int:
    return check_int(shots, "shots", minimum=1, maximum=INT32_MAX)


def _check_estimate_memory(n_entries: int, itemsize: int, key, what: str) -> None:
    n_keys = 1 if key.ndim == 0 else int(key.shape[0])
    # the probabilities, the binomial draw's working arrays and the result, per key
    check_memory(4 * n_entries * itemsize * (n_keys + 1), what,
                 fix="estimate fewer entries, or fewer keys at once")


def _estimate(K, shots, key, unit_diagonal, outcome) -> jax.Array:
    unit_diagonal = check_bool(unit_diagonal, "unit_diagonal")
    shots = _check_shots(shots)
    key = _check_key_or_batch(key)
    K = _check_kernel(K)
    _check_estimate_memory(K.size, K.dtype.itemsize, key, f"estimates of a kernel of shape {K.shape}")
    if not unit_diagonal:
        return outcome(_sample(key, shots, outcome.prob(K)))
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"unit_diagonal=True needs a square Gram matrix, got shape {K.shape}")
    n = K.shape[0]
    i, j = np.triu_indices(n, k=1)
    est = outcome(_sample(key, shots, outcome.prob(K[i, j])))  # (..., n(n-1)/2)
    full = jnp.zeros((*est.shape[:-1], n, n), K.dtype).at[..., i, j].set(est)
    eye = jnp.eye(n, dtype=K.dtype).reshape((1,) * (full.ndim - 2) + (n, n))
    return full + jnp.swapaxes(full, -1, -2) + eye


class _Loschmidt:
    prob = staticmethod(lambda k: k)

    def __call__(self, frac):
        return frac


class _Swap:
    prob = staticmethod(lambda k: (1 + k) / 2)

    def __call__(self, frac):
        return 2 * frac - 1


def loschmidt_estimate(K, *, shots: int, key, unit_diagonal: bool = False) -> jax.Array:
    """Loschmidt-echo estimates ``Binomial(shots, k) / shots`` of every entry of ``K``.

    Args:
        K: kernel values in ``[0, 1]``, any shape.
        shots: measurements per entry.
        key: a PRNG key, or a batch of keys ``(S,)`` for ``S`` independent estimates.
        unit_diagonal: ``K`` is a square Gram matrix: sample ``i < j``, mirror, diagonal 1.

    Returns:
        ``K.shape`` (or ``(S, *K.shape)``); mean ``k``, variance ``k (1 - k) / shots``.
    """
    return _estimate(K, shots, key, unit_diagonal, _Loschmidt())


def swap_estimate(K, *, shots: int, key, unit_diagonal: bool = False) -> jax.Array:
    """SWAP-test estimates (mean of ``+-1`` outcomes, ``P(+1) = (1 + k)/2``) of every entry.

    Returns:
        as :func:`loschmidt_estimate`; mean ``k``, variance ``(1 - k^2) / shots``.
    """
    return _estimate(K, shots, key, unit_diagonal, _Swap())


def random_estimate(shape, *, shots: int, key, unit_diagonal: bool = False, dtype=None) -> jax.Array:
    """The data-independent baseline: SWAP estimates of ``k = 0`` (mean 0, variance ``1 / shots``)."""
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    shape = tuple(check_int(s, f"shape[{i}]", minimum=1) for i, s in enumerate(dims))
    shots = _check_shots(shots)
    key = _check_key_or_batch(key)
    dt = np.dtype(jnp.result_type(float)) if dtype is None else check_float_dtype(dtype, "dtype")
    _check_estimate_memory(math.prod(shape), dt.itemsize, key, f"random_estimate(shape={shape})")
    zeros = jnp.zeros(shape, dt)
    return swap_estimate(zeros, shots=shots, key=key, unit_diagonal=unit_diagonal)


def kernel_ridge_fit(K, y, *, lam: float = 0.0, rcond: float | None = None) -> jax.Array:
    """Dual coefficients ``a = (K + lam I)^{-1} y`` of kernel ridge regression.

    Args:
        K: ``(N, N)`` training Gram matrix (exact or estimated).
        y: ``(N,)`` or ``(N, T)`` targets.
        lam: ridge ``>= 0``; 0 is the paper's interpolating choice.
        rcond: singularity threshold on ``1 / cond(K + lam I)`` (default ``N * eps``); checked when
            ``K`` is concrete (not under ``jit``/``vmap``).

    Returns:
        ``a`` with ``y``'s shape; predict with :func:`kernel_ridge_predict`.

    Raises:
        ValueError: ``K + lam I`` is singular to working precision (the message says to use lam > 0).
    """
    lam = check_positive(lam, "lam", allow_zero=True)
    rcond = None if rcond is None else check_positive(rcond, "rcond")
    K = jnp.asarray(K)
    y = jnp.asarray(y, K.dtype)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square Gram matrix (N, N), got shape {K.shape}")
    if y.shape[0] != K.shape[0] or y.ndim > 2:
        raise ValueError(f"y must have shape ({K.shape[0]},) or ({K.shape[0]}, T), got {y.shape}")
    A = K + lam * jnp.eye(K.shape[0], dtype=K.dtype)
    if is_concrete(y) and not bool(jnp.all(jnp.isfinite(y))):
        bad = int(np.sum(~np.isfinite(np.asarray(y))))
        raise ValueError(f"y contains {bad} NaN or inf label(s): every target must be finite; drop those "
                         "points (and their rows and columns of K)")
    if is_concrete(A):
        if not bool(jnp.all(jnp.isfinite(A))):
            raise ValueError("K contains NaN or inf")
        s = np.linalg.svd(np.asarray(A), compute_uv=False)
        tol = K.shape[0] * np.finfo(np.asarray(A).dtype).eps if rcond is None else rcond
        if s[-1] <= tol * s[0]:
            cond = np.inf if s[-1] == 0 else s[0] / s[-1]
            raise ValueError(
                f"K + lam I is singular to working precision (condition number {cond:.3g}, lam = {lam}): "
                "pass lam > 0 (ridge regularisation) or remove duplicate points"
            )
    return jnp.linalg.solve(A, y)


def kernel_ridge_predict(K_test, alpha) -> jax.Array:
    """Predictions ``K_test @ a`` for ``K_test[i, j] = k(x_test_i, x_train_j)``, shape ``(M, N)``."""
    K_test = jnp.asarray(K_test)
    alpha = jnp.asarray(alpha, K_test.dtype)
    if K_test.ndim != 2 or K_test.shape[1] != alpha.shape[0]:
        raise ValueError(f"K_test must be (M, {alpha.shape[0]}) to match alpha, got {K_test.shape}")
    return jnp.matmul(K_test, alpha, precision=jax.lax.Precision.HIGHEST)

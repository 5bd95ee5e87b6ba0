"""Shot estimators against the binomial formulas; kernel ridge regression against NumPy."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core.testing import assert_allclose
from embtheory.qkernels import (
    kernel_ridge_fit,
    kernel_ridge_predict,
    loschmidt_estimate,
    random_estimate,
    swap_estimate,
)

K = jnp.array([0.0, 0.01, 0.3, 0.5, 0.97, 1.0])


@pytest.mark.numerics
def test_loschmidt_mean_and_variance_are_binomial():
    shots, S = 200, 20_000
    est = loschmidt_estimate(K, shots=shots, key=jax.random.split(jax.random.key(0), S))
    assert est.shape == (S, 6)
    var = K * (1 - K) / shots
    # S = 20,000 seeds: the mean's standard error is sqrt(var / S), well under the tolerance below
    assert_allclose(jnp.mean(est, 0), K, rtol=0, atol=5 * float(jnp.sqrt(var.max() / S)) + 1e-12)
    assert_allclose(jnp.var(est, 0), var, rtol=0.05, atol=1e-12)
    assert_allclose(est * shots, jnp.round(est * shots), atol=1e-3)  # counts are integers


@pytest.mark.numerics
def test_swap_mean_and_variance_are_binomial():
    shots, S = 100, 20_000
    est = swap_estimate(K, shots=shots, key=jax.random.split(jax.random.key(1), S))
    var = (1 - K**2) / shots
    assert_allclose(jnp.mean(est, 0), K, rtol=0, atol=5 * float(jnp.sqrt(var.max() / S)))
    assert_allclose(jnp.var(est, 0), var, rtol=0.05, atol=1e-12)
    assert float(jnp.min(est)) >= -1 and float(jnp.max(est)) <= 1


@pytest.mark.numerics
def test_random_baseline_is_data_independent_coin_flips():
    est = random_estimate((4, 4), shots=50, key=jax.random.split(jax.random.key(2), 5000),
                          unit_diagonal=True)
    off = np.asarray(est)[:, ~np.eye(4, dtype=bool)]
    assert abs(off.mean()) < 5 * np.sqrt(1 / 50 / off.size)
    assert_allclose(off.var(), 1 / 50, rtol=0.05)


@pytest.mark.numerics
def test_unit_diagonal_estimate_is_symmetric_with_exact_diagonal():
    Kmat = jnp.full((5, 5), 0.2) + 0.8 * jnp.eye(5)
    est = loschmidt_estimate(Kmat, shots=30, key=jax.random.key(3), unit_diagonal=True)
    assert_allclose(est, est.T, atol=0)
    assert_allclose(jnp.diag(est), np.ones(5), atol=0)
    # same key, same numbers; another key, other numbers
    again = loschmidt_estimate(Kmat, shots=30, key=jax.random.key(3), unit_diagonal=True)
    other = loschmidt_estimate(Kmat, shots=30, key=jax.random.key(4), unit_diagonal=True)
    assert_allclose(again, est, atol=0)
    assert float(jnp.max(jnp.abs(other - est))) > 0


@pytest.mark.numerics
def test_tiny_kernel_values_give_the_identity():
    # the concentrated regime: k ~ 1e-12, 1000 shots -> every off-diagonal count is 0
    Kmat = jnp.full((6, 6), 1e-12) + (1 - 1e-12) * jnp.eye(6)
    est = loschmidt_estimate(Kmat, shots=1000, key=jax.random.key(5), unit_diagonal=True)
    assert_allclose(est, np.eye(6), atol=0)


@pytest.mark.numerics
def test_estimator_errors():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        swap_estimate(jnp.array([1.5]), shots=10, key=jax.random.key(0))
    with pytest.raises(ValueError, match="shots"):
        swap_estimate(K, shots=0, key=jax.random.key(0))
    with pytest.raises(ValueError, match="square"):
        swap_estimate(K, shots=5, key=jax.random.key(0), unit_diagonal=True)


@pytest.mark.numerics
def test_kernel_ridge_matches_numpy_and_interpolates():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(6, 6))
    Kmat = A @ A.T + 0.5 * np.eye(6)
    y = rng.normal(size=6)
    for lam in (0.0, 0.3):
        a = kernel_ridge_fit(Kmat, y, lam=lam)
        assert_allclose(a, np.linalg.solve(Kmat + lam * np.eye(6), y), rtol=1e-4, atol=1e-5)
    a0 = kernel_ridge_fit(Kmat, y)
    assert_allclose(kernel_ridge_predict(Kmat, a0), y, rtol=1e-3, atol=1e-4)  # lam = 0 interpolates


@pytest.mark.numerics
def test_kernel_ridge_singular_gram_raises_with_the_fix():
    x = np.ones((4, 4))  # rank 1
    with pytest.raises(ValueError, match=r"singular.*lam > 0"):
        kernel_ridge_fit(x, np.arange(4.0))
    assert jnp.all(jnp.isfinite(kernel_ridge_fit(x, np.arange(4.0), lam=0.1)))
    with pytest.raises(ValueError, match="y must have shape"):
        kernel_ridge_fit(np.eye(3), np.zeros(4))


def test_kernel_ridge_fit_nan_label_raises():
    with pytest.raises(ValueError, match=r"y contains 1 NaN"):
        kernel_ridge_fit(np.eye(3), np.array([1.0, np.nan, 0.0]))


def test_random_estimate_fractional_shape_raises():
    with pytest.raises(TypeError, match=r"shape\[0\]"):
        random_estimate((2.7, 2), shots=10, key=jax.random.key(0))

"""Concentration statistics against closed forms, naive loops and Monte Carlo."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory import qkernels as qk
from embtheory.core.testing import assert_allclose

pytestmark = pytest.mark.numerics


def test_pair_statistics_equals_a_naive_loop():
    K = np.random.default_rng(0).uniform(size=(7, 7))
    K = (K + K.T) / 2
    vals = [K[i, j] for i in range(7) for j in range(7) if i < j]
    s = qk.pair_statistics(K, mu=0.3)
    assert s.n_pairs == 21
    assert_allclose(s.mean, np.mean(vals), rtol=1e-6)
    assert_allclose(s.var, np.var(vals), rtol=1e-5)
    assert_allclose(s.abs_dev, np.mean(np.abs(np.array(vals) - 0.3)), rtol=1e-6)
    assert sorted(np.asarray(qk.pair_values(K)).tolist()) == pytest.approx(sorted(vals), rel=1e-6)
    with pytest.raises(ValueError, match="square"):
        qk.pair_statistics(np.zeros((2, 3)))


def test_reference_formulas():
    assert_allclose(qk.product_variance(np.array([1, 2])), [3 / 8 - 1 / 4, 9 / 64 - 1 / 16], rtol=1e-15)
    assert_allclose(qk.haar_beta(np.array([1, 3])), [1 / 3, 1 / (4 * 9)], rtol=1e-15)
    assert_allclose(qk.haar_mean(np.array([1, 4])), [1 / 2, 1 / 16], rtol=1e-15)


@pytest.mark.parametrize("fn", [qk.product_variance, qk.haar_beta, qk.haar_mean, qk.haar_variance])
def test_reference_formulas_take_qubit_counts_only(fn):
    # n is an integer >= 1 (scalar or integer array): 0, floats (even 3.0) and past-int64 are refused
    for bad, err in [(0, ValueError), (3.0, TypeError), (2**63, ValueError), (True, TypeError),
                     (np.array([1.0, 2.0]), TypeError), (np.array([2, 0]), ValueError)]:
        with pytest.raises(err, match="n"):
            fn(bad)
    assert np.isfinite(fn(2**62)) and 0.0 <= fn(2**62) < 1e-300


@pytest.mark.parametrize("n", [1, 3, 6])
def test_product_kernel_moments_match_the_closed_form(n):
    # E[k] = 2^-n, Var = (3/8)^n - (1/4)^n for independent uniform pairs.  Monte Carlo over 200,000
    # independent pairs: the standard error of the variance is below 2% of it for n <= 6, so rtol 0.08
    # is a 4-sigma check.
    kx, ky = jax.random.split(jax.random.key(n))
    a, b = qk.uniform_angles(200_000, n, key=kx), qk.uniform_angles(200_000, n, key=ky)
    k = jnp.prod(jnp.cos((a - b) / 2) ** 2, axis=1)
    assert_allclose(jnp.mean(k), 0.5**n, rtol=0.03)
    assert_allclose(jnp.var(k), qk.product_variance(n), rtol=0.08)
    # the Gram-matrix route: 780 pairs of N_s = 40 points, a loose check that the pair statistics agree
    K = qk.product_kernel(qk.uniform_angles(40, n, key=kx))
    assert abs(float(qk.pair_statistics(K).mean) - 0.5**n) < 6 * np.sqrt(qk.product_variance(n) / 780) + 1e-3


def test_haar_random_states_have_variance_beta_haar():
    # |<a|b>|^2 of Haar-random states is Beta(1, 2^n - 1): mean 1/2^n, second moment beta_Haar,
    # variance beta_Haar - 1/4^n.
    n, m = 3, 100_000
    key_re, key_im = jax.random.split(jax.random.key(5))
    z = jax.random.normal(key_re, (2, m, 2**n)) + 1j * jax.random.normal(key_im, (2, m, 2**n))
    z = z / jnp.linalg.norm(z, axis=-1, keepdims=True)
    k = jnp.abs(jnp.sum(jnp.conj(z[0]) * z[1], axis=-1)) ** 2
    assert_allclose(jnp.mean(k), qk.haar_mean(n), rtol=0.02)
    assert_allclose(jnp.mean(k**2), qk.haar_beta(n), rtol=0.05)
    assert_allclose(jnp.var(k), qk.haar_variance(n), rtol=0.05)
    assert_allclose(qk.haar_variance(n), qk.haar_beta(n) - qk.haar_mean(n) ** 2, rtol=1e-14)


def test_fit_decay_recovers_the_base_and_covers_it():
    rng = np.random.default_rng(1)
    n = np.arange(2, 13)
    v = 3.0 * (8 / 3) ** (-n) * np.exp(rng.normal(0, 0.05, n.size))
    fit = qk.fit_decay(n, v)
    assert fit.b_low < 8 / 3 < fit.b_high
    assert abs(fit.b - 8 / 3) < 0.05
    exact = qk.fit_decay(n, qk.product_variance(n))
    assert 2.0 < exact.b < 8 / 3 + 1e-9  # (3/8)^n - (1/4)^n decays at base 8/3 for large n
    with pytest.raises(ValueError, match="3 distinct"):
        qk.fit_decay([2, 3], [0.1, 0.01])
    with pytest.raises(ValueError, match="> 0"):
        qk.fit_decay([2, 3, 4], [0.1, 0.0, 0.01])

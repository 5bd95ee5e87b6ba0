"""The samplers of the null and the shift, and the simulated rejection rates: calibrated under the null,
powerful under a shift, and bad input refused."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from embtheory.core.testing import assert_allclose
from embtheory.depth import (
    depth_rank_test,
    gaussian_mixture_sampler,
    rejection_rates,
    spherical_mixture_sampler,
)


def test_rejection_rates_refuses_a_level_outside_0_1():
    sampler = gaussian_mixture_sampler(key=jax.random.key(0), m=4, n=4, d=2, shift=0.0)
    for alpha in (1.5, 0.0, 1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="alpha must be"):
            rejection_rates(sampler, key=jax.random.key(1), n_trials=3, alpha=alpha)
    with pytest.raises(TypeError, match="alpha must be a real number"):
        rejection_rates(sampler, key=jax.random.key(1), n_trials=3, alpha="0.05")


_draw = jax.jit(lambda sampler, key: sampler(key))  # samplers are pytrees: jit them as arguments


@pytest.mark.numerics
def test_samplers_null_and_shift():
    key = jax.random.key(0)
    g0 = gaussian_mixture_sampler(key=key, m=30, n=20, d=6, shift=0.0)
    F, G = _draw(g0, jax.random.key(1))
    assert F.shape == (30, 6) and G.shape == (20, 6)
    F2, _ = _draw(g0, jax.random.key(1))
    np.testing.assert_array_equal(np.asarray(F), np.asarray(F2))
    s = spherical_mixture_sampler(key=key, m=30, n=20, d=6, angle=0.3)
    F, G = _draw(s, jax.random.key(2))
    assert_allclose(np.linalg.norm(np.asarray(G), axis=1), np.ones(20), rtol=1e-5, atol=1e-5)
    # a big shift moves G's mean by about `shift` along one direction
    g5 = gaussian_mixture_sampler(key=key, m=2000, n=2000, d=6, shift=5.0)
    F, G = _draw(g5, jax.random.key(3))
    assert abs(float(np.linalg.norm(np.asarray(G).mean(0) - np.asarray(F).mean(0))) - 5.0) < 0.3


@pytest.mark.numerics
def test_rejection_rates_calibrated_under_null_and_powerful_under_shift():
    g0 = gaussian_mixture_sampler(key=jax.random.key(0), m=20, n=20, d=6, shift=0.0)
    null = rejection_rates(g0, key=jax.random.key(1), n_trials=240, n_permutations=49, chunk_size=120)
    # binomial(240, 0.05): s.d. 1.4%; 4 s.d. band
    assert 0.0 < null.permutation < 0.107 and null.asymptotic < 0.107
    assert null.pvalues.shape == (240,)
    again = rejection_rates(g0, key=jax.random.key(1), n_trials=240, n_permutations=49, chunk_size=80)
    np.testing.assert_array_equal(np.asarray(again.pvalues_permutation), np.asarray(null.pvalues_permutation))
    # each trial's p-value is the depth_rank_test p-value of that trial's data
    k_data, _ = jax.random.split(jax.random.split(jax.random.key(1), 240)[7])
    F, G = _draw(g0, k_data)
    assert_allclose(null.pvalues[7], depth_rank_test(F, G).pvalue, rtol=1e-4, atol=1e-6)
    s = spherical_mixture_sampler(key=jax.random.key(0), m=30, n=30, d=8, angle=1.0)
    power = rejection_rates(s, key=jax.random.key(2), n_trials=100)
    assert power.asymptotic > 0.8 and np.isnan(power.permutation)

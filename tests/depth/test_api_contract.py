"""The depth package under the API contract: keyword-only keys, and bad inputs refused by name
before any work, the same way by every function."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.depth import (
    depth_rank_test,
    gaussian_mixture_sampler,
    halfspace_depth,
    lens_depth,
    mahalanobis_depth,
    projection_depth,
    rejection_rates,
    select_examples,
    spatial_depth,
    tte_depth,
)


def test_bad_input_is_a_clear_error():
    F = np.random.default_rng(0).normal(size=(5, 8))
    with pytest.raises(ValueError, match="m=5 points in dimension d=8"):
        mahalanobis_depth(F)
    with pytest.raises(ValueError, match="shrinkage must be"):
        mahalanobis_depth(F, shrinkage=2.0)
    assert np.all(np.isfinite(np.asarray(mahalanobis_depth(F, shrinkage=0.1))))
    collinear = np.repeat(np.random.default_rng(0).normal(size=(20, 1)), 3, axis=1)
    with pytest.raises(ValueError, match="singular"):
        mahalanobis_depth(collinear)
    with pytest.raises(TypeError, match="key must be a PRNG key"):
        projection_depth(F)
    with pytest.raises(ValueError, match="directions must have 8 columns"):
        halfspace_depth(F, directions=np.ones((4, 3)))
    with pytest.raises(ValueError, match="n_directions must be >= 1"):
        halfspace_depth(F, key=jax.random.key(0), n_directions=0)
    with pytest.raises(ValueError, match="NaN or inf"):
        spatial_depth(np.array([[np.nan, 1.0], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="dimension 3 but F has 8"):
        lens_depth(F, np.ones((2, 3)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        lens_depth(F[:1])


B, M, N, D = 4, 9, 5, 3


@pytest.mark.parametrize("bad,exc,match", [
    (3, TypeError, "key must be a PRNG key"),
    ("k", TypeError, "key must be a PRNG key"),
    (1.5, TypeError, "key must be a PRNG key"),
    (np.zeros(3, np.uint32), TypeError, "key must be a PRNG key"),
])
def test_every_keyed_depth_function_refuses_a_bad_key(bad, exc, match):
    F = np.random.default_rng(0).normal(size=(6, 3))
    calls = [
        lambda: projection_depth(F, key=bad, n_directions=4),
        lambda: halfspace_depth(F, key=bad, n_directions=4),
        lambda: depth_rank_test(F[:3], F[3:], n_permutations=5, key=bad),
        lambda: select_examples(F, np.array([0, 0, 0, 1, 1, 1]), 1, method="random", key=bad),
        lambda: gaussian_mixture_sampler(key=bad, m=3, n=3, d=2, shift=0.0),
        lambda: rejection_rates(lambda k: (jnp.ones((3, 2)), jnp.ones((3, 2))), key=bad, n_trials=2),
    ]
    for call in calls:
        with pytest.raises(exc, match=match):
            call()


def test_permutation_and_trial_counts_beyond_the_memory_budget_are_refused_with_a_size():
    F, G = np.eye(3) + 0.5, np.ones((2, 3))
    with pytest.raises(MemoryError, match=r"rank_test\(n_permutations=1000000000000\).*GiB.*lower n_perm"):
        depth_rank_test(F, G, n_permutations=10**12, key=jax.random.key(0))
    with pytest.raises(MemoryError, match=r"needs 11\.91 KiB, over the memory budget of 1000 B"):
        depth_rank_test(F, G, n_permutations=1000, key=jax.random.key(0), memory_budget=1000)
    sampler = gaussian_mixture_sampler(key=jax.random.key(0), m=4, n=4, d=2, shift=0.0)
    with pytest.raises(MemoryError, match=r"rejection_rates\(n_trials=1000000000000.*lower n_trials"):
        rejection_rates(sampler, key=jax.random.key(1), n_trials=10**12)
    with pytest.raises(MemoryError, match="lens_depth"):
        lens_depth(np.random.default_rng(0).normal(size=(100, 2)), memory_budget=1000)
    with pytest.raises(MemoryError, match="random directions"):
        projection_depth(F, key=jax.random.key(0), n_directions=10**12)
    with pytest.raises(ValueError, match="memory_budget"):
        spatial_depth(F, memory_budget=-1)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: tte_depth(np.ones((3, 2), complex)), TypeError, "F must hold real numbers"),
    (lambda: tte_depth(np.ones((3, 2), bool)), TypeError, "F must hold real numbers"),
    (lambda: spatial_depth(np.ones((3, 2)), np.ones((2, 3))), ValueError, "dimension 3 but F has 2"),
    (lambda: lens_depth(np.ones((3, 2)), np.ones((2, 4))), ValueError, "dimension 4 but F has 2"),
    (lambda: mahalanobis_depth(np.eye(4, 3), shrinkage=1.5), ValueError, r"shrinkage must be in \[0, 1\]"),
    (lambda: projection_depth(np.eye(3), key=jax.random.key(0), n_directions=2**70), ValueError,
     "n_directions must be <="),
    (lambda: projection_depth(np.eye(3), key=jax.random.key(0), n_directions=True), TypeError,
     "n_directions must be an integer"),
    (lambda: depth_rank_test(np.eye(3), np.eye(3), n_permutations=2**64), ValueError,
     "n_permutations must be <="),
    (lambda: rejection_rates(lambda k: (jnp.ones((3, 2)), jnp.ones((3, 4))), key=jax.random.key(0),
                             n_trials=2), ValueError, "one dimension"),
    (lambda: rejection_rates(lambda k: (jnp.ones((3, 2), jnp.int32), jnp.ones((3, 2))), key=jax.random.key(0),
                             n_trials=2), TypeError, "floating 2-D arrays"),
    (lambda: rejection_rates(3, key=jax.random.key(0), n_trials=2), TypeError, "sampler must be a function"),
    (lambda: gaussian_mixture_sampler(key=jax.random.key(0), m=3, n=3, d=2, shift=float("inf")), ValueError,
     "shift must be"),
    (lambda: gaussian_mixture_sampler(key=jax.random.key(0), m=3, n=3, d=2.0, shift=0.0), TypeError,
     "d must be an integer"),
    (lambda: gaussian_mixture_sampler(key=jax.random.key(0), m=2**40, n=3, d=2, shift=0.0), MemoryError,
     "lower m, n or d"),
])
def test_bad_arguments_are_refused_before_jax(call, exc, match):
    with pytest.raises(exc, match=match):
        call()

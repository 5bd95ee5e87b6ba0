"""The depth package under the API contract: pure kernels that jit and vmap, keyword-only keys,
one signature per function, and bad inputs refused by name."""

from __future__ import annotations

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from depth_naive import chord_dist, cosine_dist, spatial, tte

from embtheory.core.testing import assert_allclose
from embtheory.depth import (
    depth_rank_test,
    gaussian_mixture_sampler,
    halfspace_depth,
    kernels,
    lens_depth,
    mahalanobis_depth,
    projection_depth,
    q_liu_singh,
    q_pooled,
    random_directions,
    rank_sum_z,
    rejection_rates,
    select_examples,
    spatial_depth,
    tte_depth,
)

B, M, N, D = 4, 9, 5, 3


def _batch(seed=0):
    rng = np.random.default_rng(seed)
    Fs = rng.normal(size=(B, M, D)) + 1.0
    Gs = rng.normal(size=(B, N, D)) + 1.0
    return Fs, Gs


# -- pure kernels: vmapped over many reference sets at once, against a loop of naive depths --

@pytest.mark.numerics
@pytest.mark.parametrize("name,naive", [("cosine_depths", cosine_dist), ("chord_depths", chord_dist)])
def test_tte_kernels_vmap_over_reference_sets(jit_variant, name, naive):
    Fs, Gs = _batch()
    kernel = getattr(kernels, name)
    got_q = jit_variant(jax.vmap(kernel))(jnp.asarray(Fs), jnp.asarray(Gs))
    got_own = jit_variant(jax.vmap(lambda F: kernel(F)))(jnp.asarray(Fs))
    chex.assert_shape(got_q, (B, N))
    chex.assert_shape(got_own, (B, M))
    want_q = np.stack([tte(F, G, dist=naive) for F, G in zip(Fs, Gs)])
    want_own = np.stack([tte(F, None, dist=naive) for F in Fs])
    assert_allclose(got_q, want_q, rtol=0, atol=2e-5 if got_q.dtype == jnp.float32 else 1e-12)
    assert_allclose(got_own, want_own, rtol=0, atol=2e-5 if got_q.dtype == jnp.float32 else 1e-12)


@pytest.mark.numerics
def test_spatial_and_direction_kernels_vmap_and_match_the_public_functions():
    Fs, Gs = _batch(1)
    F_, G_ = jnp.asarray(Fs), jnp.asarray(Gs)
    got = jax.jit(jax.vmap(lambda F, G: kernels.spatial_depths(F, G, chunk_size=2)))(F_, G_)
    want = np.stack([spatial(F, G) for F, G in zip(Fs, Gs)])
    assert_allclose(got, want, rtol=0, atol=1e-5 if got.dtype == jnp.float32 else 1e-12)
    U = random_directions(16, D, key=jax.random.key(0), dtype=F_.dtype)
    pairs = ((kernels.projection_depths, projection_depth), (kernels.halfspace_depths, halfspace_depth))
    for kernel, public in pairs:
        got = jax.vmap(lambda F, G, kernel=kernel: kernel(F, G, U, chunk_size=5))(F_, G_)
        want = np.stack([np.asarray(public(F, G, directions=U)) for F, G in zip(Fs, Gs)])
        assert_allclose(got, want, rtol=0, atol=1e-6 if got.dtype == jnp.float32 else 1e-12)


@pytest.mark.numerics
def test_rank_sum_kernel_vmaps_and_matches_scipy():
    import scipy.stats as st

    rng = np.random.default_rng(2)
    dF, dG = rng.normal(size=(B, 11)), rng.normal(size=(B, 7)) + 0.3
    got = jax.vmap(kernels.rank_sum_z_kernel)(jnp.asarray(dF), jnp.asarray(dG))
    want = [st.ranksums(a, b).statistic for a, b in zip(dF, dG)]
    assert_allclose(got, want, rtol=1e-5 if got.dtype == jnp.float32 else 1e-10, atol=1e-6)


# -- keys: keyword-only, typed or raw, checked; draws independent of the floating dtype ----

def test_random_directions_takes_a_keyword_key_only():
    new = random_directions(5, 3, key=jax.random.key(7))
    with pytest.raises(TypeError, match="positional"):
        random_directions(jax.random.key(7), 5, 3)
    with pytest.raises(TypeError, match="n_directions must be an integer, got a typed PRNG key"):
        random_directions(jax.random.key(7), 5, key=jax.random.key(7))
    raw = random_directions(5, 3, key=jax.random.PRNGKey(7))
    chex.assert_shape(raw, (5, 3))
    np.testing.assert_allclose(np.linalg.norm(np.asarray(new), axis=1), 1.0, rtol=1e-6)
    with pytest.raises(TypeError, match="key must be a PRNG key"):
        random_directions(5, 3, key=7)
    with pytest.raises(ValueError, match="key must be a single key"):
        random_directions(5, 3, key=jax.random.split(jax.random.key(0), 2))
    with pytest.raises(TypeError, match="d must be an integer"):
        random_directions(5, 3.0, key=jax.random.key(0))
    with pytest.raises(ValueError, match="n_directions must be >= 1"):
        random_directions(0, 3, key=jax.random.key(0))
    with pytest.raises(TypeError, match="dtype must be a real floating dtype"):
        random_directions(5, 3, key=jax.random.key(0), dtype=jnp.int32)
    if not jax.config.jax_enable_x64:
        with pytest.raises(ValueError, match="JAX_ENABLE_X64"):
            random_directions(5, 3, key=jax.random.key(0), dtype=jnp.float64)


@pytest.mark.x64
def test_random_directions_are_the_same_in_float32_and_float64():
    a = random_directions(6, 4, key=jax.random.key(3), dtype=jnp.float32)
    b = random_directions(6, 4, key=jax.random.key(3), dtype=jnp.float64)
    assert b.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=0, atol=1e-6)


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


# -- bad inputs refused by name ------------------------------------------------------------------

def test_tte_depth_refuses_a_user_distance_outside_0_2():
    F, G = np.eye(3) + 0.5, np.ones((2, 3))

    def l1(x, h):  # unbounded: would give negative depths
        return 3.0 * jnp.sum(jnp.abs(x - h))

    def negative(x, h):
        return -jnp.sum(jnp.abs(x - h))

    for dist in (l1, negative):
        with pytest.raises(ValueError, match=r"outside \[0, 2\]"):
            tte_depth(F, G, distance=dist)
        with pytest.raises(ValueError, match=r"outside \[0, 2\]"):
            tte_depth(F, distance=dist)
    with pytest.raises(ValueError, match=r"outside \[0, 2\]"):
        depth_rank_test(F, G, distance=l1)
    with pytest.raises(ValueError, match=r"outside \[0, 2\]"):
        depth_rank_test(F, G, distance=l1, n_permutations=5, key=jax.random.key(0))

    def nan_dist(x, h):
        return jnp.sum(x - h) * jnp.nan

    with pytest.raises(ValueError, match="no NaN"):
        tte_depth(F, G, distance=nan_dist)
    # a bounded distance with rounding slightly below 0 is fine (1 - cos of a point with itself)
    ok = tte_depth(F, distance=lambda x, h: 1.0 - jnp.dot(x, h) / (jnp.linalg.norm(x) * jnp.linalg.norm(h)))
    assert np.all((np.asarray(ok) >= 0) & (np.asarray(ok) <= 2))


def test_rank_sum_z_with_an_empty_side_is_an_error():
    empty, two = np.array([]), np.array([1.0, 2.0])
    for dF, dG, name in ((empty, two, "dF"), (two, empty, "dG")):
        with pytest.raises(ValueError, match=f"{name} is empty"):
            rank_sum_z(dF, dG)
        with pytest.raises(ValueError, match=f"{name} is empty"):
            q_liu_singh(dF, dG)
        with pytest.raises(ValueError, match=f"{name} is empty"):
            q_pooled(dF, dG)
    with pytest.raises(ValueError, match="dF contains NaN"):
        rank_sum_z(np.array([1.0, np.nan]), np.array([1.0]))
    with pytest.raises(ValueError, match="dG must be 1-D"):
        rank_sum_z(np.array([1.0, 2.0]), np.ones((2, 2)))
    with pytest.raises(TypeError, match="dF must hold real numbers"):
        rank_sum_z(np.array(["a", "b"]), np.array([1.0]))


def test_rejection_rates_refuses_a_level_outside_0_1():
    sampler = gaussian_mixture_sampler(key=jax.random.key(0), m=4, n=4, d=2, shift=0.0)
    for alpha in (1.5, 0.0, 1.0, -0.1, float("nan")):
        with pytest.raises(ValueError, match="alpha must be"):
            rejection_rates(sampler, key=jax.random.key(1), n_trials=3, alpha=alpha)
    with pytest.raises(TypeError, match="alpha must be a real number"):
        rejection_rates(sampler, key=jax.random.key(1), n_trials=3, alpha="0.05")


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

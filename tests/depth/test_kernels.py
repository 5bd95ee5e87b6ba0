"""The pure depth kernels jit and vmap over reference sets and agree with the public functions."""

from __future__ import annotations

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from depth_naive import chord_dist, cosine_dist, spatial, tte

from embtheory.core.testing import assert_allclose
from embtheory.depth import halfspace_depth, kernels, projection_depth, random_directions

B, M, N, D = 4, 9, 5, 3


def _batch(seed=0):
    rng = np.random.default_rng(seed)
    Fs = rng.normal(size=(B, M, D)) + 1.0
    Gs = rng.normal(size=(B, N, D)) + 1.0
    return Fs, Gs


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



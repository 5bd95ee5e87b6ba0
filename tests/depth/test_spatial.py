"""Spatial and lens depth against literal loops, their invariances, and the maximum at the centre."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from depth_data import skewed_pair, tol
from depth_naive import lens, spatial, spatial_affine

from embtheory.core.testing import assert_allclose
from embtheory.depth import lens_depth, spatial_depth


def _orthogonal(seed, d):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
    return q


@pytest.mark.numerics
def test_spatial_matches_loop_and_chunking():
    F, G = skewed_pair(0, 37, 21, 4)
    got = spatial_depth(F, G)
    assert_allclose(got, spatial(F, G), **tol(got))
    own = spatial_depth(F)
    assert_allclose(own, spatial(F, F), **tol(own))
    assert_allclose(spatial_depth(F, G, chunk_size=5), got, **tol(got))
    assert_allclose(spatial_depth(F, chunk_size=8), own, **tol(own))
    # a query that duplicates a data point: u(0) = 0
    dup = spatial_depth(F, F[:3])
    assert_allclose(dup, own[:3], **tol(dup))


@pytest.mark.numerics
def test_spatial_rotation_translation_scale_invariance_and_centre():
    F, G = skewed_pair(1, 50, 30, 5)
    Q, b = _orthogonal(1, 5), np.arange(5.0)
    base = spatial_depth(F, G)
    moved = spatial_depth(3.0 * F @ Q.T + b, 3.0 * G @ Q.T + b)
    assert_allclose(moved, base, **tol(base, 2e-4))
    sym = np.concatenate([F - F.mean(0), F.mean(0) - F])  # centrally symmetric about 0
    d = spatial_depth(sym, np.concatenate([np.zeros((1, 5)), sym]))
    assert float(d[0]) == pytest.approx(1.0, abs=1e-5) and np.all(np.asarray(d[1:]) < float(d[0]))


@pytest.mark.numerics
def test_lens_matches_loop_and_is_invariant_under_similarities():
    F, G = skewed_pair(6, 25, 12, 3)

    def pairs(d):  # depths are counts over the 300 pairs: compare the counts exactly
        return np.rint(np.asarray(d, np.float64) * 300).astype(int)

    got = pairs(lens_depth(F, G))
    np.testing.assert_array_equal(got, pairs(lens(F, G)))
    np.testing.assert_array_equal(pairs(lens_depth(F)), pairs(lens(F, F)))
    np.testing.assert_array_equal(pairs(lens_depth(F, G, chunk_size=5)), got)
    # the traceable kernel (one compiled call) and the wrapper (host blocks) count alike
    from embtheory.depth.kernels import lens_depths

    np.testing.assert_array_equal(pairs(jax.jit(lens_depths)(F, G)), got)
    np.testing.assert_array_equal(pairs(jax.jit(lens_depths)(F)), pairs(lens_depth(F)))
    Q = _orthogonal(6, 3)
    np.testing.assert_array_equal(pairs(lens_depth(2.0 * F @ Q.T + 1.0, 2.0 * G @ Q.T + 1.0)), got)
    rng = np.random.default_rng(6)
    P = rng.normal(size=(300, 2))
    far = P[np.linalg.norm(P, axis=1) > 1.5]
    d = np.asarray(lens_depth(P, np.concatenate([np.zeros((1, 2)), far])))
    assert np.all(d[1:] < d[0])


@pytest.mark.numerics
def test_affine_invariant_spatial_depth_matches_the_whitened_loop_and_is_affine_invariant():
    rng = np.random.default_rng(7)
    A = rng.normal(size=(3, 3)) + 2 * np.eye(3)
    F = rng.normal(size=(40, 3)) @ A + 1.0
    G = rng.normal(size=(15, 3)) @ A * 1.3
    got = spatial_depth(F, G, affine_invariant=True)
    assert_allclose(got, spatial_affine(F, G), **tol(got))
    own = spatial_depth(F, affine_invariant=True)
    assert_allclose(own, spatial_affine(F, F), **tol(own))
    assert_allclose(spatial_depth(F, G, affine_invariant=True, chunk_size=4), got, **tol(got))
    B, b = rng.normal(size=(3, 3)) + 3 * np.eye(3), np.array([1.0, -2.0, 0.5])
    moved = spatial_depth(F @ B.T + b, G @ B.T + b, affine_invariant=True)
    assert_allclose(moved, got, **tol(got, 2e-4))
    # the plain depth is not affine invariant: the two definitions differ on skewed data
    assert np.max(np.abs(np.asarray(spatial(F, G)) - np.asarray(got))) > 1e-3


def test_affine_invariant_spatial_depth_refuses_a_singular_covariance():
    F = np.random.default_rng(0).normal(size=(4, 5))
    with pytest.raises(ValueError, match="more points than dimensions, got m=4 in d=5"):
        spatial_depth(F, affine_invariant=True)
    flat = np.random.default_rng(0).normal(size=(20, 3))
    flat[:, 2] = flat[:, 0] + flat[:, 1]
    with pytest.raises(ValueError, match="singular"):
        spatial_depth(flat, affine_invariant=True)
    with pytest.raises(TypeError, match="affine_invariant must be True or False"):
        spatial_depth(flat, affine_invariant=1)

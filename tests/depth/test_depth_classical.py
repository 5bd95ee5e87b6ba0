"""Spatial, Mahalanobis, projection, halfspace and lens depth against literal loops, and the
invariances and maximality at the centre that each depth has."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from depth_naive import halfspace, halfspace_exact_2d, lens, mahalanobis, projection, spatial

from embtheory.core.testing import assert_allclose
from embtheory.depth import (
    halfspace_depth,
    lens_depth,
    mahalanobis_depth,
    projection_depth,
    random_directions,
    spatial_depth,
)


def _tol(x, loose=5e-5):
    return dict(rtol=loose, atol=loose) if np.asarray(x).dtype == np.float32 else dict(rtol=1e-9, atol=1e-10)


def _data(seed, m, n, d):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    return rng.normal(size=(m, d)) @ A + 1.0, rng.normal(size=(n, d)) @ A * 1.5 + 1.0


def _affine(seed, d):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, d)) + 2 * np.eye(d), rng.normal(size=d)


def _orthogonal(seed, d):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
    return q


@pytest.mark.numerics
def test_spatial_matches_loop_and_chunking():
    F, G = _data(0, 37, 21, 4)
    got = spatial_depth(F, G)
    assert_allclose(got, spatial(F, G), **_tol(got))
    own = spatial_depth(F)
    assert_allclose(own, spatial(F, F), **_tol(own))
    assert_allclose(spatial_depth(F, G, chunk_size=5), got, **_tol(got))
    assert_allclose(spatial_depth(F, chunk_size=8), own, **_tol(own))
    # a query that duplicates a data point: u(0) = 0
    dup = spatial_depth(F, F[:3])
    assert_allclose(dup, own[:3], **_tol(dup))


@pytest.mark.numerics
def test_spatial_rotation_translation_scale_invariance_and_centre():
    F, G = _data(1, 50, 30, 5)
    Q, b = _orthogonal(1, 5), np.arange(5.0)
    base = spatial_depth(F, G)
    moved = spatial_depth(3.0 * F @ Q.T + b, 3.0 * G @ Q.T + b)
    assert_allclose(moved, base, **_tol(base, 2e-4))
    sym = np.concatenate([F - F.mean(0), F.mean(0) - F])  # centrally symmetric about 0
    d = spatial_depth(sym, np.concatenate([np.zeros((1, 5)), sym]))
    assert float(d[0]) == pytest.approx(1.0, abs=1e-5) and np.all(np.asarray(d[1:]) < float(d[0]))


@pytest.mark.numerics
def test_mahalanobis_matches_loop_affine_invariance_and_centre():
    F, G = _data(2, 60, 25, 4)
    got = mahalanobis_depth(F, G)
    assert_allclose(got, mahalanobis(F, G), **_tol(got))
    assert_allclose(mahalanobis_depth(F), mahalanobis(F, F), **_tol(got))
    assert_allclose(mahalanobis_depth(F, G, chunk_size=4), got, **_tol(got))
    A, b = _affine(2, 4)
    moved = mahalanobis_depth(F @ A.T + b, G @ A.T + b)
    assert_allclose(moved, got, **_tol(got, 2e-3))
    centre = mahalanobis_depth(F, F.mean(0, keepdims=True))
    assert float(centre[0]) == pytest.approx(1.0, abs=1e-5)
    # shrinkage: the literal formula with the shrunk covariance
    S = np.cov(F, rowvar=False)
    S = 0.7 * S + 0.3 * np.trace(S) / 4 * np.eye(4)
    diff = G - F.mean(0)
    want = 1 / (1 + np.einsum("ij,jk,ik->i", diff, np.linalg.inv(S), diff))
    assert_allclose(mahalanobis_depth(F, G, shrinkage=0.3), want, **_tol(got))


@pytest.mark.numerics
@pytest.mark.parametrize("which,naive", [("projection", projection), ("halfspace", halfspace)])
def test_random_direction_depths_match_loops_for_given_directions(which, naive):
    fn = {"projection": projection_depth, "halfspace": halfspace_depth}[which]
    F, G = _data(3, 41, 19, 3)
    U = np.asarray(random_directions(64, 3, key=jax.random.key(0)))
    got = fn(F, G, directions=U)
    assert_allclose(got, naive(F, G, U), **_tol(got))
    own = fn(F, directions=U)
    assert_allclose(own, naive(F, F, U), **_tol(own))
    assert_allclose(fn(F, G, directions=U, chunk_size=7), got, **_tol(got))
    # the key draws the same directions as random_directions
    assert_allclose(fn(F, G, key=jax.random.key(0), n_directions=64), got, **_tol(got))


@pytest.mark.numerics
@pytest.mark.parametrize("which", ["projection", "halfspace"])
def test_random_direction_depths_affine_invariance_of_the_construction(which):
    fn = {"projection": projection_depth, "halfspace": halfspace_depth}[which]
    F, G = _data(4, 40, 15, 3)
    A, b = _affine(4, 3)
    U = np.asarray(random_directions(50, 3, key=jax.random.key(1)))
    # u . (A x + b) = (A^T u) . x + u . b: the same depths with directions U A
    moved = fn(F @ A.T + b, G @ A.T + b, directions=U)
    base = fn(F, G, directions=U @ A)
    assert_allclose(moved, base, **_tol(base, 1e-3))


@pytest.mark.numerics
def test_halfspace_bounds_exact_tukey_depth_in_the_plane_and_centre():
    rng = np.random.default_rng(5)
    F = rng.normal(size=(30, 2))
    X = np.concatenate([rng.normal(size=(10, 2)), np.array([[0.0, 0.0], [5.0, 5.0]])])
    exact = halfspace_exact_2d(F, X)
    approx = np.asarray(halfspace_depth(F, X, key=jax.random.key(0), n_directions=4000))
    exact, approx = np.rint(exact * 30).astype(int), np.rint(approx * 30).astype(int)  # counts
    assert np.all(approx >= exact)  # a subset of directions can only over-estimate
    assert np.mean(approx == exact) >= 0.9 and np.max(approx - exact) <= 1
    assert exact[-1] == 0 and approx[-1] == 0
    sym = np.concatenate([F, -F])
    d = np.asarray(halfspace_depth(sym, np.concatenate([np.zeros((1, 2)), sym]), key=jax.random.key(1)))
    assert d[0] >= 0.5 and np.all(d[1:] <= d[0])
    pd = np.asarray(projection_depth(sym, np.concatenate([np.zeros((1, 2)), sym]), key=jax.random.key(1)))
    assert pd[0] == pytest.approx(1.0) and np.all(pd[1:] < pd[0])


@pytest.mark.numerics
def test_lens_matches_loop_and_is_invariant_under_similarities():
    F, G = _data(6, 25, 12, 3)

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

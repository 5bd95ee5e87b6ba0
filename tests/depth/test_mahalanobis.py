"""Mahalanobis depth against a literal loop, its affine invariance and its maximum at the centre."""

from __future__ import annotations

import numpy as np
import pytest
from depth_naive import mahalanobis

from embtheory.core.testing import assert_allclose
from embtheory.depth import mahalanobis_depth


def _tol(x, loose=5e-5):
    return dict(rtol=loose, atol=loose) if np.asarray(x).dtype == np.float32 else dict(rtol=1e-9, atol=1e-10)


def _data(seed, m, n, d):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    return rng.normal(size=(m, d)) @ A + 1.0, rng.normal(size=(n, d)) @ A * 1.5 + 1.0


def _affine(seed, d):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, d)) + 2 * np.eye(d), rng.normal(size=d)


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

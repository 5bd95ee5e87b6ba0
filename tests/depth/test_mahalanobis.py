"""Mahalanobis depth against a literal loop, its affine invariance and its maximum at the centre."""

from __future__ import annotations

import numpy as np
import pytest
from depth_data import affine, skewed_pair, tol
from depth_naive import mahalanobis

from embtheory.core.testing import assert_allclose
from embtheory.depth import mahalanobis_depth


@pytest.mark.numerics
def test_mahalanobis_matches_loop_affine_invariance_and_centre():
    F, G = skewed_pair(2, 60, 25, 4)
    got = mahalanobis_depth(F, G)
    assert_allclose(got, mahalanobis(F, G), **tol(got))
    assert_allclose(mahalanobis_depth(F), mahalanobis(F, F), **tol(got))
    assert_allclose(mahalanobis_depth(F, G, chunk_size=4), got, **tol(got))
    A, b = affine(2, 4)
    moved = mahalanobis_depth(F @ A.T + b, G @ A.T + b)
    assert_allclose(moved, got, **tol(got, 2e-3))
    centre = mahalanobis_depth(F, F.mean(0, keepdims=True))
    assert float(centre[0]) == pytest.approx(1.0, abs=1e-5)
    # shrinkage: the literal formula with the shrunk covariance
    S = np.cov(F, rowvar=False)
    S = 0.7 * S + 0.3 * np.trace(S) / 4 * np.eye(4)
    diff = G - F.mean(0)
    want = 1 / (1 + np.einsum("ij,jk,ik->i", diff, np.linalg.inv(S), diff))
    assert_allclose(mahalanobis_depth(F, G, shrinkage=0.3), want, **tol(got))

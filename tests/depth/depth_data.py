"""Test data and tolerances shared by the classical-depth tests."""

from __future__ import annotations

import numpy as np


def tol(x, loose=5e-5):
    """Tolerances for a result of ``x``'s dtype (float32 loose, float64 tight)."""
    return dict(rtol=loose, atol=loose) if np.asarray(x).dtype == np.float32 else dict(rtol=1e-9, atol=1e-10)


def skewed_pair(seed, m, n, d):
    """Two samples of a shared skewed Gaussian (G scaled 1.5x), both shifted off the origin."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    return rng.normal(size=(m, d)) @ A + 1.0, rng.normal(size=(n, d)) @ A * 1.5 + 1.0


def affine(seed, d):
    """A well-conditioned affine map ``(A, b)``."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, d)) + 2 * np.eye(d), rng.normal(size=d)

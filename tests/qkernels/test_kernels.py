"""Kernel properties and naive formulas (circuit oracles: test_qk_oracles.py and test_qk_dense.py)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core.testing import assert_allclose
from embtheory.qkernels import fidelity_gram, product_kernel, projected_gram

pytestmark = pytest.mark.numerics


def _data(seed, N, n, dtype=np.float64):
    return np.random.default_rng(seed).uniform(0, 2 * np.pi, (N, n)).astype(dtype)


@pytest.mark.x64
def test_product_kernel_is_the_single_layer_fidelity():
    X, Y = _data(4, 5, 4), _data(5, 3, 4)
    naive = np.array([[np.prod(np.cos((a - b) / 2) ** 2) for b in Y] for a in X])
    assert_allclose(product_kernel(X, Y), naive, atol=1e-14)
    for emb in ("rx", "ry", "hrz"):
        assert_allclose(fidelity_gram(X, Y, embedding=emb), naive, rtol=0, atol=1e-12)
    assert_allclose(product_kernel(X, Y, chunk_size=2), naive, atol=1e-14)


@pytest.mark.parametrize("kernel", [fidelity_gram, projected_gram])
def test_gram_is_symmetric_psd_with_unit_diagonal(kernel):
    X = _data(6, 12, 5, np.float32)
    K = np.asarray(kernel(X, embedding="hee", layers=3), np.float64)
    assert_allclose(K, K.T, rtol=0, atol=1e-6)
    assert_allclose(np.diag(K), np.ones(12), rtol=0, atol=1e-5)
    assert np.linalg.eigvalsh(K).min() > -1e-5
    assert np.all((K >= -1e-6) & (K <= 1 + 1e-5))


@pytest.mark.x64
def test_chunked_gram_matches_unchunked():
    X = _data(7, 9, 4)
    assert_allclose(fidelity_gram(X, layers=3, chunk_size=2), fidelity_gram(X, layers=3), rtol=0, atol=1e-14)
    assert_allclose(fidelity_gram(X[:5], X[5:], layers=2, noise=0.03, chunk_size=2),
                    fidelity_gram(X[:5], X[5:], layers=2, noise=0.03), rtol=0, atol=1e-14)
    assert_allclose(projected_gram(X, layers=3, chunk_size=4), projected_gram(X, layers=3),
                    rtol=0, atol=1e-14)


def test_gram_errors_name_the_argument():
    X = _data(8, 3, 2, np.float32)
    with pytest.raises(ValueError, match="Y must have 2 columns"):
        fidelity_gram(X, np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="gamma"):
        projected_gram(X, gamma=0.0)
    with pytest.raises(ValueError, match="backend"):
        fidelity_gram(X, backend="qiskit")
    with pytest.raises(ValueError, match="dtype"):
        fidelity_gram(X, dtype=jnp.float32)

"""The MNIST 0-vs-1 PCA angles of the paper's figures."""

from __future__ import annotations

import numpy as np
import pytest

from embtheory.qkernels import mnist_pca

pytestmark = pytest.mark.data


def test_mnist_pca_shapes_labels_and_projection():
    X, y = mnist_pca(6, 40)
    assert X.shape == (40, 6) and y.shape == (40,)
    assert np.all(np.asarray(y)[:20] == 1) and np.all(np.asarray(y)[20:] == -1)
    X8, _ = mnist_pca(8, 40)
    np.testing.assert_allclose(np.asarray(X8)[:, :6], np.asarray(X), rtol=1e-5, atol=1e-5)  # nested PCA
    # The first component separates 0s from 1s (the classes differ most along it).
    a, b = np.asarray(X)[:20, 0], np.asarray(X)[20:, 0]
    assert abs(a.mean() - b.mean()) > 2 * max(a.std(), b.std())
    with pytest.raises(ValueError, match="even"):
        mnist_pca(4, 41)

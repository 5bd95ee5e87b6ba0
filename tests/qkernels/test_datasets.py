"""The MNIST 0-vs-1 PCA angles of the paper's figures and the uniform random angles, with bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.qkernels import mnist_pca, uniform_angles


@pytest.mark.data
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


def test_uniform_angles_low_above_high_raises():
    with pytest.raises(ValueError, match="low < high"):
        uniform_angles(3, 2, key=jax.random.key(0), low=5, high=1)


def test_uniform_angles_takes_a_keyword_key_only():
    key = jax.random.key(1)
    a = uniform_angles(4, 3, key=key)
    assert a.shape == (4, 3) and bool(np.all((np.asarray(a) >= 0) & (np.asarray(a) < 2 * np.pi)))
    with pytest.raises(TypeError, match="positional"):
        uniform_angles(key, 4, 3)
    with pytest.raises(TypeError, match="key"):
        uniform_angles(4, 3)
    with pytest.raises(TypeError, match="PRNG key"):
        uniform_angles(4, 3, key=7)


@pytest.mark.x64
def test_uniform_angles_same_draw_whatever_the_dtype():
    key = jax.random.key(2)
    a32 = uniform_angles(5, 2, key=key, dtype=jnp.float32)
    a64 = uniform_angles(5, 2, key=key, dtype=jnp.float64)
    np.testing.assert_allclose(np.asarray(a64), np.asarray(a32), rtol=1e-6)


def test_mnist_pca_same_class_twice_raises():
    # refused before any data is read
    with pytest.raises(ValueError, match="two different digits"):
        mnist_pca(4, 10, classes=(3, 3))
    with pytest.raises(ValueError, match="classes"):
        mnist_pca(4, 10, classes=(3, 12))

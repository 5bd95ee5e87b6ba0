"""Named regressions (bad input refused by name) and the API contract of the quantum-kernel package."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.qkernels import (
    fidelity_gram,
    haar_beta,
    haar_variance,
    kernel_ridge_fit,
    kernels_by_depth,
    mnist_pca,
    projected_gram,
    random_estimate,
    target_alignment,
    uniform_angles,
)


def test_kernel_ridge_fit_nan_label_raises():
    with pytest.raises(ValueError, match=r"y contains 1 NaN"):
        kernel_ridge_fit(np.eye(3), np.array([1.0, np.nan, 0.0]))


def test_target_alignment_zero_labels_raise():
    with pytest.raises(ValueError, match="y is all zeros"):
        target_alignment(np.eye(3), np.zeros(3))


def test_target_alignment_zero_kernel_raises():
    with pytest.raises(ValueError, match="K is all zeros"):
        target_alignment(np.zeros((3, 3)), np.ones(3))


def test_target_alignment_nan_kernel_raises():
    K = np.eye(3)
    K[0, 1] = np.nan
    with pytest.raises(ValueError, match="K contains NaN"):
        target_alignment(K, np.ones(3))


def test_target_alignment_still_traces():
    y = jnp.array([1.0, -1.0, 1.0])
    g = jax.grad(lambda s: target_alignment(s * jnp.eye(3) + 0.1, y))(1.0)
    assert np.isfinite(float(g))


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


def test_random_estimate_fractional_shape_raises():
    with pytest.raises(TypeError, match=r"shape\[0\]"):
        random_estimate((2.7, 2), shots=10, key=jax.random.key(0))


def test_haar_beta_negative_n_raises():
    with pytest.raises(ValueError, match="qubit count"):
        haar_beta(-1)


def test_haar_variance_huge_n_is_zero_not_nan():
    v = haar_variance(2000)
    assert np.isfinite(v) and v == 0.0
    assert haar_beta(2000) == 0.0
    np.testing.assert_allclose(haar_variance(3), 7 / (64 * 9), rtol=1e-15)  # (d-1)/(d^2(d+1)), d = 8


def test_kernels_by_depth_returns_a_namedtuple():
    out = kernels_by_depth(np.zeros((2, 2), np.float32), layers=[1])
    assert out._fields == ("layers", "fidelity", "projected", "distance")


def test_a_statevector_call_past_its_time_estimate_is_refused_before_it_starts(monkeypatch):
    import importlib

    kernels = importlib.import_module("embtheory.qkernels.kernels")
    embeddings = importlib.import_module("embtheory.qkernels.embeddings")
    monkeypatch.setattr(kernels, "_native_gram_fn", lambda *a, **k: pytest.fail("the refused Gram ran"))
    monkeypatch.setattr(embeddings, "run_native", lambda *a, **k: pytest.fail("the refused states ran"))
    monkeypatch.setenv("EMBTHEORY_MAX_SECONDS", "1e-6")
    X = np.zeros((200, 10))
    # 8 operations per amplitude: 200 x 2^10 for the states, 200^2 x 2^10 for the Gram: 3.29e8 in all
    with pytest.raises(TimeoutError, match=r"the fidelity Gram matrix \(200 points, 10 qubits, 1 layers, "
                                           r"40,000 kernel entries\) needs at least 0.00329 s .* raise "
                                           "EMBTHEORY_MAX_SECONDS"):
        fidelity_gram(X)
    with pytest.raises(TimeoutError, match=r"the states \(200 points, 10 qubits, 3 layers\)"):
        projected_gram(X, layers=3)
    monkeypatch.setenv("EMBTHEORY_MAX_SECONDS", "soon")
    with pytest.raises(ValueError, match="EMBTHEORY_MAX_SECONDS must be a positive number of seconds"):
        fidelity_gram(X[:2, :2])

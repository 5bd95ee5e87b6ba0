"""Kernel-target alignment: the formula, its parameter landscape, gradients and training."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from embtheory.core.testing import assert_allclose
from embtheory.qkernels import (
    alignment_init,
    alignment_step,
    alignment_values,
    alignment_variance,
    fidelity_gram,
    target_alignment,
    train_alignment,
)


def _naive_ta(K, y):
    num = sum(y[i] * y[j] * K[i, j] for i in range(len(y)) for j in range(len(y)))
    den = np.sqrt(np.sum(K**2) * sum((y[i] * y[j]) ** 2 for i in range(len(y)) for j in range(len(y))))
    return num / den


@pytest.mark.numerics
def test_target_alignment_matches_the_definition():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(6, 6))
    K = A @ A.T
    y = rng.choice([-1.0, 1.0], 6)
    assert_allclose(target_alignment(K, y), _naive_ta(K, y), rtol=1e-5)
    assert_allclose(target_alignment(np.outer(y, y), y), 1.0, rtol=1e-6)  # the ideal kernel
    with pytest.raises(ValueError, match="y must have shape"):
        target_alignment(K, y[:3])


def _data(n=3, N=6, T=5):
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 2 * np.pi, (N, n)).astype(np.float32)
    y = rng.choice([-1.0, 1.0], N).astype(np.float32)
    thetas = rng.uniform(-2 * np.pi, 2 * np.pi, (T, n)).astype(np.float32)
    return X, y, thetas


@pytest.mark.numerics
def test_alignment_values_equal_a_loop_over_parameters():
    X, y, thetas = _data()
    vals = alignment_values(X, y, thetas, batch_size=2)
    loop = [target_alignment(fidelity_gram(X, embedding="ry-hee", params=t), y) for t in thetas]
    assert_allclose(vals, np.array(loop), rtol=1e-4, atol=1e-6)
    assert_allclose(alignment_variance(X, y, thetas), np.var(np.array(loop)), rtol=1e-3, atol=1e-9)
    assert float(jnp.var(vals)) > 0


@pytest.mark.numerics
def test_alignment_gradient_matches_finite_differences():
    X, y, thetas = _data()
    f = lambda t: target_alignment(fidelity_gram(X, embedding="ry-hee", params=t), y)  # noqa: E731
    th = jnp.asarray(thetas[0], jnp.float32)
    g = jax.grad(f)(th)
    eps = 1e-2
    fd = np.array([(f(th.at[k].add(eps)) - f(th.at[k].add(-eps))) / (2 * eps) for k in range(3)])
    assert_allclose(g, fd, rtol=2e-2, atol=2e-3)  # central differences in float32, O(eps^2) error


@pytest.mark.numerics
def test_training_increases_alignment_and_step_agrees_with_scan():
    X, y, thetas = _data()
    params, hist = train_alignment(X, y, thetas[0], optimizer=optax.adam(0.1), steps=25)
    assert hist.shape == (25,)
    final = target_alignment(fidelity_gram(X, embedding="ry-hee", params=params), y)
    assert float(final) > float(hist[0]) + 1e-3
    opt = optax.adam(0.1)
    state = alignment_init(jnp.asarray(thetas[0]), opt)
    for _ in range(3):
        state, _ = alignment_step(state, X, y, opt)
    p3, _ = train_alignment(X, y, thetas[0], optimizer=opt, steps=3)
    assert_allclose(state.params, p3, rtol=1e-4, atol=1e-5)
    assert int(state.step) == 3


@pytest.mark.numerics
@pytest.mark.x64
def test_alignment_of_a_trainable_circuit_matches_its_gram_and_finite_differences():
    from embtheory.qkernels import Circuit, feature_product, gate, param, zz_feature_map

    zz = zz_feature_map(3, reps=1, entanglement="linear")
    trainable = (gate("RY", 0, param(0)), gate("IsingXX", (1, 2), param(1, scale=0.5)))
    circuit = Circuit(3, (*zz.layer, gate("IsingZZ", (0, 2), feature_product(0, 2))), prefix=trainable)
    rng = np.random.default_rng(4)
    X, y = rng.uniform(0, 2 * np.pi, (6, 3)), np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])
    thetas = rng.uniform(-np.pi, np.pi, (3, 2))
    got = alignment_values(X, y, thetas, embedding=circuit, layers=2)
    want = [_naive_ta(np.asarray(fidelity_gram(X, embedding=circuit, layers=2, params=t)), y) for t in thetas]
    assert_allclose(got, want, rtol=0, atol=1e-12)
    state = alignment_init(jnp.asarray(thetas[0]), optax.sgd(0.0))
    _, ta = alignment_step(state, X, y, optax.sgd(0.0), embedding=circuit, layers=2)
    assert_allclose(ta, want[0], rtol=0, atol=1e-12)
    params, history = train_alignment(X, y, thetas[0], embedding=circuit, layers=2, steps=3,
                                      optimizer=optax.sgd(0.0))
    assert_allclose(params, thetas[0], rtol=0, atol=0)  # a zero learning rate moves nothing
    assert_allclose(history, [want[0]] * 3, rtol=0, atol=1e-12)
    # one SGD step of rate 1 on -TA moves the parameters by the gradient of TA
    moved, _ = alignment_step(alignment_init(jnp.asarray(thetas[0]), optax.sgd(1.0)), X, y, optax.sgd(1.0),
                              embedding=circuit, layers=2)

    def ta(t):
        return _naive_ta(np.asarray(fidelity_gram(X, embedding=circuit, layers=2, params=t)), y)

    eps = 1e-6
    fd = [(ta(thetas[0] + eps * e) - ta(thetas[0] - eps * e)) / (2 * eps) for e in np.eye(2)]
    assert_allclose(np.asarray(moved.params) - thetas[0], fd, rtol=0, atol=1e-7)
    with pytest.raises(ValueError, match="no trainable parameters"):
        alignment_values(X, y, thetas, embedding=zz)


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

"""The fused fidelity Gram (one XLA program for states and Gram) against unfused references.

The one simulator (:func:`embtheory.qkernels.simulator.simulate`) holds the batch as the last
axis and runs the CNOT ring as one gather.  Its states must agree with a dense NumPy simulation
written here, not depend on the other points of the batch, give the same Gram whatever
``chunk_size``, and compile once per shape (never per call, never per depth).  No timing here:
the speed is measured by ``benchmarks/qkernels_overhead.py``.
"""

from __future__ import annotations

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.qkernels import fidelity_gram, named_circuit
from embtheory.qkernels.simulator import simulate

pytestmark = pytest.mark.numerics

# Bitwise equality holds where both programs run the same scalar operations (XLA's CPU backend);
# another backend may contract multiply-adds differently in the two programs.
_EXACT = jax.default_backend() == "cpu"


def _data(seed, N, n):
    return np.random.default_rng(seed).uniform(0, 2 * np.pi, (N, n)).astype(np.float32)


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    if _EXACT:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


# -- a dense simulation, written here: 2^n x 2^n matrices, wire 0 the most significant bit ---------

def _dense_single(gate, k, n):
    return np.kron(np.kron(np.eye(2**k), gate), np.eye(2 ** (n - k - 1)))


def _dense_cnot(c, t, n):
    dim = 2**n
    out = np.zeros((dim, dim))
    for i in range(dim):
        bits = [(i >> (n - 1 - w)) & 1 for w in range(n)]
        if bits[c]:
            bits[t] ^= 1
        j = sum(b << (n - 1 - w) for w, b in enumerate(bits))
        out[j, i] = 1.0
    return out


def _ring(n):  # the published ring: (k, k+1 mod n); a single (0, 1) at n = 2; none at n = 1
    return [] if n == 1 else [(0, 1)] if n == 2 else [(k, (k + 1) % n) for k in range(n)]


def _gate(rotation, a):
    c, s = np.cos(a / 2), np.sin(a / 2)
    if rotation == "rx":
        return np.array([[c, -1j * s], [-1j * s, c]])
    if rotation == "ry":
        return np.array([[c, -s], [s, c]])
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)  # "hrz": H first, then RZ
    return np.diag([np.exp(-0.5j * a), np.exp(0.5j * a)]) @ h


def _dense_state(x, rotation, entangle, layers, prefix=None):
    n = len(x)
    x = np.asarray(x, np.float64)
    psi = np.zeros(2**n, complex)
    psi[0] = 1
    if prefix is not None:
        for k in range(n):
            psi = _dense_single(_gate("ry", prefix[k]), k, n) @ psi
    for _ in range(layers):
        for k in range(n):
            psi = _dense_single(_gate(rotation, x[k]), k, n) @ psi
        if entangle:
            for c, t in _ring(n):
                psi = _dense_cnot(c, t, n) @ psi
    return psi


# -- tests -----------------------------------------------------------------------------------------

_NAMES = {("rx", True): "hee", ("rx", False): "rx", ("ry", False): "ry", ("hrz", False): "hrz"}


def _batched_states(X, params, layers, *, rotation, entangle, trainable):
    name = "ry-hee" if trainable else _NAMES[rotation, entangle]
    circuit = named_circuit(name, X.shape[1])
    return simulate(circuit, X, params, None, layers, mixed=False, dtype=jnp.complex64).T


@pytest.mark.parametrize(("rotation", "entangle"),
                         [("rx", True), ("rx", False), ("ry", False), ("hrz", False)])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_batched_states_match_a_dense_simulation(rotation, entangle, n):
    X = _data(n, 4, n)
    got = np.asarray(_batched_states(jnp.asarray(X), None, 3, rotation=rotation, entangle=entangle,
                                     trainable=False))
    want = np.stack([_dense_state(x, rotation, entangle, 3) for x in X])
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6)


def test_batched_states_with_the_trainable_prefix_match_a_dense_simulation():
    X, theta = _data(1, 3, 4), np.array([0.3, -1.1, 2.0, 0.7], np.float32)
    got = np.asarray(_batched_states(jnp.asarray(X), jnp.asarray(theta), 2, rotation="rx", entangle=True,
                                     trainable=True))
    want = np.stack([_dense_state(x, "rx", True, 2, prefix=theta) for x in X])
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6)


@pytest.mark.parametrize("n", [1, 2, 3, 8])
@pytest.mark.parametrize("layers", [1, 2])
def test_batched_states_do_not_depend_on_the_batch_bitwise(n, layers):
    X = jnp.asarray(_data(10 + n, 6, n))
    fn = jax.jit(lambda X, L: _batched_states(X, None, L, rotation="rx", entangle=True, trainable=False))
    alone = jnp.concatenate([fn(X[i:i + 1], jnp.int32(layers)) for i in range(X.shape[0])])
    _same(fn(X, jnp.int32(layers)), alone)
    _same(fn(X[::-1], jnp.int32(layers))[::-1], alone)


@pytest.mark.parametrize("embedding", ["hee", "rx", "ry", "hrz", "ry-hee"])
@pytest.mark.parametrize("with_y", [False, True])
def test_fused_gram_equals_the_unfused_gram_bitwise(embedding, with_y):
    # chunk_size=1 simulates one point at a time: the Gram must not depend on the chunking.
    X = _data(2, 9, 5)
    Y = _data(3, 4, 5) if with_y else None
    params = np.array([0.4, -0.2, 1.3, 0.9, -2.0], np.float32) if embedding == "ry-hee" else None
    kw = dict(embedding=embedding, layers=2, params=params, dtype=jnp.complex64)
    _same(fidelity_gram(X, Y, **kw), fidelity_gram(X, Y, chunk_size=1, **kw))
    _same(fidelity_gram(X, Y, **kw), fidelity_gram(X, Y, chunk_size=4, **kw))


def test_fused_gram_equals_the_unfused_gram_at_the_benchmark_size():
    X = _data(0, 60, 8)
    _same(fidelity_gram(X, layers=2, dtype=jnp.complex64),
          fidelity_gram(X, layers=2, dtype=jnp.complex64, chunk_size=60))


def test_fused_noisy_gram_equals_the_unfused_gram():
    X = _data(4, 5, 3)
    fused = fidelity_gram(X, layers=2, noise=0.05, dtype=jnp.complex64)
    _same(fused, fidelity_gram(X, layers=2, noise=0.05, dtype=jnp.complex64, chunk_size=2))


def test_fused_gram_matches_a_dense_simulation():
    X = _data(5, 7, 4)
    S = np.stack([_dense_state(x, "rx", True, 2) for x in X])
    want = np.abs(S.conj() @ S.T) ** 2
    np.testing.assert_allclose(fidelity_gram(X, layers=2, dtype=jnp.complex64), want, rtol=0, atol=3e-6)


def test_trainable_fused_gram_is_differentiable_in_params():
    from embtheory.qkernels.embeddings import resolve
    from embtheory.qkernels.kernels import fidelity_from_spec

    X = _data(6, 4, 3)
    theta = jnp.array([0.2, -0.5, 1.0], jnp.float32)
    Xr, spec = resolve(X, embedding="ry-hee", layers=2, params=theta, noise=None, backend=None,
                       dtype=jnp.complex64)

    def loss(t):
        return jnp.sum(fidelity_from_spec(Xr, None, spec._replace(params=t)))

    g = jax.grad(loss)(theta)

    def dense_loss(t):
        S = np.stack([_dense_state(x, "rx", True, 2, prefix=t) for x in X])
        return np.sum(np.abs(S.conj() @ S.T) ** 2)

    eps = 1e-4
    t0 = np.asarray(theta, np.float64)
    fd = [(dense_loss(t0 + eps * e) - dense_loss(t0 - eps * e)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(np.asarray(g), fd, rtol=0, atol=2e-3)


def _compiles(fn, caplog):
    caplog.clear()
    with caplog.at_level(logging.WARNING), jax.log_compiles(True):
        jax.block_until_ready(fn())
    messages = [r.getMessage() for r in caplog.records]
    return [m.split(" with ")[0] for m in messages if m.startswith("Compiling")]


def test_repeated_call_and_another_depth_compile_nothing(caplog):
    X = _data(7, 12, 6)
    jax.block_until_ready(fidelity_gram(X, layers=2, dtype=jnp.complex64))
    assert _compiles(lambda: fidelity_gram(X, layers=2, dtype=jnp.complex64), caplog) == []
    # the depth is a run-time argument of the fused program: one compile serves every L
    assert _compiles(lambda: fidelity_gram(X, layers=5, dtype=jnp.complex64), caplog) == []
    assert _compiles(lambda: fidelity_gram(X + 0.5, layers=1, dtype=jnp.complex64), caplog) == []

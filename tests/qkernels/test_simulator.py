"""The native simulator against dense matrices built here (PennyLane oracles: test_qk_oracles.py)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core.testing import assert_allclose
from embtheory.qkernels import embed
from embtheory.qkernels.simulator import ring_pairs

pytestmark = pytest.mark.numerics

_I = np.eye(2)
_X = np.array([[0, 1], [1, 0]], complex)


def _rx(a):
    return np.cos(a / 2) * _I - 1j * np.sin(a / 2) * _X


def _kron(ms):
    out = np.eye(1)
    for m in ms:
        out = np.kron(out, m)
    return out


def _cnot(c, t, n):
    """Dense CNOT, wire 0 the most significant bit (PennyLane's order)."""
    P = np.zeros((2**n, 2**n))
    for b in range(2**n):
        bits = [(b >> (n - 1 - k)) & 1 for k in range(n)]
        if bits[c]:
            bits[t] ^= 1
        P[sum(bit << (n - 1 - k) for k, bit in enumerate(bits)), b] = 1
    return P


def _dense_hee(x, layers, pairs):
    n = len(x)
    U = np.eye(2**n, dtype=complex)
    for _ in range(layers):
        U = _kron([_rx(a) for a in x]) @ U
        for c, t in pairs:
            U = _cnot(c, t, n) @ U
    return U[:, 0]


def test_ring_pairs_convention():
    assert ring_pairs(1) == ()
    assert ring_pairs(2) == ((0, 1),)  # the published n = 2 ring: ONE CNOT
    assert ring_pairs(4) == ((0, 1), (1, 2), (2, 3), (3, 0))


@pytest.mark.x64
@pytest.mark.parametrize("n", [2, 3, 4])
def test_hee_equals_dense_matrix_product(n):
    x = np.random.default_rng(n).uniform(0, 2 * np.pi, n)
    psi = embed(x[None], embedding="hee", layers=3)[0]
    assert_allclose(psi, _dense_hee(x, 3, ring_pairs(n)), atol=1e-12)
    if n == 2:  # a full ring CNOT(0,1) CNOT(1,0) would give a different state
        other = _dense_hee(x, 3, ((0, 1), (1, 0)))
        assert np.max(np.abs(np.asarray(psi) - other)) > 1e-3


@pytest.mark.x64
@pytest.mark.parametrize("embedding", ["hee", "hrz"])
def test_density_matrices_are_states(embedding):
    X = np.random.default_rng(4).uniform(0, 2 * np.pi, (2, 3))
    native = embed(X, embedding=embedding, layers=3, noise=0.07)
    assert_allclose(jnp.trace(native, axis1=1, axis2=2), np.ones(2), atol=1e-12)
    assert_allclose(native, jnp.conj(jnp.swapaxes(native, 1, 2)), atol=1e-12)
    assert np.linalg.eigvalsh(np.asarray(native)).min() > -1e-12


@pytest.mark.x64
def test_noiseless_mixed_equals_pure_outer_product():
    X = np.random.default_rng(5).uniform(0, 2 * np.pi, (2, 3))
    psi = np.stack([_dense_hee(x, 2, ring_pairs(3)) for x in X])
    assert_allclose(embed(X, embedding="hee", layers=2, noise=0.0), psi[:, :, None] * psi[:, None, :].conj(),
                    rtol=0, atol=1e-12)


def test_float32_states_close_to_dense_and_normalised():
    X = np.random.default_rng(6).uniform(0, 2 * np.pi, (3, 4)).astype(np.float32)
    native = embed(X, embedding="hee", layers=20)
    assert native.dtype == jnp.complex64
    assert_allclose(jnp.linalg.norm(native, axis=1), np.ones(3), rtol=1e-5, atol=1e-5)
    ref = np.stack([_dense_hee(x.astype(np.float64), 20, ring_pairs(4)) for x in X])
    assert_allclose(native, ref, rtol=0, atol=1e-4)


def test_depth_is_a_runtime_argument_no_recompile():
    from embtheory.qkernels import named_circuit
    from embtheory.qkernels.embeddings import _native_fn

    X = jnp.asarray(np.random.default_rng(7).uniform(0, 6, (4, 3)), jnp.float32)
    embed(X, layers=2)
    before = _native_fn.cache_info().currsize
    fn = _native_fn(named_circuit("hee", 3), False, np.dtype(np.complex64), 4, None, None)
    n_compiled = fn._cache_size()
    for L in (3, 7, 50):
        embed(X, layers=L)
    assert _native_fn.cache_info().currsize == before
    assert fn._cache_size() == n_compiled  # one XLA program for every depth


@pytest.mark.x64
def test_chunking_gives_the_same_states():
    X = np.random.default_rng(8).uniform(0, 6, (7, 3))
    full = embed(X, layers=3)
    assert_allclose(embed(X, layers=3, chunk_size=3), full, rtol=0, atol=1e-14)
    assert_allclose(embed(X, layers=3, chunk_size=1), full, rtol=0, atol=1e-14)


@pytest.mark.x64
def test_user_template_runs_natively_and_an_unsupported_one_falls_back_with_a_warning():
    qml = pytest.importorskip("pennylane")

    def template(x, wires):
        for k, w in enumerate(wires):
            qml.RY(x[k], wires=w)
        qml.CZ(wires=[wires[0], wires[1]])

    def curved(x, wires):  # sin(x) is no angle the native form binds
        qml.RY(np.sin(x[0]) if isinstance(x, np.ndarray) else qml.math.sin(x[0]), wires=wires[0])
        qml.RY(x[1], wires=wires[1])

    X = np.random.default_rng(9).uniform(0, 6, (3, 2))
    ry = lambda a: np.array([[np.cos(a / 2), -np.sin(a / 2)], [np.sin(a / 2), np.cos(a / 2)]])  # noqa: E731
    cz = np.diag([1, 1, 1, -1])
    ref = np.stack([(cz @ np.kron(ry(x[0]), ry(x[1])))[:, 0] for x in X])
    assert_allclose(embed(X, embedding=template), ref, rtol=0, atol=1e-12)
    assert_allclose(embed(X, embedding=template, backend="pennylane"), ref, rtol=0, atol=1e-12)
    ref2 = np.stack([(np.kron(ry(np.sin(x[0])), ry(x[1])))[:, 0] for x in X])
    with pytest.warns(UserWarning, match="RY"):
        assert_allclose(embed(X, embedding=curved), ref2, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="backend='pennylane'"):
        embed(X, embedding=curved, backend="native")


def test_bad_arguments_raise_clear_errors():
    X = np.zeros((3, 2), np.float32)
    with pytest.raises(ValueError, match="embedding"):
        embed(X, embedding="qaoa")
    with pytest.raises(ValueError, match="layers"):
        embed(X, layers=0)
    with pytest.raises(TypeError, match="layers"):
        embed(X, layers=2.5)
    with pytest.raises(ValueError, match="X contains NaN"):
        embed(np.array([[0.1, np.nan]]))
    with pytest.raises(ValueError, match="2-D"):
        embed(np.zeros(3))
    with pytest.raises(ValueError, match="params"):
        embed(X, embedding="ry-hee")
    with pytest.raises(ValueError, match=r"params must have shape \(2,\)"):
        embed(X, embedding="ry-hee", params=np.zeros(3))
    with pytest.raises(ValueError, match="noise"):
        embed(X, noise=1.5)
    with pytest.raises(ValueError, match="chunk_size"):
        embed(X, chunk_size=0)


def test_memory_budget_refuses_too_many_qubits(monkeypatch):
    monkeypatch.setenv("EMBTHEORY_MEMORY_BUDGET", "1MiB")
    with pytest.raises(MemoryError, match="backend='mps'"):
        embed(np.zeros((64, 20), np.float32))


def test_a_plan_cached_under_x64_serves_a_later_float32_call():
    # the simulator's plans (its row gathers) are cached across calls; one built while x64 was on
    # (an experiment's float64 unit) must serve a later float32 call unchanged
    import jax
    import numpy as np

    from embtheory.qkernels import embed

    X = np.random.default_rng(0).uniform(size=(3, 3)).astype(np.float32)
    before = np.asarray(embed(X))  # the HEE: its CNOT ring is one row gather
    with jax.enable_x64(True):
        embed(X.astype(np.float64))
    after = np.asarray(embed(X))
    assert after.dtype == np.complex64
    np.testing.assert_array_equal(after, before)

"""MPS of any gate sequence against a dense NumPy statevector written here; cost refusals; chunking.

The oracle shares no code with embtheory: each gate's ``(2,) * 2k`` tensor is contracted with the
``(2,) * n`` state on the gate's wires (first wire = first tensor factor), and the MPS is contracted
back to a vector site by site.
"""

from __future__ import annotations

import signal
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.qkernels import mps_gate_cost, mps_gate_states

_CNOT = np.eye(4)[[0, 1, 3, 2]]
_H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)


def _haar(rng, d, batch=()):
    z = rng.normal(size=(*batch, d, d)) + 1j * rng.normal(size=(*batch, d, d))
    q, r = np.linalg.qr(z)
    ph = np.diagonal(r, axis1=-2, axis2=-1)
    return q * (ph / np.abs(ph))[..., None, :]


def _random_circuit(rng, n, n_gates, batch=()):
    gates = []
    for _ in range(n_gates):
        if rng.random() < 0.35:
            gates.append(((int(rng.integers(n)),), _haar(rng, 2, batch)))
        else:
            a, b = rng.choice(n, 2, replace=False)  # any pair, either order
            gates.append(((int(a), int(b)), _haar(rng, 4, batch)))
    return gates


def _dense(gates, n, point=None):
    psi = np.zeros((2,) * n, complex)
    psi[(0,) * n] = 1
    for wires, U in gates:
        U = np.asarray(U)
        if U.ndim == 3:
            U = U[point]
        k = len(wires)
        out = np.tensordot(U.reshape((2,) * (2 * k)), psi, axes=(list(range(k, 2 * k)), list(wires)))
        psi = np.moveaxis(out, list(range(k)), list(wires))
    return psi.reshape(-1)


def _vector(T):
    """The statevector of one MPS ``(n, chi, 2, chi)`` (boundary bond index 0 at both ends)."""
    T = np.asarray(T)
    v = T[0][0]
    for k in range(1, T.shape[0]):
        v = np.einsum("...a,asb->...sb", v, T[k])
    return v[..., 0].reshape(-1)


@pytest.mark.x64
@pytest.mark.parametrize(("n", "n_gates", "seed"), [(2, 6, 0), (5, 14, 1), (7, 18, 2)])
def test_random_gates_on_any_pairs_match_a_dense_statevector(n, n_gates, seed):
    rng = np.random.default_rng(seed)
    gates = _random_circuit(rng, n, n_gates, batch=(3,))
    gates.insert(1, ((n - 1,), _H))  # an unbatched gate shared by every point
    states = mps_gate_states(gates, n=n)
    assert states.tensors.shape[:2] == (3, n)
    assert float(jnp.max(states.discarded)) < 1e-12
    bond = mps_gate_cost(gates, n=n).bond
    for p in range(3):
        psi = _dense(gates, n, p)
        np.testing.assert_allclose(_vector(states.tensors[p]), psi, rtol=0, atol=1e-12)
        for c in range(1, n):  # the planned bond bounds the Schmidt rank of every cut
            assert np.linalg.matrix_rank(psi.reshape(2**c, -1), tol=1e-10) <= bond


def test_single_precision_without_x64():
    rng = np.random.default_rng(3)
    gates = [(w, U.astype(np.complex64)) for w, U in _random_circuit(rng, 5, 12)]
    states = mps_gate_states(gates, n=5)
    assert states.tensors.dtype == np.complex64
    np.testing.assert_allclose(_vector(states.tensors[0]), _dense(gates, 5), rtol=0, atol=2e-5)


@pytest.mark.x64
def test_long_range_cnots_get_the_exact_bond():
    # Nested Bell pairs (0, 7), (1, 6), (2, 5) made by CNOTs between far qubits: the middle cut is
    # crossed by three pairs, Schmidt rank 8; the bound (operator Schmidt rank 2 per CNOT, the routing
    # swaps counting for nothing) is 8 too, and the padded bond is exactly that.
    n = 8
    gates = []
    for a in range(3):
        gates += [((a,), _H), ((a, n - 1 - a), _CNOT)]
    cost = mps_gate_cost(gates, n=n)
    assert cost.bond == 8 and cost.exact
    states = mps_gate_states(gates, n=n)
    psi = _dense(gates, n)
    assert np.linalg.matrix_rank(psi.reshape(16, 16), tol=1e-10) == 8
    np.testing.assert_allclose(_vector(states.tensors[0]), psi, rtol=0, atol=1e-12)
    assert float(states.discarded[0]) < 1e-14


@pytest.mark.x64
def test_a_cap_below_the_bound_truncates_and_says_so():
    rng = np.random.default_rng(4)
    gates = _random_circuit(rng, 8, 30, batch=(2,))
    assert not mps_gate_cost(gates, n=8, max_bond=2).exact
    with pytest.warns(UserWarning, match="discarded weight"):
        states = mps_gate_states(gates, n=8, max_bond=2)
    assert states.tensors.shape[-1] == 2
    assert float(jnp.min(states.discarded)) > 1e-6
    for p in range(2):
        v = _vector(states.tensors[p])
        assert abs(np.vdot(v, v) - 1) < 1e-12  # renormalised after each truncation
        assert abs(np.vdot(_dense(gates, 8, p), v)) < 1 - 1e-6  # and not the exact state


@pytest.mark.x64
def test_chunked_runs_are_bitwise_the_chunk_free_run():
    rng = np.random.default_rng(5)
    gates = _random_circuit(rng, 6, 16, batch=(5,))
    whole = mps_gate_states(gates, n=6)
    for chunk in (2,):  # 5 points: two full chunks and a padded one
        part = mps_gate_states(gates, n=6, chunk_size=chunk)
        assert np.array_equal(np.asarray(part.tensors), np.asarray(whole.tensors))
        assert np.array_equal(np.asarray(part.discarded), np.asarray(whole.discarded))


@pytest.mark.x64
def test_builtin_embedding_chunks_are_bitwise_the_chunk_free_run():
    from embtheory.qkernels.mps import mps_embed_fn

    fn = mps_embed_fn("rx", True, 2, 6, 16, False, np.dtype(np.complex128))
    X = jnp.asarray(np.random.default_rng(6).uniform(0, 2 * np.pi, (5, 6)))
    whole = fn(X, jnp.zeros(6))
    for chunk in (2,):
        part = fn(X, jnp.zeros(6), chunk_size=chunk)
        assert np.array_equal(np.asarray(part.tensors), np.asarray(whole.tensors))


def test_twenty_qubits_six_layers_is_refused_within_a_second(monkeypatch):
    # Bond 1024 (the default cap) on 20 qubits: about 2 x 56 SVDs of 2048 x 2048 matrices per point, an
    # hour on a 2-core CPU. The memory budget is raised so that the time limit is what refuses it.
    from embtheory.qkernels import fidelity_gram

    monkeypatch.setenv("EMBTHEORY_MEMORY_BUDGET", "1TiB")
    monkeypatch.delenv("EMBTHEORY_MPS_MAX_SECONDS", raising=False)
    kw = {} if jax.config.jax_enable_x64 else {"dtype": jnp.complex64}
    start = time.perf_counter()
    with pytest.raises(ValueError, match="over the time limit") as info:
        fidelity_gram(np.zeros((2, 20)), backend="mps", layers=6, **kw)
    assert time.perf_counter() - start < 1.0
    msg = str(info.value)
    for fits in ("max_bond=", "layers=", "max_seconds="):
        assert fits in msg
    monkeypatch.setenv("EMBTHEORY_MPS_MAX_SECONDS", "1e9")  # raised: the refusal is the memory one now
    monkeypatch.setenv("EMBTHEORY_MEMORY_BUDGET", "1MiB")
    with pytest.raises(MemoryError):
        fidelity_gram(np.zeros((2, 20)), backend="mps", layers=6, **kw)


def test_gate_runs_past_the_limit_are_refused_with_what_fits():
    rng = np.random.default_rng(7)
    gates = [(w, U.astype(np.complex64)) for w, U in _random_circuit(rng, 24, 120, batch=(50,))]
    cost = mps_gate_cost(gates, n=24)
    assert cost.bond == 2**12 and cost.exact and cost.seconds > 60
    with pytest.raises(ValueError, match=r"over the time limit of 30 s: within the limit fit max_bond=\d+"):
        mps_gate_states(gates, n=24, max_seconds=30, memory_budget="1TiB")
    with pytest.raises(MemoryError, match="max_bond"):
        mps_gate_states(gates, n=24, memory_budget="64MiB", max_seconds=1e9)


def test_ctrl_c_returns_between_chunks():
    rng = np.random.default_rng(8)
    gates = [(w, U.astype(np.complex64)) for w, U in _random_circuit(rng, 10, 40, batch=(200,))]
    mps_gate_states([(w, U[:1]) for w, U in gates], n=10, chunk_size=1)  # compile the chunk's shapes

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        start = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            mps_gate_states(gates, n=10, chunk_size=1)
        elapsed = time.perf_counter() - start
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert elapsed < 2.5  # the signal at 0.5 s, then at most one chunk


def test_bad_gates_name_the_argument():
    ok = ((0, 1), _CNOT.astype(np.complex64))
    with pytest.raises(TypeError, match="gates must be a sequence"):
        mps_gate_states(5, n=2)
    with pytest.raises(TypeError, match=r"gates\[0\] must be a pair"):
        mps_gate_states([(0, 1, _CNOT)], n=2)
    with pytest.raises(ValueError, match=r"gates\[1\] acts on qubit 3, outside n = 2"):
        mps_gate_states([ok, ((0, 3), _CNOT)], n=2)
    with pytest.raises(ValueError, match=r"gates\[0\] names qubit 1 twice"):
        mps_gate_states([((1, 1), _CNOT)], n=2)
    with pytest.raises(ValueError, match=r"gates\[0\] on wires \(0, 1\) needs a \(4, 4\) matrix"):
        mps_gate_states([((0, 1), _H)], n=2)
    with pytest.raises(ValueError, match=r"gates\[0\] matrix is not unitary"):
        mps_gate_states([((0,), np.zeros((2, 2)))], n=2)
    with pytest.raises(ValueError, match=r"gates\[0\] matrix contains NaN"):
        mps_gate_states([((0,), np.full((2, 2), np.nan))], n=2)
    with pytest.raises(ValueError, match="one number of points"):
        mps_gate_states([((0,), np.stack([_H] * 2)), ((1,), np.stack([_H] * 3))], n=2)
    with pytest.raises(TypeError, match="n must be an integer"):
        mps_gate_states([ok], n=2.0)
    with pytest.raises(ValueError, match="max_bond must be >= 1"):
        mps_gate_states([ok], n=2, max_bond=0)
    with pytest.raises(ValueError, match="max_seconds must be in"):
        mps_gate_states([ok], n=2, max_seconds=-1)


def test_traced_matrices_under_jit_give_the_eager_states():
    # wires are static, matrices traced: the plan and the cost come from the wires and shapes alone
    def rx(a):
        c, s = jnp.cos(a / 2), jnp.sin(a / 2)
        return jnp.stack([jnp.stack([c, -1j * s], -1), jnp.stack([-1j * s, c], -1)], -2).astype(jnp.complex64)

    cnot = _CNOT.astype(np.complex64)

    def states(x):
        gates = [((0,), rx(x[:, 0])), ((0, 3), cnot), ((2,), rx(x[:, 1])), ((2, 1), cnot), ((3, 2), cnot)]
        return mps_gate_states(gates, n=4).tensors

    x = jnp.array([[0.3, 1.1], [0.5, 2.0], [1.0, 0.1]], jnp.float32)
    eager, jitted = states(x), jax.jit(states)(x)
    assert np.array_equal(np.asarray(eager), np.asarray(jitted))
    for p in range(3):
        gates = [((0,), np.asarray(rx(x[p, 0]))), ((0, 3), _CNOT), ((2,), np.asarray(rx(x[p, 1]))),
                 ((2, 1), _CNOT), ((3, 2), _CNOT)]
        np.testing.assert_allclose(_vector(jitted[p]), _dense(gates, 4), rtol=0, atol=2e-6)

"""The native simulator against dense matrices built here, batched states against a dense simulation,
and the pass cuts (merged diagonals, the product-state start, the constant tail); the PennyLane
oracles are in test_pennylane_oracles.py."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from dense_states import dense_state, same

from embtheory.core.testing import assert_allclose
from embtheory.qkernels import embed, named_circuit, simulator, zz_feature_map
from embtheory.qkernels.circuit import Circuit, feature, gate
from embtheory.qkernels.simulator import ring_pairs, simulate

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


@pytest.mark.numerics
def test_ring_pairs_convention():
    assert ring_pairs(1) == ()
    assert ring_pairs(2) == ((0, 1),)  # the published n = 2 ring: ONE CNOT
    assert ring_pairs(4) == ((0, 1), (1, 2), (2, 3), (3, 0))


@pytest.mark.numerics
@pytest.mark.x64
@pytest.mark.parametrize("n", [2, 3, 4])
def test_hee_equals_dense_matrix_product(n):
    x = np.random.default_rng(n).uniform(0, 2 * np.pi, n)
    psi = embed(x[None], embedding="hee", layers=3)[0]
    assert_allclose(psi, _dense_hee(x, 3, ring_pairs(n)), atol=1e-12)
    if n == 2:  # a full ring CNOT(0,1) CNOT(1,0) would give a different state
        other = _dense_hee(x, 3, ((0, 1), (1, 0)))
        assert np.max(np.abs(np.asarray(psi) - other)) > 1e-3


@pytest.mark.numerics
@pytest.mark.x64
@pytest.mark.parametrize("embedding", ["hee", "hrz"])
def test_density_matrices_are_states(embedding):
    X = np.random.default_rng(4).uniform(0, 2 * np.pi, (2, 3))
    native = embed(X, embedding=embedding, layers=3, noise=0.07)
    assert_allclose(jnp.trace(native, axis1=1, axis2=2), np.ones(2), atol=1e-12)
    assert_allclose(native, jnp.conj(jnp.swapaxes(native, 1, 2)), atol=1e-12)
    assert np.linalg.eigvalsh(np.asarray(native)).min() > -1e-12


@pytest.mark.numerics
@pytest.mark.x64
def test_noiseless_mixed_equals_pure_outer_product():
    X = np.random.default_rng(5).uniform(0, 2 * np.pi, (2, 3))
    psi = np.stack([_dense_hee(x, 2, ring_pairs(3)) for x in X])
    assert_allclose(embed(X, embedding="hee", layers=2, noise=0.0), psi[:, :, None] * psi[:, None, :].conj(),
                    rtol=0, atol=1e-12)


@pytest.mark.numerics
def test_float32_states_close_to_dense_and_normalised():
    X = np.random.default_rng(6).uniform(0, 2 * np.pi, (3, 4)).astype(np.float32)
    native = embed(X, embedding="hee", layers=20)
    assert native.dtype == jnp.complex64
    assert_allclose(jnp.linalg.norm(native, axis=1), np.ones(3), rtol=1e-5, atol=1e-5)
    ref = np.stack([_dense_hee(x.astype(np.float64), 20, ring_pairs(4)) for x in X])
    assert_allclose(native, ref, rtol=0, atol=1e-4)


@pytest.mark.numerics
def test_depth_is_a_runtime_argument_no_recompile():
    from embtheory.qkernels import named_circuit
    from embtheory.qkernels.embeddings import _native_fn

    X = jnp.asarray(np.random.default_rng(7).uniform(0, 6, (4, 3)), jnp.float32)
    embed(X, layers=3)
    before = _native_fn.cache_info().currsize
    fn = _native_fn(named_circuit("hee", 3), False, np.dtype(np.complex64), 4, None, None)
    n_compiled = fn._cache_size()
    for L in (4, 7, 50):
        embed(X, layers=L)
    assert _native_fn.cache_info().currsize == before
    assert fn._cache_size() == n_compiled  # one XLA program for every depth from 3 on


@pytest.mark.numerics
@pytest.mark.x64
def test_chunking_gives_the_same_states():
    X = np.random.default_rng(8).uniform(0, 6, (7, 3))
    full = embed(X, layers=3)
    assert_allclose(embed(X, layers=3, chunk_size=3), full, rtol=0, atol=1e-14)
    assert_allclose(embed(X, layers=3, chunk_size=1), full, rtol=0, atol=1e-14)


@pytest.mark.numerics
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


@pytest.mark.numerics
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


@pytest.mark.numerics
def test_memory_budget_refuses_too_many_qubits(monkeypatch):
    monkeypatch.setenv("EMBTHEORY_MEMORY_BUDGET", "1MiB")
    with pytest.raises(MemoryError, match="backend='mps'"):
        embed(np.zeros((64, 20), np.float32))


@pytest.mark.numerics
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


def _data(seed, N, n, dtype=np.float64):
    return np.random.default_rng(seed).uniform(0, 2 * np.pi, (N, n)).astype(dtype)




_NAMES = {("rx", True): "hee", ("rx", False): "rx", ("ry", False): "ry", ("hrz", False): "hrz"}


def _batched_states(X, params, layers, *, rotation, entangle, trainable):
    name = "ry-hee" if trainable else _NAMES[rotation, entangle]
    circuit = named_circuit(name, X.shape[1])
    return simulate(circuit, X, params, None, layers, mixed=False, dtype=jnp.complex64).T


@pytest.mark.numerics
@pytest.mark.parametrize(("rotation", "entangle"),
                         [("rx", True), ("rx", False), ("ry", False), ("hrz", False)])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_batched_states_match_a_dense_simulation(rotation, entangle, n):
    X = _data(n, 4, n, np.float32)
    got = np.asarray(_batched_states(jnp.asarray(X), None, 3, rotation=rotation, entangle=entangle,
                                     trainable=False))
    want = np.stack([dense_state(x, rotation, entangle, 3) for x in X])
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6)


@pytest.mark.numerics
def test_batched_states_with_the_trainable_prefix_match_a_dense_simulation():
    X, theta = _data(1, 3, 4, np.float32), np.array([0.3, -1.1, 2.0, 0.7], np.float32)
    got = np.asarray(_batched_states(jnp.asarray(X), jnp.asarray(theta), 2, rotation="rx", entangle=True,
                                     trainable=True))
    want = np.stack([dense_state(x, "rx", True, 2, prefix=theta) for x in X])
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6)


@pytest.mark.numerics
@pytest.mark.parametrize("n", [1, 2, 3, 8])
@pytest.mark.parametrize("layers", [1, 2])
def test_batched_states_do_not_depend_on_the_batch_bitwise(n, layers):
    X = jnp.asarray(_data(10 + n, 6, n, np.float32))
    fn = jax.jit(lambda X, L: _batched_states(X, None, L, rotation="rx", entangle=True, trainable=False))
    alone = jnp.concatenate([fn(X[i:i + 1], jnp.int32(layers)) for i in range(X.shape[0])])
    same(fn(X, jnp.int32(layers)), alone)
    same(fn(X[::-1], jnp.int32(layers))[::-1], alone)


@pytest.mark.parametrize("entanglement", ["linear", "full"])
@pytest.mark.parametrize("layers", [0, 1, 3])
def test_fidelities_do_not_see_the_constant_tail(entanglement, layers):
    # "full" has couplings across both halves of the wires (the merged diagonal's cross factors)
    X = jnp.asarray(np.random.default_rng(0).uniform(0, 2 * np.pi, (4, 5)), jnp.float32)
    for circuit in (named_circuit("hee", 5), zz_feature_map(5, reps=1, entanglement=entanglement)):
        kw = dict(mixed=False, dtype=jnp.complex64)
        full = simulator.simulate(circuit, X, None, None, layers, **kw)
        cut = simulator.simulate(circuit, X, None, None, layers, upto_constant=True, **kw)
        traced = simulator.simulate(circuit, X, None, None, jnp.int32(layers), **kw)
        np.testing.assert_allclose(traced, full, atol=1e-6)
        np.testing.assert_allclose(jnp.linalg.norm(full, axis=0), 1.0, atol=1e-5)
        np.testing.assert_allclose(jnp.abs(cut.conj().T @ cut) ** 2, jnp.abs(full.conj().T @ full) ** 2,
                                   atol=1e-5)


def test_constant_tail_stops_at_the_last_pass_that_reads_x():
    hee = simulator.plan(named_circuit("hee", 4), False, False)
    assert [op.kind for op in hee.layer[simulator.constant_tail(hee.layer):]] == ["perm"]
    zz = simulator.plan(zz_feature_map(4, reps=1, entanglement="linear"), False, False)
    assert simulator.constant_tail(zz.layer) == len(zz.layer)
    assert zz.layer[-1].kind == "diag"  # the three couplings are one pass


def test_start_after_a_two_qubit_gate_applies_the_rest():
    prefix = (gate("H", 0), gate("CNOT", (0, 1)), gate("RY", 2, 1.0))  # one(0), perm, one(2)
    c = Circuit(3, (gate("RZ", 0, feature(0)),), prefix=prefix)
    S = simulator.simulate(c, jnp.ones((2, 3)), None, None, 0, mixed=False, dtype=jnp.complex64)
    want = np.zeros(8)
    want[[0, 6]] = np.cos(0.5) / np.sqrt(2)
    want[[1, 7]] = np.sin(0.5) / np.sqrt(2)
    np.testing.assert_allclose(S[:, 0], want, atol=1e-6)


def _fidelities(S):
    return jnp.abs(S.conj().T @ S) ** 2


@pytest.mark.parametrize("n", [2, 3, 5])
def test_the_rewritten_hee_has_the_fidelities_of_the_circuit(n):
    # n = 5: the last wire's moved RZ reads wires (0, 1, 4), across both halves of the diagonal's tables
    X = jnp.asarray(np.random.default_rng(1).uniform(0, 2 * np.pi, (4, n)), jnp.float32)
    kw = dict(mixed=False, dtype=jnp.complex64)
    for circuit in (named_circuit("hee", n), named_circuit("ry-hee", n)):  # ry-hee: a trainable prefix
        params = jnp.asarray([0.3 * k + 0.1 for k in range(n)], jnp.float32) if circuit.n_params else None
        for layers in range(5):
            full = simulator.simulate(circuit, X, params, None, layers, **kw)
            for depth in (layers, jnp.int32(layers)):
                cut = simulator.simulate(circuit, X, params, None, depth, upto_constant=True, **kw)
                assert_allclose(_fidelities(cut), _fidelities(full), atol=1e-5)


def test_the_hee_of_two_layers_is_a_product_state_and_one_diagonal():
    fp = simulator.fidelity_plan(named_circuit("hee", 6))
    assert [op.kind for op in fp.two.layer] == ["one"] * 6 + ["diag"]
    assert [op.kind for op in fp.block.layer] == ["one"] * 6 + ["diag"]
    # the ZZ map ends in diagonals behind no permutation: nothing to gain
    assert simulator.fidelity_plan(zz_feature_map(6, reps=1, entanglement="linear")) is None


def test_moved_rotations_read_parities_through_cnots_swaps_and_xs():
    # RX last on every wire, then a network that the lifted H's cannot all pass (X, SWAP, CNOT)
    layer = (gate("RX", 0, feature(0)), gate("RX", 1, feature(1)), gate("RX", 2, feature(2)),
             gate("CNOT", (0, 1)), gate("SWAP", (1, 2)), gate("X", 0), gate("CNOT", (2, 0)),
             gate("RZ", 1, feature(0, scale=0.7)), gate("IsingZZ", (0, 2), feature(1)))
    c = Circuit(3, layer)
    X = jnp.asarray(np.random.default_rng(2).uniform(0, 2 * np.pi, (5, 3)), jnp.float32)
    kw = dict(mixed=False, dtype=jnp.complex64)
    for layers in (1, 2, 3):
        full = simulator.simulate(c, X, None, None, layers, **kw)
        gates = simulator.fidelity_gates(c.layer * layers)
        assert any(g.name == simulator.ZSTRING for g in gates)
        cut = simulator.simulate(c, X, None, None, layers, upto_constant=True, **kw)
        assert_allclose(_fidelities(cut), _fidelities(full), atol=1e-5)


def test_a_float32_zz_template_with_ising_couplings_runs_natively_and_is_cut():
    # the angles 2 (pi - x_i)(pi - x_j) are checked in double precision whatever the x64 flag, and a
    # diagonal two-qubit gate after Hadamards stays diagonal (the cut can cross it)
    qml = pytest.importorskip("pennylane")
    import warnings

    from embtheory.qkernels import fidelity_gram
    from embtheory.qkernels.circuits import to_circuit

    def template(x, wires):
        for _ in range(2):
            for k, w in enumerate(wires):
                qml.Hadamard(wires=w)
                qml.RZ(2 * x[k], wires=w)
            for k in range(len(wires) - 1):
                qml.IsingZZ(2 * (np.pi - x[k]) * (np.pi - x[k + 1]), wires=[wires[k], wires[k + 1]])

    n = simulator.CUT_FROM
    X = np.random.default_rng(7).uniform(0, 2 * np.pi, (4, n)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to PennyLane, no dtype warning
        K = fidelity_gram(X, embedding=template)
    circuit = to_circuit(template, n)
    assert simulator.cut_plan(circuit, 1) is not None
    builtin = fidelity_gram(X, embedding=zz_feature_map(n, reps=2, entanglement="linear"))
    assert_allclose(K, builtin, rtol=0, atol=2e-6)  # RZ and IsingZZ: the same map up to global phases

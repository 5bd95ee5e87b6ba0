"""The native circuit form against PennyLane circuits and closed forms written here.

Every gate's matrix is PennyLane's; a circuit of every gate kind (both wire orders, constant
unitaries, trainable angles, feature products) gives PennyLane's state, with and without
depolarising noise, and past the size where neighbouring gates are fused into dense blocks.  The
ZZ feature map is checked against its closed form (a diagonal phase after every Hadamard layer)
and against a PennyLane circuit; the Pauli feature map against ``expm`` of its Pauli strings in
Qiskit's reading (the last character on the block's first qubit).
"""

from __future__ import annotations

import functools
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

qml = pytest.importorskip("pennylane")

from dense_states import same  # noqa: E402

from embtheory.core.testing import assert_allclose  # noqa: E402
from embtheory.qkernels import (  # noqa: E402
    Circuit,
    circuit_unitaries,
    embed,
    feature,
    feature_product,
    fidelity_from_states,
    fidelity_gram,
    gate,
    named_circuit,
    param,
    pauli_feature_map,
    projected_from_states,
    projected_gram,
    raw_feature_product,
    simulator,
    zz_feature_map,
)

pytestmark = [pytest.mark.numerics, pytest.mark.x64]

_PL = {"RX": qml.RX, "RY": qml.RY, "RZ": qml.RZ, "PhaseShift": qml.PhaseShift, "Rot": qml.Rot,
       "H": qml.Hadamard, "S": qml.S, "T": qml.T, "X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ,
       "CNOT": qml.CNOT, "CZ": qml.CZ, "SWAP": qml.SWAP, "IsingXX": qml.IsingXX, "IsingYY": qml.IsingYY,
       "IsingZZ": qml.IsingZZ}
_ARITY = {"RX": 1, "RY": 1, "RZ": 1, "PhaseShift": 1, "Rot": 3, "IsingXX": 1, "IsingYY": 1, "IsingZZ": 1}


def _random_unitary(d, seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


@pytest.mark.parametrize("name", sorted(_PL))
def test_every_gate_matrix_is_pennylanes(name):
    two = name in ("CNOT", "CZ", "SWAP", "IsingXX", "IsingYY", "IsingZZ")
    k = _ARITY.get(name, 0)
    angles = [0.7, -1.3, 2.1][:k]
    wires = (1, 0) if two else (0,)
    x = np.array([0.4, -0.9])
    c = Circuit(2, (gate(name, wires, *angles), gate("RY", 0, feature(0))))
    (w, U), _ = circuit_unitaries(c, x)
    assert w == wires
    ref = qml.matrix(_PL[name](*angles, wires=list(wires)), wire_order=list(wires))
    assert_allclose(np.asarray(U), ref, rtol=0, atol=1e-14)


def _mixed_circuit(n):
    """Every gate kind, both wire orders, data, products, constants, parameters and QubitUnitary."""
    u2, u4 = _random_unitary(2, 3), _random_unitary(4, 5)
    layer = [
        gate("H", 0), gate("RX", 1, feature(1, scale=0.5, offset=0.2)), gate("S", 2), gate("T", 0),
        gate("RY", 2, feature(2)), gate("RZ", 0, feature(0, scale=-1.5)), gate("PhaseShift", 1, 0.3),
        gate("Rot", 2, feature(0), param(0), 0.4), gate("CNOT", (2, 0)), gate("CZ", (0, 1)),
        gate("IsingXX", (1, 2), feature_product(1, 2, scale=0.7)), gate("IsingYY", (2, 1), param(1)),
        gate("IsingZZ", (0, 2), raw_feature_product(0, 2)), gate("SWAP", (1, 0)), gate("X", 1), gate("Y", 2),
        gate("Z", 0), gate("QubitUnitary", 1, matrix=u2), gate("QubitUnitary", (2, 0), matrix=u4),
        gate("CNOT", (0, 1)), gate("RX", 0, feature(2)),
    ]
    layer += [gate("RY", k, feature(k % 3)) for k in range(3, n)]
    layer += [gate("CNOT", (k, k + 1)) for k in range(2, n - 1)]
    return Circuit(n, tuple(layer), prefix=(gate("RY", 1, param(2)),), n_features=3)


def _pennylane_qnode(circuit, *, noise=None, layers=1):
    """The circuit queued gate by gate on PennyLane's simulators (noise after every data gate)."""
    n = circuit.n_qubits
    dev = qml.device("default.qubit" if noise is None else "default.mixed", wires=n)

    def angle(a, x, params):
        src = {"const": lambda: 0.0, "x": lambda: x[a.index[0]], "param": lambda: params[a.index[0]],
               "prod": lambda: np.prod([np.pi - x[i] for i in a.index]),
               "xprod": lambda: np.prod([x[i] for i in a.index])}[a.kind]()
        return a.scale * src + a.offset

    def queue(g, x, params):
        if g.name == "QubitUnitary":
            qml.QubitUnitary(np.array(g.matrix), wires=list(g.wires))
        else:
            _PL[g.name](*[angle(a, x, params) for a in g.angles], wires=list(g.wires))
        if noise is not None and any(a.kind in ("x", "prod", "xprod") for a in g.angles):
            for w in g.wires:
                qml.DepolarizingChannel(noise, wires=w)

    @qml.qnode(dev)
    def state(x, params):
        for g in circuit.prefix:
            queue(g, x, params)
        for _ in range(circuit.layers * layers):
            for g in circuit.layer:
                queue(g, x, params)
        return qml.state()

    return state


@pytest.mark.parametrize("noise", [None, 0.03])
def test_a_circuit_of_every_gate_kind_gives_pennylanes_state(noise):
    circuit = _mixed_circuit(4)
    X = np.random.default_rng(0).uniform(0, 2 * np.pi, (3, 3))
    params = np.array([0.3, -0.8, 1.9])
    got = embed(X, embedding=circuit, layers=2, params=params, noise=noise)
    qnode = _pennylane_qnode(circuit, noise=noise, layers=2)
    ref = np.stack([qnode(x, params) for x in X])
    assert_allclose(got, ref, rtol=0, atol=1e-12)


def test_the_dense_fused_blocks_give_pennylanes_state_at_14_qubits():
    n = 14  # from simulator.DENSE_FROM on, neighbouring one-qubit matrices are one dense block per pass
    layer = [gate("RX", k, feature(k)) for k in range(n)]
    layer += [gate("RZ", k, feature(k, scale=0.5)) for k in range(n)]
    layer += [gate("CNOT", (k, (k + 1) % n)) for k in range(n)]
    layer += [gate("IsingZZ", (3, 9), feature_product(3, 9))]
    circuit = Circuit(n, tuple(layer))
    X = np.random.default_rng(1).uniform(0, 2 * np.pi, (2, n))
    got = embed(X, embedding=circuit, layers=2)
    qnode = _pennylane_qnode(circuit, layers=2)
    assert_allclose(got, np.stack([qnode(x, None) for x in X]), rtol=0, atol=1e-11)


def test_circuit_unitaries_rebuild_the_state():
    circuit = _mixed_circuit(4)
    x, params = np.array([0.5, 1.7, -2.2]), np.array([0.3, -0.8, 1.9])
    ops = circuit_unitaries(circuit, x, params)
    assert len(ops) == len(circuit.prefix) + len(circuit.layer)
    psi = np.zeros(16, complex)
    psi[0] = 1
    for wires, U in ops:  # the dense operator of U on `wires` (first wire most significant), in numpy
        U = np.asarray(U)
        k = len(wires)
        t = psi.reshape((2,) * 4)
        t = np.moveaxis(np.tensordot(U.reshape((2,) * (2 * k)), t, axes=(list(range(k, 2 * k)), list(wires))),
                        list(range(k)), list(wires))
        psi = t.reshape(-1)
    ref = _pennylane_qnode(circuit)(x, params)
    assert_allclose(psi, ref, rtol=0, atol=1e-12)


def test_named_circuits_give_the_named_embeddings_unchanged():
    X = np.random.default_rng(2).uniform(0, 2 * np.pi, (4, 3))
    for name in ("hee", "rx", "ry", "hrz"):
        assert_allclose(embed(X, embedding=named_circuit(name, 3), layers=3),
                        embed(X, embedding=name, layers=3), rtol=0, atol=0)
    theta = np.array([0.1, 0.2, -0.3])
    assert_allclose(fidelity_gram(X, embedding=named_circuit("ry-hee", 3), params=theta, layers=2),
                    fidelity_gram(X, embedding="ry-hee", params=theta, layers=2), rtol=0, atol=0)


# -- ZZ and Pauli feature maps ---------------------------------------------------------------

def _pairs(n, entanglement):
    if entanglement == "full":
        return list(itertools.combinations(range(n), 2))
    linear = [(i, i + 1) for i in range(n - 1)]
    return linear if entanglement == "linear" or n == 2 else [(n - 1, 0), *linear]


def _zz_closed_form(x, entanglement, reps):
    """Per layer: H on every qubit, then the phase exp(2i [sum x_i b_i + sum phi_ij (b_i xor b_j)])."""
    n = len(x)
    b = (np.arange(2**n)[:, None] >> (n - 1 - np.arange(n))) & 1
    phase = b @ x
    for i, j in _pairs(n, entanglement):
        phase = phase + (np.pi - x[i]) * (np.pi - x[j]) * (b[:, i] ^ b[:, j])
    hn = functools.reduce(np.kron, [np.array([[1, 1], [1, -1]]) / np.sqrt(2)] * n)
    psi = np.zeros(2**n, complex)
    psi[0] = 1
    for _ in range(reps):
        psi = np.exp(2j * phase) * (hn @ psi)
    return psi


def _zz_pennylane(n, entanglement, reps):
    @qml.qnode(qml.device("default.qubit", wires=n))
    def state(x):
        for _ in range(reps):
            for i in range(n):
                qml.Hadamard(wires=i)
                qml.PhaseShift(2 * x[i], wires=i)
            for i, j in _pairs(n, entanglement):
                qml.CNOT(wires=[i, j])
                qml.PhaseShift(2 * (np.pi - x[i]) * (np.pi - x[j]), wires=j)
                qml.CNOT(wires=[i, j])
        return qml.state()

    return state


@pytest.mark.parametrize("entanglement", ["linear", "circular", "full"])
@pytest.mark.parametrize("n", [2, 4])
def test_zz_feature_map_matches_its_closed_form_and_a_pennylane_circuit(entanglement, n):
    X = np.random.default_rng(n).uniform(0, 2 * np.pi, (3, n))
    got = embed(X, embedding=zz_feature_map(n, reps=2, entanglement=entanglement))
    assert_allclose(got, np.stack([_zz_closed_form(x, entanglement, 2) for x in X]), rtol=0, atol=1e-12)
    qnode = _zz_pennylane(n, entanglement, 2)
    assert_allclose(got, np.stack([qnode(x) for x in X]), rtol=0, atol=1e-12)
    # layers= repeats the map's layer: reps 2 with layers 3 is reps 6
    assert_allclose(embed(X, embedding=zz_feature_map(n, reps=2, entanglement=entanglement), layers=3),
                    np.stack([_zz_closed_form(x, entanglement, 6) for x in X]), rtol=0, atol=1e-11)


@pytest.mark.x64
@pytest.mark.parametrize(("entanglement", "reps", "n"),
                         [("linear", 2, 12), ("linear", 3, 13), ("circular", 2, 13)])
def test_the_zz_map_simulated_as_two_halves_gives_pennylanes_state(entanglement, reps, n):
    # from simulator.CUT_FROM qubits on, a map whose couplings across the middle are few runs as two halves
    circuit = zz_feature_map(n, reps=reps, entanglement=entanglement)
    cp = simulator.cut_plan(circuit, reps)
    assert cp is not None and len(cp.cross) == {"linear": reps - 1, "circular": 2}[entanglement]
    X = np.random.default_rng(n).uniform(0, 2 * np.pi, (2, n))
    got = embed(X, embedding=circuit)
    qnode = _zz_pennylane(n, entanglement, reps)
    assert_allclose(got, np.stack([qnode(x) for x in X]), rtol=0, atol=1e-12)


def test_the_cut_simulation_applies_only_where_the_gates_across_the_middle_are_diagonal():
    assert simulator.cut_plan(zz_feature_map(14, reps=2, entanglement="full"), 2) is None
    assert simulator.cut_plan(named_circuit("hee", 14), 2) is None  # the CNOT ring crosses the cut
    assert simulator.cut_plan(zz_feature_map(14, reps=1, entanglement="linear"), 1) is None  # two passes
    small = zz_feature_map(simulator.CUT_FROM - 1, reps=2, entanglement="linear")
    assert simulator.cut_plan(small, 2) is None
    # one more crossing coupling than CUT_GATES before the last layer: the plain simulation
    circular = zz_feature_map(14, reps=2, entanglement="circular")
    assert simulator.cut_plan(circular, simulator.CUT_GATES) is None


@pytest.mark.parametrize("entanglement", ["linear", "circular"])  # two and four labels per half
def test_the_cut_simulation_equals_the_plain_one_and_is_batch_independent(monkeypatch, entanglement):
    n = simulator.CUT_FROM
    X = jnp.asarray(np.random.default_rng(3).uniform(0, 2 * np.pi, (5, n)), jnp.float32)
    circuit = zz_feature_map(n, reps=2, entanglement=entanglement)
    kw = dict(mixed=False, dtype=jnp.complex64)
    assert simulator.cut_plan(circuit, 2) is not None
    halves = jax.jit(lambda X: simulator.simulate(circuit, X, None, None, 2, **kw))
    S = halves(X)
    alone = jnp.concatenate([halves(X[i:i + 1]) for i in range(X.shape[0])], axis=1)
    same(S, alone)  # one result per point, whatever shares its batch
    same(halves(X[::-1])[:, ::-1], S)
    assert_allclose(fidelity_gram(X, embedding=circuit), jnp.abs(S.conj().T @ S) ** 2, rtol=0, atol=0)
    monkeypatch.setattr(simulator, "CUT_FROM", n + 1)
    simulator.cut_plan.cache_clear()
    try:
        plain = simulator.simulate(circuit, X, None, None, 2, **kw)
    finally:
        monkeypatch.undo()
        simulator.cut_plan.cache_clear()
    assert_allclose(S, plain, rtol=0, atol=2e-6)


@pytest.mark.parametrize("entanglement", ["linear", "full"])  # full: couplings across both tables
def test_a_product_state_and_one_diagonal_pass_written_at_once_give_pennylanes_state(entanglement):
    n = simulator.DENSE_FROM  # from here on, the product state and the diagonal are one write
    circuit = zz_feature_map(n, reps=1, entanglement=entanglement)
    assert [op.kind for op in simulator.plan(circuit, False, False).layer][-1] == "diag"
    X = np.random.default_rng(5).uniform(0, 2 * np.pi, (2, n))
    qnode = _zz_pennylane(n, entanglement, 1)
    assert_allclose(embed(X, embedding=circuit), np.stack([qnode(x) for x in X]), rtol=0, atol=1e-12)
    X32 = jnp.asarray(X, jnp.float32)
    S = embed(X32, embedding=circuit)
    same(S, jnp.concatenate([embed(X32[i:i + 1], embedding=circuit) for i in range(2)]))
    # the L = 2 HEE's fidelities: a product state and one diagonal pass (with a factor across both tables)
    H = embed(X32, embedding="hee", layers=2)
    assert_allclose(fidelity_gram(X32, embedding="hee", layers=2), jnp.abs(H.conj() @ H.T) ** 2,
                    rtol=0, atol=2e-6)


_P = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
      "Z": np.diag([1.0, -1.0])}


def _pauli_reference(x, paulis, entanglement, reps, alpha):
    """expm of each Pauli term, read as Qiskit does (the last character on the block's first qubit)."""
    n = len(x)
    hn = functools.reduce(np.kron, [np.array([[1, 1], [1, -1]]) / np.sqrt(2)] * n)
    psi = np.zeros(2**n, complex)
    psi[0] = 1
    for _ in range(reps):
        psi = hn @ psi
        for p in paulis:
            k = len(p)
            if k == 1:
                blocks = [(i,) for i in range(n)]
            elif entanglement == "full":
                blocks = list(itertools.combinations(range(n), k))
            else:
                blocks = [tuple(range(i, i + k)) for i in range(n - k + 1)]
                if entanglement == "circular" and n > k:
                    blocks = [(*range(n - k + 1, n), 0), *blocks]
            for block in blocks:
                ops = [np.eye(2)] * n
                for pos, q in enumerate(block):
                    ops = [*ops[:q], _P[p[k - 1 - pos]], *ops[q + 1:]]
                phi = x[block[0]] if k == 1 else np.prod([np.pi - x[q] for q in block])
                psi = scipy.linalg.expm(-0.5j * alpha * phi * functools.reduce(np.kron, ops)) @ psi
    return psi


@pytest.mark.parametrize(("paulis", "entanglement"),
                         [(("X", "YZ"), "linear"), (("Z", "XY", "ZIX"), "circular"), (("Y", "ZX"), "full")])
def test_pauli_feature_map_matches_expm_of_its_pauli_strings(paulis, entanglement):
    n = 4
    X = np.random.default_rng(5).uniform(0, 2 * np.pi, (3, n))
    emb = pauli_feature_map(n, paulis=paulis, reps=2, entanglement=entanglement, alpha=1.3)
    got = embed(X, embedding=emb)
    ref = np.stack([_pauli_reference(x, paulis, entanglement, 2, 1.3) for x in X])
    overlap = np.abs(np.sum(np.conj(ref) * np.asarray(got), axis=1))  # equal up to a global phase
    assert_allclose(overlap, np.ones(3), rtol=0, atol=1e-12)


# -- PennyLane templates and QNodes, natively ------------------------------------------------

def _zz_template(x, wires):
    n = len(wires)
    for _ in range(2):
        for i, w in enumerate(wires):
            qml.Hadamard(wires=w)
            qml.RZ(2 * x[i], wires=w)
        for i in range(n - 1):
            qml.CNOT(wires=[wires[i], wires[i + 1]])
            qml.RZ(2 * (np.pi - x[i]) * (np.pi - x[i + 1]), wires=wires[i + 1])
            qml.CNOT(wires=[wires[i], wires[i + 1]])


def test_a_template_runs_natively_with_the_same_kernels_as_pennylane():
    from embtheory.qkernels.circuits import to_circuit

    X = np.random.default_rng(6).uniform(0, 2 * np.pi, (5, 4))
    circuit = to_circuit(_zz_template, 4)
    assert {g.name for g in circuit.layer} == {"H", "RZ", "CNOT"}
    native = fidelity_gram(X, embedding=_zz_template, layers=2)
    assert_allclose(native, fidelity_gram(X, embedding=_zz_template, layers=2, backend="pennylane"),
                    rtol=0, atol=1e-12)
    qnode = qml.QNode(lambda x: (_zz_template(x, range(4)), _zz_template(x, range(4)), qml.state())[-1],
                      qml.device("default.qubit", wires=4))
    S = np.stack([qnode(x) for x in X])  # layers=2 repeats the template, re-uploading x
    assert_allclose(native, np.abs(S.conj() @ S.T) ** 2, rtol=0, atol=1e-12)
    assert_allclose(projected_gram(X, embedding=_zz_template, noise=0.02),
                    projected_gram(X, embedding=_zz_template, noise=0.02, backend="pennylane"),
                    rtol=0, atol=1e-12)


def test_a_qnode_converts_and_decomposed_operations_run_natively():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def qnode(x):
        qml.AngleEmbedding(x, wires=range(3), rotation="Y")
        qml.CRX(x[0], wires=[0, 2])  # decomposed into native gates
        qml.QFT(wires=range(3))
        return qml.state()

    X = np.random.default_rng(7).uniform(0, 2 * np.pi, (3, 3))
    got = embed(X, embedding=qnode)
    assert_allclose(got, np.stack([qnode(x) for x in X]), rtol=0, atol=1e-12)


def test_an_unsupported_template_falls_back_to_pennylane_with_one_warning_naming_it():
    def template(x, wires):
        qml.RY(qml.math.sin(x[0]), wires=wires[0])
        qml.RX(x[1], wires=wires[1])

    X = np.random.default_rng(8).uniform(0, 2 * np.pi, (3, 2))
    with pytest.warns(UserWarning, match="operation RY on wires \\[0\\]") as record:
        K = fidelity_gram(X, embedding=template)
    assert len([r for r in record if issubclass(r.category, UserWarning)
                and "pennylane" in str(r.message)]) == 1
    assert_allclose(K, fidelity_gram(X, embedding=template, backend="pennylane"), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="backend='pennylane'"):
        fidelity_gram(X, embedding=template, backend="native")


# -- states computed once, both kernels ------------------------------------------------------

@pytest.mark.parametrize("noise", [None, 0.05])
def test_kernels_from_states_equal_the_kernels(noise):
    X = np.random.default_rng(9).uniform(0, 2 * np.pi, (5, 3))
    Y = np.random.default_rng(10).uniform(0, 2 * np.pi, (2, 3))
    emb = zz_feature_map(3, reps=1)
    SX, SY = embed(X, embedding=emb, noise=noise), embed(Y, embedding=emb, noise=noise)
    assert_allclose(fidelity_from_states(SX, SY), fidelity_gram(X, Y, embedding=emb, noise=noise), rtol=0,
                    atol=1e-12)
    assert_allclose(projected_from_states(SX, gamma=0.7),
                    projected_gram(X, embedding=emb, noise=noise, gamma=0.7), rtol=0, atol=1e-12)
    assert_allclose(projected_from_states(SX, SY, exponent=True),
                    projected_gram(X, Y, embedding=emb, noise=noise, exponent=True), rtol=0, atol=1e-12)


def test_chunk_size_never_changes_a_state_or_a_kernel():
    X = jnp.asarray(np.random.default_rng(11).uniform(0, 2 * np.pi, (7, 4)))
    emb = zz_feature_map(4, reps=2, entanglement="circular")
    full = embed(X, embedding=emb)
    for chunk in (1, 3, 7):
        np.testing.assert_array_equal(np.asarray(embed(X, embedding=emb, chunk_size=chunk)), np.asarray(full))
    K = fidelity_gram(X, embedding=emb, noise=0.01)
    np.testing.assert_array_equal(np.asarray(fidelity_gram(X, embedding=emb, noise=0.01, chunk_size=2)),
                                  np.asarray(K))


# -- bad input ---------------------------------------------------------------------------------

def test_bad_circuits_and_states_are_refused_with_the_argument_named():
    with pytest.raises(ValueError, match="gate name must be one of"):
        gate("Toffoli", (0, 1, 2))
    with pytest.raises(ValueError, match="out of range for n_qubits=2"):
        Circuit(2, (gate("RX", 2, feature(0)),))
    with pytest.raises(ValueError, match="never reads x"):
        Circuit(2, (gate("RX", 0, 0.3), gate("CNOT", (0, 1))))
    with pytest.raises(ValueError, match="must be finite"):
        gate("RX", 0, float("nan"))
    with pytest.raises(ValueError, match="unitary"):
        gate("QubitUnitary", 0, matrix=np.ones((2, 2)))
    c = _mixed_circuit(3)
    X = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"params of shape \(3,\)"):
        embed(X, embedding=c)
    with pytest.raises(ValueError, match=r"params must have shape \(3,\)"):
        embed(X, embedding=c, params=np.zeros(2))
    with pytest.raises(ValueError, match="params contains NaN"):
        embed(X, embedding=c, params=np.array([0.0, np.nan, 0.0]))
    with pytest.raises(ValueError, match="X contains NaN"):
        embed(np.array([[0.0, np.nan, 0.0]]), embedding=c, params=np.zeros(3))
    with pytest.raises(ValueError, match=r"X of shape \(N, 3\)"):
        embed(np.zeros((2, 4)), embedding=c, params=np.zeros(3))
    with pytest.raises(TypeError, match="exponent"):
        projected_gram(X, exponent="no")
    S = embed(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"a\[0\] has squared norm 0"):
        fidelity_from_states(jnp.zeros_like(S))
    with pytest.raises(ValueError, match=r"b\[0\] has squared norm 4"):
        fidelity_from_states(S, 2 * S)
    with pytest.raises(ValueError, match=r"a\[0\] has trace 2"):
        projected_from_states(2 * embed(np.zeros((2, 2)), noise=0.1))

    def constant(x, wires):
        qml.RX(0.3, wires=wires[0])

    with pytest.raises(ValueError, match="never reads x"):
        embed(np.zeros((2, 1)), embedding=constant)


def test_circuit_unitaries_is_traceable_and_checks_its_point():
    c = named_circuit("ry-hee", 2)
    f = jax.jit(lambda x, p: circuit_unitaries(c, x, p)[-1][1])
    assert f(jnp.zeros(2), jnp.zeros(2)).shape == (4, 4)
    with pytest.raises(ValueError, match=r"x must have shape \(2,\)"):
        circuit_unitaries(c, np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="params"):
        circuit_unitaries(c, np.zeros(2))

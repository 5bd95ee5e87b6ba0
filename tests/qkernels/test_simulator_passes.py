"""The pass cuts of the simulator: merged diagonals, the product-state start, the constant tail."""

import jax.numpy as jnp
import numpy as np
import pytest
from numpy.testing import assert_allclose

from embtheory.qkernels import named_circuit, simulator, zz_feature_map
from embtheory.qkernels.circuit import Circuit, feature, gate


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
        assert_allclose(traced, full, atol=1e-6)
        assert_allclose(jnp.linalg.norm(full, axis=0), 1.0, atol=1e-5)
        assert_allclose(jnp.abs(cut.conj().T @ cut) ** 2, jnp.abs(full.conj().T @ full) ** 2, atol=1e-5)


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
    assert_allclose(S[:, 0], want, atol=1e-6)


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

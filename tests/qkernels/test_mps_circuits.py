"""Any native circuit (and a PennyLane template that converts) on the MPS backend.

The reference is PennyLane's ``default.qubit`` statevector of a circuit written here, with gates on
non-neighbouring wires (routed with swaps by the MPS backend) and a product of features as an angle.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = [pytest.mark.pennylane, pytest.mark.x64]


def _template(x, wires):
    import pennylane as qml

    for w in wires:
        qml.Hadamard(wires=w)
        qml.RZ(2.0 * x[w], wires=w)
    for a, b in ((0, 3), (1, 2), (3, 1)):
        qml.CNOT(wires=[wires[a], wires[b]])
        qml.RZ(2.0 * (np.pi - x[a]) * (np.pi - x[b]), wires=wires[b])
        qml.CNOT(wires=[wires[a], wires[b]])
    qml.IsingXX(x[0], wires=[wires[0], wires[2]])


def _pennylane_states(X):
    import pennylane as qml

    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def state(x):
        _template(x, range(4))
        return qml.state()

    return np.stack([np.asarray(state(x)) for x in X])


def test_a_template_runs_on_mps_and_matches_pennylane():
    from embtheory.qkernels import fidelity_gram, projected_gram

    X = np.random.default_rng(3).uniform(0, np.pi, (5, 4))
    S = _pennylane_states(X)
    want = np.abs(S.conj() @ S.T) ** 2
    got = np.asarray(fidelity_gram(X, embedding=_template, backend="mps"))
    np.testing.assert_allclose(got, want, atol=1e-12)
    # the projected kernel from one-qubit reduced states of the same statevectors
    rho = [[np.einsum("iabc,jabc->ij", np.moveaxis(s.reshape(2, 2, 2, 2), k, 0),
                      np.moveaxis(s.reshape(2, 2, 2, 2), k, 0).conj()) for k in range(4)] for s in S]
    D = np.array([[sum(np.sum(np.abs(ra[k] - rb[k]) ** 2) for k in range(4)) for rb in rho] for ra in rho])
    np.testing.assert_allclose(np.asarray(projected_gram(X, embedding=_template, backend="mps")),
                               np.exp(-D), atol=1e-12)


def test_a_native_circuit_on_mps_equals_the_statevector_backend():
    from embtheory.qkernels import fidelity_gram, zz_feature_map

    X = np.random.default_rng(4).uniform(0, np.pi, (4, 6))
    circuit = zz_feature_map(6, reps=2, entanglement="full")
    np.testing.assert_allclose(np.asarray(fidelity_gram(X, embedding=circuit, backend="mps")),
                               np.asarray(fidelity_gram(X, embedding=circuit)), atol=1e-12)


def test_noise_on_mps_is_still_refused():
    from embtheory.qkernels import fidelity_gram, zz_feature_map

    with pytest.raises(ValueError, match="pure states"):
        fidelity_gram(np.zeros((2, 3)), embedding=zz_feature_map(3), backend="mps", noise=0.1)

"""Circuit oracles written here, gate by gate, sharing nothing with the package's circuits.

Every circuit of the paper is spelled out below as an explicit PennyLane gate loop (the HEE with its
ring of CNOTs and ONE CNOT at n = 2, RY-then-HEE, the product embeddings RX, RY and H.RZ), the
Loschmidt echo with its inverse written out by hand (gates reversed, angles negated), and the
depolarising echo of Fig. 8 on ``default.mixed`` (a channel right after every rotation, in ``U(x)`` and in
``U(y)^dagger``: 2L noisy layers).  The package's native simulator, and its PennyLane backend, are
checked against them.  Nothing here imports ``embtheory.qkernels.circuits``.
"""

from __future__ import annotations

import numpy as np
import pytest

qml = pytest.importorskip("pennylane")

from embtheory.core.testing import assert_allclose  # noqa: E402
from embtheory.qkernels import embed, fidelity_gram, projected_gram  # noqa: E402

pytestmark = [pytest.mark.numerics, pytest.mark.x64]


def _ring(n):
    """The published ring: CNOT(k, k+1 mod n); ONE CNOT(0, 1) at n = 2; none at n = 1."""
    if n == 1:
        return []
    if n == 2:
        return [(0, 1)]
    return [(k, (k + 1) % n) for k in range(n)]


def _rotation(kind, angle, wire):
    if kind == "rx":
        qml.RX(angle, wires=wire)
    elif kind == "ry":
        qml.RY(angle, wires=wire)
    else:  # "hrz": Hadamard first, then RZ
        qml.Hadamard(wires=wire)
        qml.RZ(angle, wires=wire)


def _rotation_inverse(kind, angle, wire):
    if kind == "rx":
        qml.RX(-angle, wires=wire)
    elif kind == "ry":
        qml.RY(-angle, wires=wire)
    else:
        qml.RZ(-angle, wires=wire)
        qml.Hadamard(wires=wire)


def _forward(x, n, kind, entangle, layers, theta=None, p=None):
    if theta is not None:
        for k in range(n):
            qml.RY(theta[k], wires=k)
    for _ in range(layers):
        for k in range(n):
            _rotation(kind, x[k], k)
            if p is not None:
                qml.DepolarizingChannel(p, wires=k)
        if entangle:
            for c, t in _ring(n):
                qml.CNOT(wires=[c, t])


def _backward(y, n, kind, entangle, layers, theta=None, p=None):
    """U(y)^dagger written out: layers reversed, CNOTs reversed, rotations negated in reverse order."""
    for _ in range(layers):
        if entangle:
            for c, t in reversed(_ring(n)):
                qml.CNOT(wires=[c, t])
        for k in reversed(range(n)):
            _rotation_inverse(kind, y[k], k)
            if p is not None:
                qml.DepolarizingChannel(p, wires=k)
    if theta is not None:
        for k in reversed(range(n)):
            qml.RY(-theta[k], wires=k)


SETUPS = {  # embedding name -> (rotation, CNOT ring, trainable RY prefix)
    "hee": ("rx", True, False),
    "rx": ("rx", False, False),
    "ry": ("ry", False, False),
    "hrz": ("hrz", False, False),
    "ry-hee": ("rx", True, True),
}


def _state(x, n, name, layers, theta=None):
    kind, ent, _ = SETUPS[name]

    @qml.qnode(qml.device("default.qubit", wires=n))
    def circuit():
        _forward(x, n, kind, ent, layers, theta)
        return qml.state()

    return np.asarray(circuit())


def _echo(x, y, n, name, layers, theta=None, p=None):
    kind, ent, _ = SETUPS[name]
    dev = qml.device("default.mixed" if p is not None else "default.qubit", wires=n)

    @qml.qnode(dev)
    def circuit():
        _forward(x, n, kind, ent, layers, theta, p)
        _backward(y, n, kind, ent, layers, theta, p)
        return qml.probs(wires=range(n))

    return float(np.asarray(circuit())[0])


def _reduced(x, n, name, layers, p=None):
    kind, ent, _ = SETUPS[name]
    dev = qml.device("default.mixed" if p is not None else "default.qubit", wires=n)

    @qml.qnode(dev)
    def circuit():
        _forward(x, n, kind, ent, layers, None, p)
        return [qml.density_matrix(wires=[k]) for k in range(n)]

    return np.stack([np.asarray(r) for r in circuit()])


def _data(seed, N, n):
    return np.random.default_rng(seed).uniform(-np.pi, 3 * np.pi, (N, n))


@pytest.mark.parametrize("name", ["hee", "rx", "ry", "hrz"])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_states_equal_the_explicit_gate_loops(name, n):
    X = _data(n, 3, n)
    ref = np.stack([_state(x, n, name, 3) for x in X])
    for backend in ("native", "pennylane"):
        assert_allclose(embed(X, embedding=name, layers=3, backend=backend), ref, rtol=0, atol=1e-10)


def test_n2_ring_is_one_cnot():
    x = _data(0, 1, 2)[0]
    ours = np.asarray(embed(x[None], embedding="hee", layers=2)[0])
    assert_allclose(ours, _state(x, 2, "hee", 2), rtol=0, atol=1e-10)

    @qml.qnode(qml.device("default.qubit", wires=2))
    def full_ring():  # CNOT(0,1) CNOT(1,0): NOT the published circuit
        for _ in range(2):
            qml.RX(x[0], wires=0)
            qml.RX(x[1], wires=1)
            qml.CNOT(wires=[0, 1])
            qml.CNOT(wires=[1, 0])
        return qml.state()

    assert np.max(np.abs(ours - np.asarray(full_ring()))) > 1e-3


def test_ry_then_hee_equals_the_explicit_loop():
    X, theta = _data(1, 3, 4), np.random.default_rng(2).uniform(-2 * np.pi, 2 * np.pi, 4)
    ref = np.stack([_state(x, 4, "ry-hee", 2, theta) for x in X])
    assert_allclose(embed(X, embedding="ry-hee", params=theta, layers=2), ref, rtol=0, atol=1e-10)
    K = fidelity_gram(X, embedding="ry-hee", params=theta, layers=2)
    echo = np.array([[_echo(a, b, 4, "ry-hee", 2, theta) for b in X] for a in X])
    assert_allclose(K, echo, rtol=0, atol=1e-10)


@pytest.mark.parametrize("name", ["hee", "rx", "hrz"])
def test_fidelity_equals_the_hand_written_echo(name):
    X, Y = _data(3, 3, 3), _data(4, 2, 3)
    ref = np.array([[_echo(a, b, 3, name, 2) for b in Y] for a in X])
    for backend in ("native", "pennylane"):
        assert_allclose(
            fidelity_gram(X, Y, embedding=name, layers=2, backend=backend), ref, rtol=0, atol=1e-10
        )
    # and PennyLane's own per-pair loop over the same echo
    sq = qml.kernels.square_kernel_matrix(
        X, lambda a, b: _echo(a, b, 3, name, 2), assume_normalized_kernel=False
    )
    assert_allclose(fidelity_gram(X, embedding=name, layers=2), sq, rtol=0, atol=1e-10)


@pytest.mark.parametrize("n", [2, 3])
def test_noisy_fidelity_equals_the_depolarising_echo_of_fig8(n):
    X, p = _data(5, 3, n), 0.06
    ref = np.array([[_echo(a, b, n, "hee", 2, p=p) for b in X] for a in X])
    for backend in ("native", "pennylane"):
        assert_allclose(
            fidelity_gram(X, embedding="hee", layers=2, noise=p, backend=backend), ref, rtol=0, atol=1e-10
        )
    assert np.all(np.diag(ref) < 1 - 1e-3)  # the noise acted: the echo of x with itself < 1


@pytest.mark.parametrize("noise", [None, 0.08])
def test_projected_exponent_equals_reduced_states_of_the_explicit_circuit(noise):
    X = _data(6, 4, 3)
    red = np.stack([_reduced(x, 3, "hee", 2, noise) for x in X])
    D = np.array(
        [
            [sum(np.linalg.norm(red[i, k] - red[j, k]) ** 2 for k in range(3)) for j in range(4)]
            for i in range(4)
        ]
    )
    for backend in ("native", "pennylane"):
        kw = dict(embedding="hee", layers=2, noise=noise, backend=backend)
        assert_allclose(projected_gram(X, exponent=True, **kw), D, rtol=0, atol=1e-10)
        assert_allclose(projected_gram(X, gamma=0.7, **kw), np.exp(-0.7 * D), rtol=0, atol=1e-10)

"""The embeddings as PennyLane circuits (the only module of embtheory that imports PennyLane).

PennyLane is optional (the ``pennylane`` extra): ``import embtheory.qkernels`` never imports it;
this module is imported only when ``backend="pennylane"`` or a user template asks for it, and
raises one ``ImportError`` line naming ``pip install "embtheory[pennylane]"`` when it is missing.

A *template* is a function ``f(x, wires)`` that queues gates, PennyLane's usual form.
:func:`layered_template` builds the paper's embeddings; any user template works too.  From a
template this module makes

- :func:`state_qnode`: ``x -> |psi(x)>`` on ``default.qubit`` (or ``x -> rho(x)`` on
  ``default.mixed``), a QNode that traces under ``jax.jit`` and ``jax.vmap`` (backprop);
- :func:`echo_qnode`: the per-pair Loschmidt echo ``(x, y) -> P(0...0 | U(y)^dagger U(x))``, the
  circuit a quantum computer would run and the test oracle of every fast kernel;
- :func:`reduced_states_qnode`: every qubit's reduced density matrix, the projected kernel's oracle.

The native simulator (:mod:`embtheory.qkernels.simulator`) computes the same states without
PennyLane; the tests hold the two equal to 1e-10 in float64.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import jax.numpy as jnp

from embtheory.qkernels.simulator import ROTATIONS, ring_pairs

PENNYLANE_MISSING = ('PennyLane is not installed: install with pip install "embtheory[pennylane]" '
                     "(the native and MPS backends need no PennyLane)")

try:
    import pennylane as qml
except ImportError:  # an optional dependency: one clear line, not a traceback into PennyLane
    raise ImportError(PENNYLANE_MISSING) from None

__all__ = ["echo_qnode", "layered_template", "reduced_states_qnode", "state_qnode"]

Template = Callable[..., None]


def _rotation(rotation: str, angle, wire) -> None:
    if rotation == "rx":
        qml.RX(angle, wires=wire)
    elif rotation == "ry":
        qml.RY(angle, wires=wire)
    elif rotation == "hrz":
        qml.Hadamard(wires=wire)
        qml.RZ(angle, wires=wire)
    else:
        raise ValueError(f"rotation must be one of {sorted(ROTATIONS)}, got {rotation!r}")


def _inverse_rotation(rotation: str, angle, wire) -> None:
    if rotation == "hrz":
        qml.RZ(-angle, wires=wire)
        qml.Hadamard(wires=wire)
    else:
        _rotation(rotation, -angle, wire)


@functools.cache
def layered_template(rotation: str, entangle: bool, layers: int, *, prefix: tuple[float, ...] | None = None,
                     noise: float | None = None) -> Template:
    """The paper's embeddings as a PennyLane template ``f(x, wires)``.

    Every layer applies ``rotation`` with angle ``x[k]`` on wire ``k`` (``DepolarizingChannel(noise)``
    right after each rotation when ``noise`` is given), then the CNOT ring when ``entangle``.  An
    optional first layer ``RY(prefix[k])`` (noiseless) gives the trainable embedding of Fig. 9.

    Args:
        rotation: ``"rx"``, ``"ry"`` or ``"hrz"``.
        entangle: CNOT ring ``(k, k+1 mod n)`` after every layer (one ``CNOT(0, 1)`` at n = 2).
        layers: ``L``, the number of re-uploading layers.
        prefix: trainable ``RY`` angles (a tuple, so the template can be cached), or None.
        noise: depolarising probability ``p``, or None for a noiseless circuit.
    """

    def template(x, wires: Sequence[int]) -> None:
        wires = list(wires)
        if prefix is not None:
            for k, w in enumerate(wires):
                qml.RY(prefix[k], wires=w)
        for _ in range(layers):
            for k, w in enumerate(wires):
                _rotation(rotation, x[k], w)
                if noise is not None:
                    qml.DepolarizingChannel(noise, wires=w)
            if entangle:
                for c, t in ring_pairs(len(wires)):
                    qml.CNOT(wires=[wires[c], wires[t]])

    def inverse(x, wires: Sequence[int]) -> None:
        """``U(x)^dagger`` with the channel right after every (inverted) rotation."""
        wires = list(wires)
        for _ in range(layers):
            if entangle:
                for c, t in reversed(ring_pairs(len(wires))):
                    qml.CNOT(wires=[wires[c], wires[t]])
            for k, w in reversed(list(enumerate(wires))):
                _inverse_rotation(rotation, x[k], w)
                if noise is not None:
                    qml.DepolarizingChannel(noise, wires=w)
        if prefix is not None:
            for k, w in enumerate(wires):
                qml.RY(-prefix[k], wires=w)

    template.inverse = inverse
    template.__doc__ = (f"{ROTATIONS[rotation]} x {layers} layers"
                        f"{' + CNOT ring' if entangle else ''}{'' if noise is None else f', p = {noise}'}")
    return template


@functools.cache
def state_qnode(template: Template, n_qubits: int, *, mixed: bool = False) -> Callable:
    """``x -> state`` as a QNode (JAX interface, backprop: traces under jit and vmap).

    Args:
        template: ``f(x, wires)``.
        n_qubits: the number of wires ``0..n-1``.
        mixed: use ``default.mixed`` and return the density matrix ``(2^n, 2^n)``; else
            ``default.qubit`` and the statevector ``(2^n,)``.
    """
    dev = qml.device("default.mixed" if mixed else "default.qubit", wires=n_qubits)

    @qml.qnode(dev, interface="jax", diff_method="backprop")
    def circuit(x):
        template(x, range(n_qubits))
        return qml.state()

    return circuit


@functools.cache
def echo_qnode(template: Template, n_qubits: int, *, mixed: bool = False) -> Callable:
    """The Loschmidt echo ``(x, y) -> P(0...0)`` after ``U(x)`` then ``U(y)^dagger``: the fidelity kernel.

    The inverse is the template's own ``inverse`` when it has one (layered templates, which place
    the noise channels of the inverse after every rotation as in the paper), else ``qml.adjoint``.
    This runs one circuit per pair: a test oracle and the ``qml.kernels`` baseline, not a fast path.
    """
    dev = qml.device("default.mixed" if mixed else "default.qubit", wires=n_qubits)
    inverse = getattr(template, "inverse", None)

    @qml.qnode(dev, interface="jax", diff_method="backprop")
    def circuit(x, y):
        template(x, range(n_qubits))
        if inverse is not None:
            inverse(y, range(n_qubits))
        else:
            qml.adjoint(template)(y, range(n_qubits))
        return qml.probs(wires=range(n_qubits))

    return lambda x, y: circuit(x, y)[0]


@functools.cache
def reduced_states_qnode(template: Template, n_qubits: int, *, mixed: bool = False) -> Callable:
    """``x -> (n, 2, 2)``: every qubit's reduced density matrix, from PennyLane's ``qml.density_matrix``."""
    dev = qml.device("default.mixed" if mixed else "default.qubit", wires=n_qubits)

    @qml.qnode(dev, interface="jax", diff_method="backprop")
    def circuit(x):
        template(x, range(n_qubits))
        return tuple(qml.density_matrix(wires=[k]) for k in range(n_qubits))

    return lambda x: jnp.stack(circuit(x))

"""PennyLane circuits, both ways (the only module of embtheory that imports PennyLane).

PennyLane is optional (the ``pennylane`` extra): ``import embtheory.qkernels`` never imports it;
this module is imported only when ``backend="pennylane"`` or a user template asks for it, and
raises one ``ImportError`` line naming ``pip install "embtheory[pennylane]"`` when it is missing.

A *template* is a function ``f(x, wires)`` that queues gates, PennyLane's usual form.

- :func:`to_circuit` converts a template (or a QNode of ``x``) to the native
  :class:`~embtheory.qkernels.circuit.Circuit`: the template is recorded at a few probe points, its
  operations decomposed until every one is a supported gate (or a constant 1- or 2-qubit matrix),
  and each angle identified as a constant or an affine function of one feature, of a product of
  ``(pi - x_i)`` or of a product of ``x_i``; the identification is checked at fresh points.  An
  operation it cannot represent raises :class:`UnsupportedCircuit` naming it.
- :func:`circuit_template` is the reverse: a native circuit (with depolarising noise after every
  gate that reads ``x``) as a template, so ``backend="pennylane"`` runs the same circuit.
- :func:`state_qnode`: ``x -> |psi(x)>`` on ``default.qubit`` (or ``x -> rho(x)`` on
  ``default.mixed``), a QNode that traces under ``jax.jit`` and ``jax.vmap`` (backprop);
- :func:`echo_qnode`: the per-pair Loschmidt echo ``(x, y) -> P(0...0 | U(y)^dagger U(x))``, the
  circuit a quantum computer would run and the test oracle of every fast kernel;
- :func:`reduced_states_qnode`: every qubit's reduced density matrix, the projected kernel's oracle.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import jax.numpy as jnp
import numpy as np

from embtheory.qkernels import circuit as qc

PENNYLANE_MISSING = ('PennyLane is not installed: install with pip install "embtheory[pennylane]" '
                     "(the native and MPS backends need no PennyLane)")

try:
    import pennylane as qml
except ImportError:  # an optional dependency: one clear line, not a traceback into PennyLane
    raise ImportError(PENNYLANE_MISSING) from None

__all__ = ["UnsupportedCircuit", "circuit_template", "echo_qnode", "layered_template", "reduced_states_qnode",
           "repeated_template", "state_qnode", "to_circuit"]

Template = Callable[..., None]


class UnsupportedCircuit(ValueError):
    """A template holds an operation the native form cannot represent (the message names it)."""


#: PennyLane operation name -> native gate name
_NATIVE = {"RX": "RX", "RY": "RY", "RZ": "RZ", "PhaseShift": "PhaseShift", "Rot": "Rot", "Hadamard": "H",
           "S": "S", "T": "T", "PauliX": "X", "PauliY": "Y", "PauliZ": "Z", "CNOT": "CNOT", "CZ": "CZ",
           "SWAP": "SWAP", "IsingXX": "IsingXX", "IsingYY": "IsingYY", "IsingZZ": "IsingZZ"}
_PENNYLANE = {v: k for k, v in _NATIVE.items()}
_SKIP = {"Identity", "Barrier", "Snapshot", "GlobalPhase"}


def _expand(op, depth=0):
    """``op`` decomposed until every operation is native or a small constant-matrix candidate."""
    if op.name in _NATIVE or op.name in _SKIP:
        return [op]
    if depth < 16 and op.has_decomposition:
        return [o for d in op.decomposition() for o in _expand(d, depth + 1)]
    if len(op.wires) <= 2 and op.has_matrix:
        return [op]
    raise UnsupportedCircuit(f"operation {op.name} on wires {list(op.wires)} has no native form (not a "
                             f"supported gate, not decomposable, not a 1- or 2-qubit matrix)")


def _record(fn: Callable, x: np.ndarray, wires: Sequence, qnode: bool) -> list:
    with qml.queuing.AnnotatedQueue() as q:
        if qnode:
            fn(x)
        else:
            fn(x, wires)
    tape = qml.tape.QuantumScript.from_queue(q)
    ops = [o for op in tape.operations for o in _expand(op)]
    return [o for o in ops if o.name not in _SKIP]


def _signature(ops, index) -> list:
    return [(op.name, tuple(index(w) for w in op.wires)) for op in ops]


def _values(op) -> list[float]:
    return [float(np.real(np.asarray(p))) for p in op.parameters]


def _snap(v: float, tol: float) -> float:
    for k in range(7):
        r = round(v, k)
        if abs(r - v) <= tol:
            return r
    for den in (1, 2, 4, 8):
        r = round(v * den / math.pi) * math.pi / den
        if abs(r - v) <= tol:
            return r
    return v


def _fit_angle(where: str, v0: float, moved: list[float], x0: np.ndarray, h: float, tol) -> qc.Angle:
    dep = [i for i, v in enumerate(moved) if abs(v - v0) > tol(v0)]
    if not dep:
        return qc.const(v0)
    if len(dep) == 1:
        i = dep[0]
        scale = (moved[i] - v0) / h
        return qc.feature(i, scale=_snap(scale, tol(scale)), offset=_snap(v0 - scale * x0[i], tol(v0)))
    candidates = []
    for kind, base in (("prod", lambda z: math.prod(math.pi - z[j] for j in dep)),
                       ("xprod", lambda z: math.prod(z[j] for j in dep))):
        z1 = x0.copy()
        z1[dep[0]] += h
        p0, p1 = base(x0), base(z1)
        if p1 == p0:
            continue
        scale = (moved[dep[0]] - v0) / (p1 - p0)
        scale, offset = _snap(scale, tol(scale)), _snap(v0 - scale * p0, tol(v0))
        make = qc.feature_product if kind == "prod" else qc.raw_feature_product
        candidates.append(make(*dep, scale=scale, offset=offset))
    if not candidates:
        raise UnsupportedCircuit(f"{where}: its angle depends on x[{dep}] in a way the native form "
                                 "cannot bind")
    return candidates  # checked against fresh points by the caller


def _angle_at(a: qc.Angle, x: np.ndarray) -> float:
    """The angle at ``x``, in double precision on the host whatever the x64 flag (the values it is
    checked against are PennyLane's, recorded in double precision)."""
    if a.kind == "const":
        return float(a.offset)
    return float(qc.angle_values([a], np.asarray(x, np.float64), None)[0])


@functools.cache
def to_circuit(template: Callable, n_features: int) -> qc.Circuit:
    """A PennyLane template ``f(x, wires)`` (or a QNode ``f(x)``) as a native :class:`Circuit`.

    The template runs on ``n_features`` wires ``0..n-1`` (a QNode: its device's wires).  Its
    operations must not depend on ``x`` except through their angles.

    Raises:
        UnsupportedCircuit: an operation or an angle has no native form (the message names it).
        ValueError: the template never reads ``x``, or acts on a wire outside its wires.
    """
    is_qnode = isinstance(template, qml.QNode)
    if is_qnode:
        wires = list(template.device.wires)
        fn = template.func
    else:
        wires = list(range(n_features))
        fn = template
    n = len(wires)

    def index(w):
        if w not in wires:
            raise ValueError(f"embedding acts on wire {w!r}, outside its wires {wires}: a template f(x, "
                             "wires) "
                             "must use only the wires it is given")
        return wires.index(w)

    rng = np.random.default_rng(0)
    x0 = rng.uniform(0.3, 2.8, n_features)
    h = 0.37
    base = _record(fn, x0, wires, is_qnode)
    sig = _signature(base, index)
    loose = any(np.asarray(p).dtype == np.float32 for op in base for p in op.parameters)
    rel = 2e-5 if loose else 1e-9
    tol = lambda v: rel * (1 + abs(v))  # noqa: E731
    def same_gates(x):  # the template's operations at x, which must be those at x0 (angles aside)
        ops = _record(fn, x, wires, is_qnode)
        if _signature(ops, index) != sig:
            raise UnsupportedCircuit("the template's gates (not only their angles) change with x: "
                                     "data-dependent control flow has no native form")
        return ops

    moved_ops = []
    for i in range(n_features):
        xi = x0.copy()
        xi[i] += h
        moved_ops.append(same_gates(xi))
    checks = [rng.uniform(0.2, 3.0, n_features) for _ in range(2)]
    check_ops = [same_gates(z) for z in checks]
    gates = []
    for k, op in enumerate(base):
        ws = tuple(index(w) for w in op.wires)
        where = f"operation {op.name} on wires {list(op.wires)}"
        if op.name in _NATIVE:
            angles = []
            for p, v0 in enumerate(_values(op)):
                fit = _fit_angle(where, v0, [_values(m[k])[p] for m in moved_ops], x0, h, tol)
                options = fit if isinstance(fit, list) else [fit]
                truth = [_values(c[k])[p] for c in check_ops]
                ok = [a for a in options
                      if all(abs(_angle_at(a, z) - t) <= 50 * tol(t)
                             for z, t in zip(checks, truth, strict=True))]
                if not ok:
                    raise UnsupportedCircuit(f"{where}: its angle is not a constant, an affine function "
                                             "of one "
                                             "feature or of a product of features")
                angles.append(ok[0])
            gates.append(qc.gate(_NATIVE[op.name], ws, *angles))
        else:
            mats = [np.asarray(qml.matrix(o, wire_order=o.wires)) for o in [op] + [m[k] for m in moved_ops]]
            if any(not np.allclose(m, mats[0], atol=1e-7) for m in mats[1:]):
                raise UnsupportedCircuit(f"{where} depends on x and is not a supported gate")
            gates.append(qc.gate("QubitUnitary", ws, matrix=mats[0]))
    if not any(g.reads_data for g in gates):
        raise ValueError("embedding: the template never reads x (every angle is constant): its kernel is "
                         "constant; bind gate angles to x")
    return qc.Circuit(n, tuple(gates), n_features=n_features, name=getattr(template, "__name__", "template"))


def _queue(g: qc.Gate, values, wires) -> None:
    if g.name == "QubitUnitary":
        qml.QubitUnitary(np.asarray(g.matrix), wires=wires)
    else:
        getattr(qml, _PENNYLANE[g.name])(*values, wires=wires)


@functools.cache
def circuit_template(circuit: qc.Circuit, *, params: tuple[float, ...] | None = None,
                     noise: float | None = None) -> Template:
    """A native circuit as a PennyLane template ``f(x, wires)`` (its ``inverse`` attribute: ``U(x)^dagger``).

    ``noise``: ``DepolarizingChannel(noise)`` after every gate that reads ``x``, on each of its wires
    (in the inverse, after every inverted such gate), as the native density-matrix simulator does.
    """
    p = None if params is None else jnp.asarray(params)

    def template(x, wires: Sequence[int]) -> None:
        wires = list(wires)
        for g in circuit.gates:
            _queue(g, qc.angle_values(g.angles, x, p), [wires[w] for w in g.wires])
            if noise is not None and g.reads_data:
                for w in g.wires:
                    qml.DepolarizingChannel(noise, wires=wires[w])

    def inverse(x, wires: Sequence[int]) -> None:
        wires = list(wires)
        for g in reversed(circuit.gates):
            qml.adjoint(_queue)(g, qc.angle_values(g.angles, x, p), [wires[w] for w in g.wires])
            if noise is not None and g.reads_data:
                for w in reversed(g.wires):
                    qml.DepolarizingChannel(noise, wires=wires[w])

    template.inverse = inverse
    template.__doc__ = f"{circuit.name or 'circuit'} x {circuit.layers} layers" + (
        "" if noise is None else f", p = {noise}")
    return template


@functools.cache
def repeated_template(template: Template, layers: int) -> Template:
    """``template`` applied ``layers`` times (the data re-uploaded): ``layers`` on the PennyLane backend."""
    if layers == 1:
        return template

    def repeated(x, wires) -> None:
        for _ in range(layers):
            template(x, wires)

    return repeated


_LAYERED = {("rx", True): "hee", ("rx", False): "rx", ("ry", False): "ry", ("hrz", False): "hrz"}


@functools.cache
def layered_template(rotation: str, entangle: bool, layers: int, *, prefix: tuple[float, ...] | None = None,
                     noise: float | None = None) -> Template:
    """The paper's embeddings as a PennyLane template (:func:`circuit_template` of the named circuit).

    Args:
        rotation: ``"rx"``, ``"ry"`` or ``"hrz"``; entangle: the CNOT ring (with ``"rx"`` only).
        layers: ``L``.
        prefix: trainable ``RY`` angles of ``"ry-hee"`` (a tuple), or None.
        noise: depolarising probability ``p`` after every rotation, or None.
    """
    name = _LAYERED.get((rotation, entangle))
    if name is None:
        raise ValueError(f"no named embedding has rotation={rotation!r} with entangle={entangle}")
    if prefix is not None:
        if name != "hee":
            raise ValueError("prefix= is the trainable RY layer of 'ry-hee' (rotation='rx', entangle=True)")
        name = "ry-hee"

    def of(wires):
        return circuit_template(qc.named_circuit(name, len(wires), layers=layers), params=prefix, noise=noise)

    def template(x, wires: Sequence[int]) -> None:
        wires = list(wires)
        of(wires)(x, wires)

    def inverse(x, wires: Sequence[int]) -> None:
        wires = list(wires)
        of(wires).inverse(x, wires)

    template.inverse = inverse
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

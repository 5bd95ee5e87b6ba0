"""One native form for every embedding circuit: gates whose angles are bound to the data.

A :class:`Circuit` of ``n`` qubits is a *prefix* (gates applied once) followed by a *layer* (gates
applied ``layers`` times, the data re-uploaded each time).  Every gate is a :class:`Gate`: a name,
its wires (the first wire is the most significant factor of the gate's matrix, as in PennyLane)
and its angles, each an :class:`Angle` bound to

- a constant: ``offset``;
- a data feature: ``scale * x[i] + offset``;
- a trainable parameter: ``scale * params[j] + offset``;
- a product of features: ``scale * prod_{i in S} (pi - x[i]) + offset`` (the ZZ map's
  ``phi_ij(x) = (pi - x_i)(pi - x_j)`` of Havlicek et al. 2019).

Gates (:data:`GATES`): ``RX, RY, RZ, PhaseShift`` (one angle), ``Rot`` (three: ``RZ(w) RY(t) RZ(p)``),
``H, S, T, X, Y, Z``, ``CNOT, CZ, SWAP``, ``IsingXX, IsingYY, IsingZZ`` (one angle), and
``QubitUnitary``: any constant 2x2 or 4x4 unitary, given as ``matrix=``.  The matrices are
PennyLane's, so a circuit written here and the same gates queued in PennyLane give the same state.

A circuit is an immutable, hashable value: it is a static argument of the compiled simulator
(:mod:`embtheory.qkernels.simulator`), so one compiled program serves every data set and
parameter vector of the same shape.  :func:`circuit_unitaries` lists the gates of one data point
as ``(wires, U)`` pairs, the form any other backend (matrix-product states) consumes.

The named embeddings of the paper are instances (:func:`named_circuit`): the hardware-efficient
embedding (HEE) is ``RX(x_k)`` on every qubit then the CNOT ring, ``"ry-hee"`` prefixes a trainable
``RY(theta_k)`` layer; :func:`pauli_feature_map` and :func:`zz_feature_map` build the feature maps
of Havlicek et al. (Qiskit's ``PauliFeatureMap`` / ``ZZFeatureMap`` conventions).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.validation import check_int, check_real, is_concrete

__all__ = [
    "GATES",
    "Angle",
    "Circuit",
    "Gate",
    "circuit_unitaries",
    "const",
    "feature",
    "feature_product",
    "gate",
    "named_circuit",
    "param",
    "pauli_feature_map",
    "raw_feature_product",
    "zz_feature_map",
]

#: name -> (number of wires, number of angles); ``QubitUnitary`` takes 1 or 2 wires and a matrix.
GATES = {
    "RX": (1, 1), "RY": (1, 1), "RZ": (1, 1), "PhaseShift": (1, 1), "Rot": (1, 3),
    "H": (1, 0), "S": (1, 0), "T": (1, 0), "X": (1, 0), "Y": (1, 0), "Z": (1, 0),
    "CNOT": (2, 0), "CZ": (2, 0), "SWAP": (2, 0),
    "IsingXX": (2, 1), "IsingYY": (2, 1), "IsingZZ": (2, 1),
    "QubitUnitary": (0, 0),
}

#: the most layers a circuit runs (the kernels' ``layers=`` is bounded by it too)
MAX_LAYERS = 100_000
#: the most qubits of a named circuit or feature map (the MPS backend runs about 100)
MAX_QUBITS = 4096

#: gates whose matrix is diagonal for every angle (applied as one multiplication per amplitude)
DIAGONAL = frozenset({"RZ", "PhaseShift", "S", "T", "Z", "CZ", "IsingZZ"})

#: constant permutation gates: name -> the basis permutation ``out[i] = in[perm[i]]``
PERMUTATIONS = {"X": (1, 0), "CNOT": (0, 1, 3, 2), "SWAP": (0, 2, 1, 3)}

#: angle kinds that read the data
DATA_KINDS = ("x", "prod", "xprod")

_CONST = {
    "H": np.array([[1, 1], [1, -1]]) / np.sqrt(2),
    "S": np.diag([1, 1j]),
    "T": np.diag([1, np.exp(1j * np.pi / 4)]),
    "X": np.array([[0, 1], [1, 0]]),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1, -1]),
    "CNOT": np.eye(4)[[0, 1, 3, 2]],
    "CZ": np.diag([1, 1, 1, -1]),
    "SWAP": np.eye(4)[[0, 2, 1, 3]],
}


class Angle(NamedTuple):
    """One gate angle: ``scale * source + offset``.

    Attributes:
        kind: ``"const"`` (source 0), ``"x"`` (source ``x[index[0]]``), ``"param"`` (source
            ``params[index[0]]``), ``"prod"`` (source ``prod_{i in index} (pi - x[i])``) or ``"xprod"``
            (source ``prod_{i in index} x[i]``, the IQP embedding's ``x_i x_j``).
        index: the feature or parameter indices (empty for a constant).
        scale, offset: the affine map applied to the source.
    """

    kind: str
    index: tuple[int, ...] = ()
    scale: float = 1.0
    offset: float = 0.0


def const(value: float) -> Angle:
    """A constant angle."""
    return Angle("const", (), 0.0, _finite(value, "const(value)"))


def feature(i: int, *, scale: float = 1.0, offset: float = 0.0) -> Angle:
    """The angle ``scale * x[i] + offset``."""
    return Angle("x", (_index(i, "feature(i)"),), _finite(scale, "scale"), _finite(offset, "offset"))


def param(j: int, *, scale: float = 1.0, offset: float = 0.0) -> Angle:
    """The angle ``scale * params[j] + offset`` (a trainable parameter)."""
    return Angle("param", (_index(j, "param(j)"),), _finite(scale, "scale"), _finite(offset, "offset"))


def feature_product(*indices: int, scale: float = 1.0, offset: float = 0.0) -> Angle:
    """The angle ``scale * prod_{i in indices} (pi - x[i]) + offset`` (two or more features)."""
    if len(indices) < 2:
        raise ValueError(f"feature_product takes two or more feature indices, got {indices}: use feature(i) "
                         "for one")
    return Angle("prod", tuple(_index(i, "feature_product(indices)") for i in indices),
                 _finite(scale, "scale"),
                 _finite(offset, "offset"))


def raw_feature_product(*indices: int, scale: float = 1.0, offset: float = 0.0) -> Angle:
    """The angle ``scale * prod_{i in indices} x[i] + offset`` (two or more features)."""
    if len(indices) < 2:
        raise ValueError(f"raw_feature_product takes two or more feature indices, got {indices}")
    return Angle("xprod", tuple(_index(i, "raw_feature_product(indices)") for i in indices),
                 _finite(scale, "scale"), _finite(offset, "offset"))


def _finite(value, name: str) -> float:
    try:
        return check_real(value, name)
    except ValueError as e:  # the only ValueError of an unbounded check_real: NaN or inf
        raise ValueError(f"{e}: an angle of NaN or inf has no gate") from None


def _index(i, name: str) -> int:
    return check_int(i, name, minimum=0)


class Gate(NamedTuple):
    """A gate of a :class:`Circuit` (build it with :func:`gate`).

    Attributes:
        name: a key of :data:`GATES`.
        wires: the qubits, first = most significant factor of the matrix.
        angles: the gate's :class:`Angle` s.
        matrix: for ``QubitUnitary``, the constant matrix as nested tuples of complex; else None.
    """

    name: str
    wires: tuple[int, ...]
    angles: tuple[Angle, ...] = ()
    matrix: tuple[tuple[complex, ...], ...] | None = None

    @property
    def reads_data(self) -> bool:
        """Whether an angle depends on ``x`` (the gates after which ``noise`` inserts its channel)."""
        return any(a.kind in DATA_KINDS for a in self.angles)

    @property
    def constant(self) -> bool:
        return all(a.kind == "const" for a in self.angles)


def gate(name: str, wires, *angles, matrix=None) -> Gate:
    """A checked :class:`Gate`.

    Args:
        name: a key of :data:`GATES`.
        wires: an int or a sequence of distinct ints.
        *angles: one per angle of the gate: an :class:`Angle` or a number (a constant).
        matrix: the 2x2 or 4x4 unitary of a ``QubitUnitary``.

    Example:
        >>> gate("RX", 0, feature(0)).name, gate("CNOT", (0, 1)).wires
        ('RX', (0, 1))
    """
    if name not in GATES:
        raise ValueError(f"gate name must be one of {sorted(GATES)}, got {name!r}: write other gates "
                         "with these "
                         "or as QubitUnitary(matrix=...)")
    if isinstance(wires, (int, np.integer)) and not isinstance(wires, bool):
        wires = (wires,)
    elif isinstance(wires, (str, bytes)) or not isinstance(wires, Sequence):
        raise TypeError(f"wires must be an int or a sequence of ints, got {wires!r}")
    wires = tuple(wires)
    wires = tuple(_index(w, f"{name} wires") for w in wires)
    if len(set(wires)) != len(wires):
        raise ValueError(f"{name} acts on distinct wires, got {wires}")
    n_wires, n_angles = GATES[name]
    angles = tuple(a if isinstance(a, Angle) else const(a) for a in angles)
    if name == "QubitUnitary":
        if matrix is None:
            raise ValueError("QubitUnitary needs matrix=: a constant 2x2 or 4x4 unitary")
        m = np.asarray(matrix, np.complex128)
        if m.shape != (2 ** len(wires),) * 2 or len(wires) not in (1, 2):
            raise ValueError(f"QubitUnitary on {len(wires)} wire(s) needs a 2x2 (one wire) or 4x4 (two "
                             "wires) "
                             f"matrix, got shape {m.shape}")
        if not np.all(np.isfinite(m)) or not np.allclose(m.conj().T @ m, np.eye(m.shape[0]), atol=1e-8):
            raise ValueError("QubitUnitary matrix must be unitary (U^dagger U = I to 1e-8)")
        if angles:
            raise ValueError("QubitUnitary takes no angles: its matrix is constant")
        return Gate(name, wires, (), tuple(tuple(complex(v) for v in row) for row in m))
    if matrix is not None:
        raise ValueError(f"matrix= is for QubitUnitary only, not {name}")
    if len(wires) != n_wires:
        raise ValueError(f"{name} acts on {n_wires} wire(s), got wires={wires}")
    if len(angles) != n_angles:
        raise ValueError(f"{name} takes {n_angles} angle(s), got {len(angles)}")
    return Gate(name, wires, angles)


@dataclasses.dataclass(frozen=True)
class Circuit:
    """A layered circuit: ``prefix`` once, then ``layer`` repeated ``layers`` times on ``|0...0>``.

    Attributes:
        n_qubits: the number of wires ``0..n-1``.
        layer: the gates of one layer (the data is re-uploaded in every layer).
        prefix: gates applied once before the first layer (e.g. a trainable ``RY`` layer).
        layers: how many times ``layer`` runs (a kernel's ``layers=`` multiplies it).
        n_features: the length of ``x`` (default: ``n_qubits``).
        name: a label (the named embeddings use their name).

    ``n_params`` is one more than the largest parameter index (0 without parameters).
    """

    n_qubits: int
    layer: tuple[Gate, ...]
    prefix: tuple[Gate, ...] = ()
    layers: int = 1
    n_features: int | None = None
    name: str = ""

    def __post_init__(self):
        n = _index(self.n_qubits, "n_qubits")
        if n < 1:
            raise ValueError("n_qubits must be >= 1")
        object.__setattr__(self, "layer", tuple(self.layer))
        object.__setattr__(self, "prefix", tuple(self.prefix))
        object.__setattr__(self, "layers", check_int(self.layers, "layers", minimum=1, maximum=MAX_LAYERS))
        if self.n_features is None:
            object.__setattr__(self, "n_features", n)
        nf = _index(self.n_features, "n_features")
        for where, gates in (("layer", self.layer), ("prefix", self.prefix)):
            for k, g in enumerate(gates):
                if not isinstance(g, Gate):
                    raise TypeError(f"{where}[{k}] must be a Gate (embtheory.qkernels.circuit.gate), "
                                    f"got {g!r}")
                bad = [w for w in g.wires if w >= n]
                if bad:
                    raise ValueError(f"{where}[{k}] ({g.name}) acts on wire {bad[0]}, out of range for "
                                     f"n_qubits={n}: use wires 0..{n - 1}")
                for a in g.angles:
                    if a.kind in DATA_KINDS and max(a.index) >= nf:
                        raise ValueError(f"{where}[{k}] ({g.name}) reads x[{max(a.index)}], out of range for "
                                         f"n_features={nf}")
        if not any(g.reads_data for g in self.layer + self.prefix):
            raise ValueError("the circuit never reads x (no angle bound to a feature): its kernel would be "
                             "constant; bind an angle with feature(i) or feature_product(i, j)")

    @property
    def n_params(self) -> int:
        idx = [a.index[0] for g in self.prefix + self.layer for a in g.angles if a.kind == "param"]
        return max(idx) + 1 if idx else 0

    @property
    def gates(self) -> tuple[Gate, ...]:
        """Every gate in order: the prefix, then the layer ``layers`` times."""
        return self.prefix + self.layer * self.layers

    def repeat(self, layers: int) -> Circuit:
        """The same circuit with its layer run ``layers`` times as often."""
        if layers == 1:  # itself (a kernel call repeats by its own ``layers``: no re-validation)
            return self
        return dataclasses.replace(self, layers=self.layers * layers)


def angle_values(angles: Sequence[Angle], x: jax.Array, params: jax.Array | None) -> list[jax.Array]:
    """The values of ``angles`` for one point ``x`` (any leading batch shape broadcasts: ``x[..., i]``)."""
    out = []
    for a in angles:
        if a.kind == "const":
            out.append(jnp.asarray(a.offset, x.dtype))
            continue
        if a.kind == "x":
            src = x[..., a.index[0]]
        elif a.kind == "param":
            src = params[a.index[0]]
        elif a.kind == "prod":
            src = math.prod(jnp.pi - x[..., i] for i in a.index)
        else:
            src = math.prod(x[..., i] for i in a.index)
        out.append(a.scale * src + a.offset if (a.scale, a.offset) != (1.0, 0.0) else src)
    return out


def gate_matrix(g: Gate, values: Sequence[jax.Array], dtype, *, conj: bool = False) -> jax.Array:
    """The matrix of ``g`` at angle ``values`` (scalars, or arrays of one batch shape ``(B,)``).

    Returns ``(d, d)`` or ``(d, d, B)`` (batch last), complex ``dtype``; ``conj``: its complex conjugate.
    """
    name = g.name
    if name == "QubitUnitary" or name in _CONST:
        m = np.asarray(g.matrix if name == "QubitUnitary" else _CONST[name], np.complex128)
        return jnp.asarray(m.conj() if conj else m, dtype)
    sign = -1 if conj else 1
    a = values[0]
    zero = jnp.zeros_like(a, dtype=dtype)
    one = zero + 1
    if name == "Rot":
        phi, theta, omega = values
        c = jnp.cos(theta / 2).astype(dtype)
        s = jnp.sin(theta / 2).astype(dtype)
        e = lambda t: jnp.exp(sign * 1j * t.astype(dtype))  # noqa: E731
        rows = ((e(-(phi + omega) / 2) * c, -e((phi - omega) / 2) * s),
                (e(-(phi - omega) / 2) * s, e((phi + omega) / 2) * c))
        return _stack(rows)
    c = jnp.cos(a / 2).astype(dtype)
    s = jnp.sin(a / 2).astype(dtype)
    mis = -sign * 1j * s  # -i s (conjugated: +i s)
    if name == "RX":
        return _stack(((c, mis), (mis, c)))
    if name == "RY":
        return _stack(((c, -s), (s, c)))
    if name == "RZ":
        em = jnp.exp(-sign * 0.5j * a.astype(dtype))
        return _stack(((em, zero), (zero, jnp.conj(em))))
    if name == "PhaseShift":
        return _stack(((one, zero), (zero, jnp.exp(sign * 1j * a.astype(dtype)))))
    if name == "IsingXX":
        return _stack(((c, zero, zero, mis), (zero, c, mis, zero), (zero, mis, c, zero),
                       (mis, zero, zero, c)))
    if name == "IsingYY":
        return _stack(((c, zero, zero, -mis), (zero, c, mis, zero), (zero, mis, c, zero),
                       (-mis, zero, zero, c)))
    if name == "IsingZZ":
        em = jnp.exp(-sign * 0.5j * a.astype(dtype))
        ep = jnp.conj(em)
        return _stack(((em, zero, zero, zero), (zero, ep, zero, zero), (zero, zero, ep, zero),
                       (zero, zero, zero, em)))
    raise ValueError(f"unknown gate {name!r}")  # unreachable: gate() checks names


def _stack(rows) -> jax.Array:
    return jnp.stack([jnp.stack(r, axis=0) for r in rows], axis=0)


def _complex_of(dtype) -> np.dtype:
    return np.dtype(np.complex128 if np.dtype(dtype) == np.float64 else np.complex64)


def circuit_unitaries(circuit: Circuit, x, params=None, *,
                      dtype=None) -> tuple[tuple[tuple[int, ...], jax.Array], ...]:
    """Every gate of ``circuit`` at one data point, in order, as ``(wires, U)``.

    Args:
        circuit: a :class:`Circuit`.
        x: ``(n_features,)`` the data point.
        params: ``(n_params,)`` trainable parameters, or None when the circuit has none.
        dtype: complex dtype of the matrices (default: complex128 for float64 ``x``, else complex64).

    Returns:
        A tuple of ``(wires, U)``: ``U`` is ``(2, 2)`` or ``(4, 4)``, its tensor factors in the order
        of ``wires`` (first wire most significant); the prefix, then the layer ``layers`` times.

    Example:
        >>> import jax.numpy as jnp
        >>> ops = circuit_unitaries(named_circuit("hee", 2), jnp.array([0.1, 0.2]))
        >>> [(w, u.shape) for w, u in ops]
        [((0,), (2, 2)), ((1,), (2, 2)), ((0, 1), (4, 4))]
    """
    if not isinstance(circuit, Circuit):
        raise TypeError("circuit must be a Circuit (e.g. named_circuit('hee', n)), got "
                        f"{type(circuit).__name__}")
    x = np.asarray(x) if not isinstance(x, jax.Array) else x
    if not (jnp.issubdtype(x.dtype, jnp.floating) or jnp.issubdtype(x.dtype, jnp.integer)) or \
            jnp.issubdtype(x.dtype, jnp.bool_):
        raise TypeError(f"x must be a real array of {circuit.n_features} features, got dtype {x.dtype}")
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    if is_concrete(x) and x.ndim == 1 and not bool(jnp.all(jnp.isfinite(x))):
        raise ValueError("x contains NaN or inf: every gate angle must be finite")
    if x.shape != (circuit.n_features,):
        raise ValueError(f"x must have shape ({circuit.n_features},) for this circuit, got {x.shape}")
    if circuit.n_params:
        if params is None:
            raise ValueError(f"the circuit has {circuit.n_params} trainable parameters: pass params of shape "
                             f"({circuit.n_params},)")
        params = jnp.asarray(params)
        if not jnp.issubdtype(params.dtype, jnp.floating):
            raise TypeError(f"params must be a real array, got dtype {params.dtype}")
        if is_concrete(params) and not bool(jnp.all(jnp.isfinite(params))):
            raise ValueError("params contains NaN or inf: every gate angle must be finite")
        if params.shape != (circuit.n_params,):
            raise ValueError(f"params must have shape ({circuit.n_params},) for this circuit, got "
                             f"{params.shape}")
    elif params is not None and jnp.size(params):
        raise ValueError("the circuit has no trainable parameters: pass params=None")
    dt = _complex_of(x.dtype) if dtype is None else np.dtype(dtype)
    return _gate_unitaries(circuit, x, params, dt)


def _gate_unitaries(circuit: Circuit, x: jax.Array, params: jax.Array | None,
                    dtype) -> tuple[tuple[tuple[int, ...], jax.Array], ...]:
    """:func:`circuit_unitaries` without its checks: ``x`` a float ``(n_features,)``, ``params``
    ``(n_params,)`` or None, ``dtype`` complex; pure, so the library vmaps it over points."""
    return tuple((g.wires, gate_matrix(g, angle_values(g.angles, x, params), dtype)) for g in circuit.gates)


def ring_pairs(n: int) -> tuple[tuple[int, int], ...]:
    """The CNOT ring of the HEE: ``(k, k+1 mod n)`` for every k; one ``(0, 1)`` at n = 2; none at n = 1."""
    if n == 1:
        return ()
    if n == 2:
        return ((0, 1),)
    return tuple((k, (k + 1) % n) for k in range(n))


#: Named embeddings: name -> (rotation, CNOT ring, trainable RY prefix).
NAMED = {
    "hee": ("rx", True, False),
    "rx": ("rx", False, False),
    "ry": ("ry", False, False),
    "hrz": ("hrz", False, False),
    "ry-hee": ("rx", True, True),
}


def named_circuit(name: str, n_qubits: int, *, layers: int = 1) -> Circuit:
    """A named embedding of the paper as a :class:`Circuit`.

    ``"hee"``: ``RX(x_k)`` on every qubit then the CNOT ring ``(k, k+1 mod n)`` (one ``CNOT(0, 1)`` at
    n = 2); ``"rx"``, ``"ry"``: one rotation per qubit; ``"hrz"``: ``H`` then ``RZ(x_k)``;
    ``"ry-hee"``: a trainable ``RY(params_k)`` layer, then the HEE.

    Example:
        >>> named_circuit("hee", 3).n_params, named_circuit("ry-hee", 3).n_params
        (0, 3)
    """
    if not isinstance(name, str) or name not in NAMED:
        raise ValueError(f"name must be one of {sorted(NAMED)}, got {name!r}")
    rotation, entangle, trainable = NAMED[name]
    n = check_int(n_qubits, "n_qubits", minimum=1, maximum=MAX_QUBITS)
    body: list[Gate] = []
    for k in range(n):
        if rotation == "hrz":
            body += [gate("H", k), gate("RZ", k, feature(k))]
        else:
            body.append(gate(rotation.upper(), k, feature(k)))
    if entangle:
        body += [gate("CNOT", pair) for pair in ring_pairs(n)]
    prefix = [gate("RY", k, param(k)) for k in range(n)] if trainable else []
    return Circuit(n, tuple(body), tuple(prefix), layers=layers, name=name)


ENTANGLEMENTS = ("linear", "circular", "full")


def _blocks(n: int, k: int, entanglement: str) -> list[tuple[int, ...]]:
    if k == 1:
        return [(i,) for i in range(n)]
    if k > n:
        raise ValueError(f"paulis: a {k}-qubit Pauli term does not fit in n_qubits={n}")
    if entanglement == "full":
        return list(itertools.combinations(range(n), k))
    linear = [tuple(range(i, i + k)) for i in range(n - k + 1)]
    if entanglement == "linear" or n == k:
        return linear
    # Qiskit's circular map: the one block that wraps around, (n-k+1, ..., n-1, 0), comes first
    return [(*range(n - k + 1, n), 0), *linear]


def pauli_feature_map(n_qubits: int, *, paulis: Sequence[str] = ("Z", "ZZ"), reps: int = 2,
                      entanglement: str = "full", alpha: float = 2.0) -> Circuit:
    """The Pauli feature map of Havlicek et al. (2019) in Qiskit's ``PauliFeatureMap`` conventions.

    Each of the ``reps`` layers applies ``H`` on every qubit, then for every Pauli string ``P`` of
    ``paulis`` and every block ``S`` of qubits that ``entanglement`` assigns to its length, the
    evolution ``exp(-i (alpha phi_S(x) / 2) P_S)`` up to a phase, written as Qiskit writes it: the basis
    change (``H`` for ``X``, ``RX(pi/2)`` for ``Y``) on each qubit of ``S``, a CNOT chain along ``S``,
    ``PhaseShift(alpha phi_S(x))`` on its last qubit, the chain undone and the basis change undone.
    ``phi_S(x) = x_i`` for one qubit and ``prod_{i in S} (pi - x_i)`` for more.  As in Qiskit, a
    label is read right to left: the last character acts on ``S[0]`` (``"XZ"`` on ``(0, 1)`` is
    ``Z_0 X_1``).

    Args:
        n_qubits: ``n``; ``x`` has ``n`` features.
        paulis: strings over ``I, X, Y, Z`` (identity characters drop their qubit).
        reps: layers (each re-uploads ``x``); a kernel's ``layers=`` multiplies it.
        entanglement: ``"full"`` (every ``k``-subset), ``"linear"`` (consecutive windows) or
            ``"circular"`` (Qiskit's: the wrapping block ``(n-k+1, ..., n-1, 0)`` first, then linear).
        alpha: the rotation factor (2 in Qiskit).

    Example:
        >>> pauli_feature_map(3, paulis=("Z", "ZZ"), reps=1, entanglement="linear").layers
        1
    """
    reps = check_int(reps, "reps", minimum=1, maximum=MAX_LAYERS)
    if not isinstance(entanglement, str) or entanglement not in ENTANGLEMENTS:
        raise ValueError(f"entanglement must be one of {list(ENTANGLEMENTS)}, got {entanglement!r}")
    if isinstance(paulis, str) or not paulis:
        raise TypeError(f"paulis must be a non-empty sequence of strings such as ('Z', 'ZZ'), got {paulis!r}")
    alpha = _finite(alpha, "alpha")
    n = check_int(n_qubits, "n_qubits", minimum=1, maximum=MAX_QUBITS)
    body: list[Gate] = [gate("H", k) for k in range(n)]
    for p in paulis:
        if not isinstance(p, str) or not p or set(p) - set("IXYZ"):
            raise ValueError(f"paulis: each Pauli string holds only I, X, Y, Z, got {p!r}")
        for block in _blocks(n, len(p), entanglement):
            support = [(q, c) for q, c in zip(block, reversed(p), strict=True) if c != "I"]
            if not support:
                continue
            qubits = [q for q, _ in support]
            # phi_S reads every feature of the block, identity characters included (Qiskit's data map)
            angle = (feature(block[0], scale=alpha) if len(block) == 1
                     else feature_product(*block, scale=alpha))
            body += _basis(support, inverse=False)
            body += [gate("CNOT", (a, b)) for a, b in itertools.pairwise(qubits)]
            body.append(gate("PhaseShift", qubits[-1], angle))
            body += [gate("CNOT", (a, b)) for a, b in reversed(list(itertools.pairwise(qubits)))]
            body += _basis(support, inverse=True)
    return Circuit(n, tuple(body), layers=reps, name=f"pauli{list(paulis)}-{entanglement}")


def _basis(support, *, inverse: bool) -> list[Gate]:
    out = []
    for q, c in support:
        if c == "X":
            out.append(gate("H", q))
        elif c == "Y":
            out.append(gate("RX", q, -np.pi / 2 if inverse else np.pi / 2))
    return out


def zz_feature_map(n_qubits: int, *, reps: int = 2, entanglement: str = "full",
                   alpha: float = 2.0) -> Circuit:
    """Qiskit's ``ZZFeatureMap``: :func:`pauli_feature_map` with ``paulis=("Z", "ZZ")``.

    Per layer: ``H`` and ``PhaseShift(2 x_i)`` on every qubit, then for every entangled pair
    ``CNOT(i, j), PhaseShift(2 (pi - x_i)(pi - x_j)) on j, CNOT(i, j)``.

    Example:
        >>> len(zz_feature_map(3, reps=1, entanglement="linear").layer)
        12
    """
    return dataclasses.replace(pauli_feature_map(n_qubits, paulis=("Z", "ZZ"), reps=reps,
                                                 entanglement=entanglement, alpha=alpha),
                               name=f"zz-{entanglement}")

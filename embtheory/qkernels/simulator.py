"""The one native simulator: statevectors and density matrices of a batch, batch last.

Layout.  The states of ``B`` points on ``m`` qubits are one array ``(2^m, B)``: wire 0 is the most
significant bit of the row (PennyLane's order) and the points run along the contiguous last axis,
so a gate on wire ``w`` works on the view ``(2^w, 2, 2^(m-w-1), B)`` with per-point coefficients
broadcast along that axis.  No ``2^m x 2^m`` matrix is built.  A density matrix of ``n`` qubits is
the same thing on ``m = 2n`` wires: the row (ket) qubits are wires ``0..n-1``, the column (bra)
qubits ``n..2n-1``; a gate ``U`` on wire ``w`` acts as ``U`` on ``w`` and ``conj(U)`` on ``n + w``, and
PennyLane's ``DepolarizingChannel(p)`` is the 4x4 map
``(1 - 4p/3) I + (2p/3) v v^T`` (``v = e_00 + e_11``) on the wire pair ``(w, n + w)``, i.e.
``rho -> (1 - 4p/3) rho + (2p/3) I (x) Tr_w rho``.  With ``noise`` the channel follows every gate that
reads the data, on each of its wires (for the HEE: after every ``RX``).

Plan.  A :class:`~embtheory.qkernels.circuit.Circuit` is compiled, once per circuit, into a short
list of passes over the state (:func:`plan`):

- runs of single-qubit gates on one wire become one 2x2 matrix (diagonal when every factor is);
- consecutive CNOTs and SWAPs become one row gather (the HEE's ring is one pass, not ``n``);
- gates that follow one another on the same pair of wires become one 4x4 block; a block of
  diagonal and permutation gates whose permutations cancel is diagonal (the ZZ map's
  ``CNOT, PhaseShift, CNOT`` is one multiplication per amplitude);
- consecutive diagonal passes become one (their factors are multiplied into two tables of about
  ``2^(m/2)`` entries per point first), so the ZZ map's ``n - 1`` couplings read the state once;
- from :data:`DENSE_FROM` qubits on, the single-qubit matrices of neighbouring wires are merged
  into one ``2^g x 2^g`` block per pass (``g`` up to :data:`DENSE_WIDTH`): one pass over the memory
  instead of ``g``, where large states are bound by memory bandwidth;
- a diagonal pass's tables are multiplied in a loop (:func:`_table`): fused into the pass, XLA would
  recompute every gate's factor for every amplitude; from :data:`DENSE_FROM` qubits on, a product
  state followed by one diagonal pass is written at once (:func:`start`).

Cut.  From :data:`CUT_FROM` qubits on, a pure state whose gates across a cut near the middle are
few diagonal two-wire gates (the ZZ map with linear or circular couplings) is simulated as two
halves of about ``2^(n/2)`` amplitudes per label, joined by one pass over the full state into which
the trailing diagonal gates are fused (:func:`cut_plan`, :func:`simulate_cut`): the ZZ map's state is
one pass instead of about ten.

The matrices of every pass are computed once per point before the layers run; the layers run in
``lax.scan`` (or a ``fori_loop`` with a run-time count), so the compile time does not grow with
the depth.  The first layer runs before the loop: its leading single-qubit passes act on
``|0...0>`` and make a product state, built directly (:func:`start`).  For fidelities the
layer's trailing passes that do not read ``x`` (the HEE's CNOT ring) are left out after the last
layer: they are one unitary shared by every point (:func:`constant_tail`).  Statevector fidelities
go further (:func:`fidelity_gates`, :func:`fidelity_plan`): the last two layers are rewritten up to
a shared unitary wherever that saves passes.  A trailing ``RX(a) = H RZ(a) H`` loses its last ``H``;
the other ``H`` s move back through the CNOT ring (reversing it) into the layer before; the ``RZ`` s
move back through the reversed ring as rotations on parities of two or three wires (:data:`ZSTRING`),
and the ring, now last, is dropped: the L = 2 HEE is a product state and one diagonal pass.
Each pass costs a read and a write of the whole batch of states and, on CPU, about two to three
times a plain copy (the complex arithmetic per amplitude), so the plan counts passes.  Each point's
arithmetic is independent of the others in the batch, so states do not depend on how points are
batched.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.qkernels.circuit import (
    DIAGONAL,
    PERMUTATIONS,
    Circuit,
    Gate,
    angle_values,
    gate_matrix,
    ring_pairs,
)

__all__ = ["CUT_FROM", "CUT_GATES", "DENSE_FROM", "DENSE_WIDTH", "ZSTRING", "CutPlan", "bloch_batch",
           "constant_tail", "cut_plan", "fidelity_gates", "fidelity_plan", "plan", "ring_pairs",
           "rotation_matrices", "simulate", "simulate_cut", "start"]

#: qubits from which neighbouring single-qubit matrices are merged into dense blocks
DENSE_FROM = 14
#: the widest merged block (2^3 = 8 amplitudes per group)
DENSE_WIDTH = 3
#: an internal gate of fidelity plans: ``exp(-i a/2 Z_w1 Z_w2 ... Z_wk)`` on its wires, i.e. ``RZ(a)``
#: read on the parity of the wires' bits (an ``RZ`` moved back through CNOTs and SWAPs)
ZSTRING = "ZString"
#: the most wires a moved ``RZ`` may read before the move is not worth it (one table per pass)
ZSTRING_WIDTH = 3

_DEPOL = "Depolarizing"


class Op(NamedTuple):
    """One pass over the state.

    Attributes:
        kind: ``"one"`` (2x2 on ``wires[0]``), ``"two"`` (4x4 on ``wires``, first most significant),
            ``"dense"`` (``2^g x 2^g`` on the contiguous wires ``wires``), ``"perm"`` (a row gather),
            ``"zs"`` (a :data:`ZSTRING`, only ever inside a ``"diag"``) or ``"diag"`` (a run of
            diagonal ``"one"``/``"two"``/``"zs"`` passes applied as one multiplication).
        wires: the wires the pass acts on.
        factors: ``(gate, local wires, conj)`` in order; ``gate`` is a Gate or ``"Depolarizing"``
            (for ``"diag"``: the diagonal Ops it multiplies).
        diag: the matrix is diagonal for every angle (applied as one multiplication).
        varies: the matrix depends on ``x`` (one matrix per point) rather than only on constants,
            parameters and the noise.
        perm: for ``"perm"``, its gates as ``(name, wires)``: the pass is the gather
            ``out[i] = in[p[i]]`` over ``2^m`` rows with ``p = _composed_perm(m, perm)``, built when
            the pass is applied (a plan compared for its cost never builds it).
    """

    kind: str
    wires: tuple[int, ...]
    factors: tuple = ()
    diag: bool = False
    varies: bool = False
    perm: tuple | None = None


class Plan(NamedTuple):
    """The passes of a circuit: ``prefix`` once, ``layer`` per layer, on ``m`` wires."""

    m: int
    prefix: tuple[Op, ...]
    layer: tuple[Op, ...]


def _reads_data(g) -> bool:
    return not isinstance(g, str) and g.reads_data


def _factor_perm(g) -> tuple[int, ...] | None:
    """The basis permutation of a monomial gate (identity for a diagonal one), None otherwise."""
    if isinstance(g, str):
        return None
    if g.name in PERMUTATIONS:
        return PERMUTATIONS[g.name]
    if g.name in DIAGONAL:
        return tuple(range(2 ** len(g.wires)))
    return None


def _permute_bits(x: np.ndarray, m: int, wires: tuple[int, ...], local: tuple[int, ...]) -> np.ndarray:
    """The basis indices ``x`` after a permutation ``local`` of the basis of ``wires``."""
    sub = np.zeros_like(x)
    for w in wires:
        sub = 2 * sub + ((x >> (m - 1 - w)) & 1)
    src_sub = np.asarray(local, np.int32)[sub]
    out = x.copy()
    for k, w in enumerate(wires):
        bit = (src_sub >> (len(wires) - 1 - k)) & 1
        out = (out & ~(1 << (m - 1 - w))) | (bit << (m - 1 - w))
    return out


@functools.lru_cache(maxsize=32)
def _composed_perm(m: int, gates: tuple[tuple[str, tuple[int, ...]], ...]) -> np.ndarray:
    """The full-state gather of the permutation gates ``(name, wires)`` applied in order.

    ``total[i] = g_1(g_2(...g_k(i)))`` (the gather of ``g_1`` then ``g_2`` ...), built by permuting
    the bits of every index once per gate; cached (a plan asks for the same ring several times and
    a gather of ``2^m`` indices costs milliseconds at 20 qubits)."""
    x = np.arange(2**m, dtype=np.int32)  # int32 whatever the x64 flag (a plan is cached across both)
    for name, wires in reversed(gates):
        x = _permute_bits(x, m, wires, PERMUTATIONS[name])
    x.setflags(write=False)
    return x


def _perm_op(wires: tuple[int, ...], factors: tuple) -> Op:
    """A pass of permutation gates ``factors`` (``(gate, global wires, conj)``)."""
    return Op("perm", wires, factors, perm=tuple((g.name, tuple(fw)) for g, fw, _ in factors))


def _items(gates: tuple[Gate, ...], n: int, mixed: bool, noisy: bool):
    for g in gates:
        yield g, g.wires, False
        if mixed:
            yield g, tuple(w + n for w in g.wires), True
            if noisy and g.reads_data:
                for w in g.wires:
                    yield _DEPOL, (w, w + n), False


def _two_op(wires, factors) -> Op:
    """A 4x4 pass; diagonal when every factor is monomial and their permutations cancel."""
    sw = (0, 2, 1, 3)
    perm = tuple(range(4))
    monomial = True
    for g, local, _ in factors:
        p = _factor_perm(g)
        if p is None:
            monomial = False
            break
        if local == (0,):
            p = tuple(2 * p[i // 2] + i % 2 for i in range(4))
        elif local == (1,):
            p = tuple(2 * (i // 2) + p[i % 2] for i in range(4))
        elif local == (1, 0):
            p = tuple(sw[p[sw[i]]] for i in range(4))
        perm = tuple(perm[p[i]] for i in range(4))
    varies = any(_reads_data(g) for g, _, _ in factors)
    return Op("two", tuple(wires), tuple(factors), monomial and perm == (0, 1, 2, 3), varies)


def _diagonal(g) -> bool:
    return not isinstance(g, str) and g.name in DIAGONAL


def _one_op(w, factors) -> Op:
    diag = all(_diagonal(g) for g, _, _ in factors)
    return Op("one", (w,), tuple((g, (0,), c) for g, _, c in factors), diag,
              any(_reads_data(g) for g, _, _ in factors))


def _plan_gates(items) -> list[Op]:
    """Groups the gates into passes (factors carry global wires until the pass is finished)."""
    ops: list[tuple] = []  # (kind, wires, factors)
    pending: dict[int, list] = {}

    def take(ws):
        out = []
        for w in ws:
            out += [(g, (w,), c) for g, c in pending.pop(w, [])]
        return out

    def flush_all():
        for w in sorted(pending):
            ops.append(("one", (w,), [(g, (w,), c) for g, c in pending[w]]))
        pending.clear()

    for g, ws, conj in items:
        zstring = not isinstance(g, str) and g.name == ZSTRING
        if len(ws) == 1 and not zstring:
            pending.setdefault(ws[0], []).append((g, conj))
            continue
        if zstring:
            # pending single-qubit runs go first as their own passes, so a product state keeps them
            flush_all()
            ops.append(("zs", ws, [(g, ws, conj)]))
            continue
        is_perm = not isinstance(g, str) and g.name in PERMUTATIONS
        last = ops[-1] if ops else None
        if last is not None and last[0] in ("two", "perm") and set(last[1]) == set(ws):
            # gates on the same pair one after the other (single-qubit ones between them included)
            ops[-1] = ("two", last[1], last[2] + [*take(ws), (g, ws, conj)])
        elif is_perm and last is not None and last[0] == "perm" and not any(pending.get(w) for w in ws):
            ops[-1] = ("perm", tuple(dict.fromkeys(last[1] + ws)), last[2] + [(g, ws, conj)])
        elif is_perm:
            if any(pending.get(w) for w in ws):
                flush_all()
            ops.append(("perm", ws, [(g, ws, conj)]))
        else:
            if _diagonal(g) and any(not _diagonal(f) for w in ws for f, _ in pending.get(w, [])):
                # a diagonal gate stays diagonal (merged with the diagonal passes around it, and a
                # cut can cross it): the single-qubit runs before it go first as their own passes
                flush_all()
            ops.append(("two", ws, [*take(ws), (g, ws, conj)]))
    flush_all()
    out = []
    for kind, wires, factors in ops:
        if kind == "one":
            out.append(_one_op(wires[0], factors))
        elif kind == "two":
            out.append(_two_op(wires, [(g, tuple(wires.index(w) for w in fw), c) for g, fw, c in factors]))
        elif kind == "zs":
            (g, fw, c), = factors
            out.append(Op("zs", wires, ((g, tuple(range(len(fw))), c),), True, g.reads_data))
        else:
            out.append(_perm_op(wires, tuple(factors)))
    return out


def _merge_dense(ops: list[Op], m: int) -> list[Op]:
    """Merges runs of single-qubit passes on neighbouring wires into dense blocks (large states)."""
    if m < DENSE_FROM:
        return ops
    out: list[Op] = []
    i = 0
    while i < len(ops):
        if ops[i].kind != "one":
            out.append(ops[i])
            i += 1
            continue
        j = i
        while j < len(ops) and ops[j].kind == "one":
            j += 1
        by_wire = {op.wires[0]: op for op in ops[i:j]}
        wires = sorted(by_wire)
        groups: list[list[int]] = []
        for w in wires:
            if groups and groups[-1][-1] == w - 1 and len(groups[-1]) < DENSE_WIDTH:
                groups[-1].append(w)
            else:
                groups.append([w])
        for grp in groups:
            if len(grp) == 1:
                out.append(by_wire[grp[0]])
                continue
            factors = tuple((g, (k,), c) for k, w in enumerate(grp) for g, _, c in by_wire[w].factors)
            out.append(Op("dense", tuple(grp), factors, False, any(by_wire[w].varies for w in grp)))
        i = j
    return out


def _merge_diag(ops: list[Op], m: int) -> list[Op]:
    """Merges runs of diagonal passes into one ``"diag"`` pass (diagonal gates commute).

    Each diagonal pass costs a full read and write of the state for one multiplication per
    amplitude; the ZZ map's ``n - 1`` couplings per layer become one pass (see :func:`_apply_diag`).
    """
    if m < 2:
        return ops
    out: list[Op] = []
    run: list[Op] = []

    def flush():
        if len(run) == 1 and run[0].kind != "zs":
            out.append(run[0])
        elif run:
            wires = tuple(sorted({w for op in run for w in op.wires}))
            out.append(Op("diag", wires, tuple(run), True, any(op.varies for op in run)))
        run.clear()

    for op in ops:
        if op.diag and op.kind in ("one", "two", "zs"):
            run.append(op)
        else:
            flush()
            out.append(op)
    flush()
    return out


@functools.cache
def plan(circuit: Circuit, mixed: bool, noisy: bool) -> Plan:
    """The passes of ``circuit`` (statevector, or density matrix when ``mixed``; channels when ``noisy``)."""
    n = circuit.n_qubits
    m = 2 * n if mixed else n

    def passes(gates):
        return tuple(_merge_diag(_merge_dense(_plan_gates(list(_items(gates, n, mixed, noisy))), m), m))

    return Plan(m, passes(circuit.prefix), passes(circuit.layer))


def _depolarizing(p, dtype) -> jax.Array:
    v = jnp.asarray([1, 0, 0, 1], dtype)
    keep, spread = (1 - 4 * p / 3).astype(dtype), (2 * p / 3).astype(dtype)
    return keep * jnp.eye(4, dtype=dtype) + spread * jnp.outer(v, v)


def _embed(mat: jax.Array, local: tuple[int, ...], width: int) -> jax.Array:
    """``mat`` on the ``local`` wires of a ``width``-wire block, as a ``2^width`` square matrix."""
    k = len(local)
    t = mat.reshape((2,) * (2 * k))
    full = jnp.eye(2**width, dtype=mat.dtype).reshape((2,) * (2 * width))
    letters = "abcdefghijklmnop"
    rows = [letters[i] for i in range(width)]
    cols = [letters[width + i] for i in range(width)]
    g_out = [letters[2 * width + i] for i in range(k)]
    g_in = [rows[w] for w in local]
    res = list(rows)
    for i, w in enumerate(local):
        res[w] = g_out[i]
    expr = f"{''.join(g_out + g_in)},{''.join(rows + cols)}->{''.join(res + cols)}"
    return jnp.einsum(expr, t, full).reshape(2**width, 2**width)


def _op_matrix(op: Op, x, params, noise, dtype) -> jax.Array:
    """The pass's matrix for one point (``(d, d)``; its diagonal ``(d,)`` when ``op.diag``)."""
    width = len(op.wires)
    total = jnp.eye(2**width, dtype=dtype)
    for g, local, conj in op.factors:
        if isinstance(g, str):
            mat = _depolarizing(noise, dtype)
        elif g.name == ZSTRING:
            (a,) = angle_values(g.angles, x, params)
            em = jnp.exp((0.5j if conj else -0.5j) * a.astype(dtype))  # as RZ's diagonal
            odd = np.array([bin(i).count("1") % 2 for i in range(2**width)], bool)
            mat = jnp.diag(jnp.where(odd, jnp.conj(em), em))
        else:
            mat = gate_matrix(g, angle_values(g.angles, x, params), dtype, conj=conj)
        emb = mat if local == tuple(range(width)) else _embed(mat, local, width)
        total = emb @ total
    return jnp.diagonal(total) if op.diag else total


def op_values(p: Plan, ops: tuple[Op, ...], X, params, noise, dtype) -> list:
    """Every pass's matrix: ``(d, d, B)`` (batch last) for passes that read ``x``, ``(d, d)`` otherwise."""
    out = []
    for op in ops:
        if op.kind == "perm":
            out.append(None)
        elif op.kind == "diag":
            out.append(op_values(p, op.factors, X, params, noise, dtype))
        elif op.varies:
            out.append(jax.vmap(lambda x, op=op: _op_matrix(op, x, params, noise, dtype), out_axes=-1)(X))
        else:
            out.append(_op_matrix(op, X[0], params, noise, dtype))
    return out


def apply(psi: jax.Array, m: int, ops: tuple[Op, ...], values: list) -> jax.Array:
    """Applies the passes ``ops`` (with their matrices ``values``) to the states ``psi`` ``(2^m, B)``."""
    B = psi.shape[-1]

    def bc(c, nd):  # a coefficient: a scalar, or one per point along the batch axis
        return c if c.ndim == 0 else c.reshape((1,) * (nd - 1) + (B,))

    for op, mat in zip(ops, values, strict=True):
        if op.kind == "perm":
            psi = psi[_composed_perm(m, op.perm)]
        elif op.kind == "diag":
            psi = _apply_diag(psi, m, op.factors, mat)
        elif op.kind == "one":
            (w,) = op.wires
            v = psi.reshape(2**w, 2, 2 ** (m - w - 1), B)
            p = (v[:, 0], v[:, 1])
            if op.diag:
                out = [bc(mat[i], 3) * p[i] for i in range(2)]
            else:
                out = [bc(mat[i, 0], 3) * p[0] + bc(mat[i, 1], 3) * p[1] for i in range(2)]
            psi = jnp.stack(out, axis=1).reshape(2**m, B)
        elif op.kind == "two":
            a, b = op.wires
            if a > b:  # the view needs the lower wire first: swap the matrix's tensor factors
                sw = np.array([0, 2, 1, 3])
                mat = mat[sw] if op.diag else mat[sw][:, sw]
                a, b = b, a
            v = psi.reshape(2**a, 2, 2 ** (b - a - 1), 2, 2 ** (m - b - 1), B)
            p = [v[:, i, :, j] for i in range(2) for j in range(2)]
            if op.diag:
                out = [bc(mat[k], 4) * p[k] for k in range(4)]
            else:
                out = [_dot([bc(mat[k, j], 4) for j in range(4)], p) for k in range(4)]
            psi = jnp.stack([jnp.stack(out[0:2], axis=2), jnp.stack(out[2:4], axis=2)], axis=1)
            psi = psi.reshape(2**m, B)
        else:  # dense: contiguous wires
            w0, g = op.wires[0], len(op.wires)
            d = 2**g
            v = psi.reshape(2**w0, d, 2 ** (m - w0 - g), B)
            p = [v[:, j] for j in range(d)]
            out = [_dot([bc(mat[k, j], 3) for j in range(d)], p) for k in range(d)]
            psi = jnp.stack(out, axis=1).reshape(2**m, B)
    return psi


def _diag_tables(m: int, ops: tuple[Op, ...], values: list, h: int):
    """The diagonal passes ``ops`` as two tables (computed once, :func:`_table`) and the factors across them.

    ``"A"``: the product of the factors on wires ``0..h-1``, shape ``(2,) * h + (B or 1,)``; ``"C"``:
    of those on wires ``h-1..m-1`` (not in A), ``(2,) * (m - h + 1) + (B or 1,)``; ``cross``: the
    ``(wires, table)`` of each factor that reads wires of both (long-range couplings).
    """
    spans = {"A": (0, h), "C": (h - 1, m)}
    tables: dict[str, list] = {}
    cross = []
    for op, val in zip(ops, values, strict=True):
        k = len(op.wires)
        t = val.reshape((2,) * k + val.shape[1:])
        wires = op.wires
        if list(wires) != sorted(wires):  # the views below need the wires in increasing order
            order = np.argsort(wires)
            t, wires = jnp.transpose(t, (*order, *range(k, t.ndim))), tuple(sorted(wires))
        if t.ndim == k:
            t = t[..., None]
        for name, (lo, hi) in spans.items():
            if lo <= wires[0] and wires[-1] < hi:
                shape = [1] * (hi - lo) + [t.shape[-1]]
                for w in wires:
                    shape[w - lo] = 2
                tables.setdefault(name, []).append(t.reshape(shape))
                break
        else:
            cross.append((wires, t))
    return {name: _table(fs) for name, fs in tables.items()}, cross


def _table(factors: list) -> jax.Array:
    """``factors[0] * factors[1] * ...`` (broadcast), left to right, computed in a loop.

    Written as a chain of products, XLA fuses the chain into the pass over the state that reads the
    table and recomputes it for every amplitude (twenty multiplications per amplitude for twenty
    gates); a loop's result is computed once.  XLA inlines a loop of one step, so two factors run
    as two steps from ones (``1 * a`` is exact).
    """
    if len(factors) == 1:
        return factors[0]
    shape = jnp.broadcast_shapes(*(f.shape for f in factors))
    if len(factors) == 2:
        factors = [jnp.ones((), factors[0].dtype), *factors]
    rest = jnp.stack([jnp.broadcast_to(f, shape) for f in factors[1:]])
    return jax.lax.scan(lambda acc, f: (acc * f, None), jnp.broadcast_to(factors[0], shape), rest)[0]


def _times_cross(v: jax.Array, m: int, cross) -> jax.Array:
    """``v`` (the ``2^m`` amplitudes of every point, any view) times the factors across both tables."""
    B = v.shape[-1]
    for wires, t in cross:
        shape_v, shape_t, prev = [], [], -1
        for w in wires:
            shape_v += [2 ** (w - prev - 1), 2]
            shape_t += [1, 2]
            prev = w
        v = v.reshape(*shape_v, 2 ** (m - prev - 1), B)
        v = v * t.reshape(*shape_t, 1, t.shape[-1])
    return v.reshape(2**m, B)


def _apply_diag(psi: jax.Array, m: int, ops: tuple[Op, ...], values: list) -> jax.Array:
    """The diagonal passes ``ops`` as one multiplication of ``psi`` ``(2^m, B)``.

    The factors are multiplied into two small tables first, one over wires ``0..h-1`` and one over
    wires ``h-1..m-1`` (``h = m // 2``), so each amplitude costs two multiplications whatever the
    number of gates; a factor on a pair of wires across both halves (long-range couplings) is one
    more broadcast multiplication in the same fused pass (as is a :data:`ZSTRING` across them).
    """
    B = psi.shape[-1]
    h = max(1, m // 2)
    tables, cross = _diag_tables(m, ops, values, h)
    v = psi.reshape(2 ** (h - 1), 2, 2 ** (m - h), B)
    if "A" in tables:
        a = tables["A"]
        v = v * jnp.broadcast_to(a, (2,) * h + a.shape[-1:]).reshape(2 ** (h - 1), 2, 1, a.shape[-1])
    if "C" in tables:
        c = tables["C"]
        c = jnp.broadcast_to(c, (2,) * (m - h + 1) + c.shape[-1:])
        v = v * c.reshape(1, 2, 2 ** (m - h), c.shape[-1])
    return _times_cross(v, m, cross)


def _dot(coefs, parts):
    """``sum_j coefs[j] parts[j]``, summed left to right (a fixed order: one result per batch layout)."""
    out = coefs[0] * parts[0]
    for c, p in zip(coefs[1:], parts[1:], strict=True):
        out = out + c * p
    return out


def _repeat(layer, init, layers):
    """``layer`` applied ``layers`` times: ``lax.scan`` for a static int (reverse-differentiable),
    ``lax.fori_loop`` for a traced count (one compile serves every depth; forward-mode only)."""
    if isinstance(layers, int):
        return jax.lax.scan(lambda c, _: (layer(c), None), init, None, length=layers)[0]
    return jax.lax.fori_loop(0, layers, lambda _, c: layer(c), init)


def initial(m: int, batch: int, dtype) -> jax.Array:
    """``|0...0>`` (or ``|0><0|`` on ``m = 2n`` wires) for ``batch`` points: ``(2^m, batch)``.

    Written at run time: XLA would otherwise fold it into a constant of the state's size inside the
    compiled program (a second of compile time and the state's bytes again at 20 qubits)."""
    return jax.lax.optimization_barrier(jnp.zeros((2**m, batch), dtype)).at[0].set(1)


def start(m: int, batch: int, ops: tuple[Op, ...], values: list, dtype) -> jax.Array:
    """``|0...0>`` after the passes ``ops``: ``(2^m, batch)``.

    Leading single-qubit passes on distinct wires leave a product state, built as a Kronecker
    product of their first columns (about one write of the state) instead of one full pass each;
    the passes after them are applied as usual.
    """
    cols: dict[int, jax.Array] = {}  # first wire of a pass -> its first column
    used: set[int] = set()
    k = 0
    for op, val in zip(ops, values, strict=True):
        if op.kind not in ("one", "dense") or used & set(op.wires):
            break
        used |= set(op.wires)
        col = jnp.stack([val[0], jnp.zeros_like(val[0])]) if op.diag else val[:, 0]
        cols[op.wires[0]] = col.reshape(col.shape[0], -1)
        k += 1
    if not cols:
        return apply(initial(m, batch, dtype), m, ops, values)
    rest = ops[k:]
    if m >= DENSE_FROM and len(rest) == 1 and rest[0].kind == "diag":
        return _product_times_diag(m, batch, cols, rest[0], values[k], dtype)
    psi = _kron(cols, 0, m, dtype)
    psi = jnp.broadcast_to(psi.astype(dtype), (2**m, batch))
    return apply(psi, m, rest, values[k:])


def _kron_columns(cols: dict, lo: int, hi: int, dtype) -> list[tuple[int, jax.Array]]:
    """The columns of wires ``lo..hi-1`` in order, as ``(first wire, column)``: ``cols``' own, and
    ``|0...0>`` for each run of untouched wires (no column straddles ``lo`` or ``hi``)."""
    out, w = [], lo
    while w < hi:
        if w in cols:
            col = cols[w]
        else:  # untouched wires up to the next touched one stay |0...0>
            r = next((v for v in range(w, hi) if v in cols), hi) - w
            col = jnp.zeros((2**r, 1), dtype).at[0].set(1)
        out.append((w, col))
        w += col.shape[0].bit_length() - 1
    return out


def _kron(cols: dict, lo: int, hi: int, dtype) -> jax.Array:
    """The product state of wires ``lo..hi-1`` from the first columns ``cols`` (untouched wires
    ``|0>``; no column straddles ``lo`` or ``hi``): ``(2^(hi-lo), 1 or B)``."""
    psi = None
    for _, col in _kron_columns(cols, lo, hi, dtype):
        width = max(col.shape[1], 1 if psi is None else psi.shape[1])
        psi = col if psi is None else (psi[:, None, :] * col[None]).reshape(-1, width)
    return psi


def _kron_factors(cols: dict, lo: int, hi: int, dtype, lead: int = 0) -> list[jax.Array]:
    """The columns of :func:`_kron` as broadcastable factors over ``(1,) * lead + (2,) * (hi - lo)
    + (B or 1,)``: their product, left to right, is the product state (the same multiplications)."""
    out = []
    for w, col in _kron_columns(cols, lo, hi, dtype):
        k = col.shape[0].bit_length() - 1
        shape = (1,) * (lead + w - lo) + (2,) * k + (1,) * (hi - w - k) + col.shape[-1:]
        out.append(col.astype(dtype).reshape(shape))
    return out


def _product_times_diag(m: int, batch: int, cols: dict, op: Op, values: list, dtype) -> jax.Array:
    """A product state times one diagonal pass, written once (large states: :data:`DENSE_FROM`).

    Cut at a wire ``h`` near the middle that no column straddles: the left half's product state
    times the diagonal's table over wires ``0..h-1``, and the right half's times the table over
    wires ``h-1..m-1``, are small; the state is their broadcast product (on the shared wire
    ``h - 1``) times the factors across both tables, one pass over the memory instead of two.
    """
    inside = {w for w0, c in cols.items() for w in range(w0 + 1, w0 + c.shape[0].bit_length() - 1)}
    h = min((c for c in range(2, m - 1) if c not in inside), key=lambda c: (abs(2 * c - m), c))
    tables, cross = _diag_tables(m, op.factors, values, h)
    # each half's columns and table multiplied in a loop (computed once: as a chain of products,
    # XLA fuses it into the pass and recomputes it for every amplitude)
    F = _table(_kron_factors(cols, 0, h, dtype) + ([tables["A"]] if "A" in tables else []))
    G = _table(_kron_factors(cols, h, m, dtype, lead=1) + ([tables["C"]] if "C" in tables else []))
    F = F.reshape(2 ** (h - 1), 2, 1, F.shape[-1])
    G = G.reshape(1, G.shape[0], 2 ** (m - h), G.shape[-1])
    v = jnp.broadcast_to(F * G, (2 ** (h - 1), 2, 2 ** (m - h), batch))
    return _times_cross(v, m, cross)


def constant_tail(ops: tuple[Op, ...]) -> int:
    """Where the trailing unitary passes that do not read ``x`` begin (``len(ops)`` when none do).

    They are the same unitary for every point, so they leave every fidelity unchanged
    (``<U a|U b> = <a|b>``, ``Tr[U r U^H U s U^H] = Tr[r s]``); channels are never part of it.
    """
    def fixed(op):
        if op.kind == "diag":
            return all(fixed(o) for o in op.factors)
        return not op.varies and not any(isinstance(g, str) for g, _, _ in op.factors)

    cut = len(ops)
    while cut and fixed(ops[cut - 1]):
        cut -= 1
    return cut


def _constant_future(gates) -> list[bool]:
    """For each gate: whether it and every gate after it on its wires read no ``x``.

    These gates form a causally closed set: their product commutes past every other gate to the
    end of the circuit, one unitary shared by every point.
    """
    out, live = [False] * len(gates), set()
    for i in range(len(gates) - 1, -1, -1):
        g = gates[i]
        if g.reads_data or live & set(g.wires):
            live |= set(g.wires)
        else:
            out[i] = True
    return out


def _peel_rx(gates) -> list[tuple[Gate, bool]]:
    """Each ``RX(x)`` followed on its wire only by constant-future gates, written as ``H`` then ``RZ``.

    ``RX(a) = H RZ(a) H``; the last ``H`` joins the shared unitary (``U H = (U H U^H) U``), so it is
    left out.  Returns ``(gate, lifted)`` pairs, ``lifted`` for the new ``H`` s (see :func:`_lift_h`).
    """
    const = _constant_future(gates)
    out = []
    for i, g in enumerate(gates):
        w = g.wires
        if g.name == "RX" and g.reads_data and all(const[j] for j in range(i + 1, len(gates))
                                                   if w[0] in gates[j].wires):
            out += [(Gate("H", w), True), (Gate("RZ", w, g.angles), False)]
        else:
            out.append((g, False))
    return out


def _lift_h(items: list[tuple[Gate, bool]]) -> list[Gate]:
    """The lifted ``H`` s moved back as far as they go, where the planner merges them into a pass.

    ``(H x H) CNOT(c, t) = CNOT(t, c) (H x H)`` and ``H x H`` commutes with ``SWAP``: an ``H`` passes
    a CNOT or SWAP whose wires all carry one; it stops after any other gate on its wire (then it is
    one more factor of that wire's single-qubit run), or at ``|0...0>``.
    """
    out, pending = [], set()
    for g, lifted in reversed(items):
        if lifted:
            pending.add(g.wires[0])
            continue
        ws = set(g.wires)
        if g.name in ("CNOT", "SWAP") and ws <= pending:
            out.append(g if g.name == "SWAP" else Gate("CNOT", g.wires[::-1]))
            continue
        out += [Gate("H", (w,)) for w in g.wires if w in pending]
        pending -= ws
        out.append(g)
    out += [Gate("H", (w,)) for w in sorted(pending)]
    return out[::-1]


def _diagonals_first(gates: list[Gate]) -> list[Gate]:
    """The circuit's trailing run of CNOT/SWAP/X and ``RZ``/``IsingZZ`` with the diagonals first.

    Behind a network of CNOTs, SWAPs and Xs every wire holds an affine function of the bits before
    it, a parity of some wires (complemented or not), so an ``RZ(a)`` read after it is ``RZ(+-a)`` on
    that parity before it: a :data:`ZSTRING`.  The network then ends the circuit: a constant
    permutation, which the constant tail drops.  The run is left as it is when a moved gate would
    read more than :data:`ZSTRING_WIDTH` wires or none (a phase per point).
    """
    movable = ("CNOT", "SWAP", "X", "RZ", "IsingZZ", ZSTRING)
    k = len(gates)
    while k and gates[k - 1].name in movable:
        k -= 1
    form: dict[int, tuple[frozenset, int]] = {}  # wire -> (wires of its parity, complemented)

    def get(w):
        return form.get(w, (frozenset((w,)), 0))

    diags, perms = [], []
    for g in gates[k:]:
        if g.name == "CNOT":
            (sc, fc), (st, ft) = get(g.wires[0]), get(g.wires[1])
            form[g.wires[1]] = (sc ^ st, fc ^ ft)
            perms.append(g)
        elif g.name == "SWAP":
            a, b = g.wires
            form[a], form[b] = get(b), get(a)
            perms.append(g)
        elif g.name == "X":
            s, f = get(g.wires[0])
            form[g.wires[0]] = (s, f ^ 1)
            perms.append(g)
        else:
            s, f = frozenset(), 0
            for w in g.wires:
                s, f = s ^ get(w)[0], f ^ get(w)[1]
            if not s or len(s) > ZSTRING_WIDTH:
                return gates
            (a,) = g.angles
            if f:  # the complemented parity turns the rotation the other way
                a = a._replace(scale=-a.scale, offset=-a.offset)
            diags.append(Gate(ZSTRING, tuple(sorted(s)), (a,)))
    if not perms or not diags:
        return gates
    return list(gates[:k]) + diags + perms


def fidelity_gates(gates: tuple[Gate, ...]) -> tuple[Gate, ...]:
    """Gates whose pure state equals that of ``gates`` up to a unitary shared by every point.

    The HEE's last ``RX`` layer becomes ``H`` s merged into the layer before (through the CNOT ring,
    which they reverse) and ``RZ`` s, which move back through the reversed ring as parities of two
    or three neighbouring wires; the rings are left at the end, where the constant tail drops them.
    The L = 2 HEE is then a product state and one diagonal pass.
    """
    items = _peel_rx(list(gates))
    lifted = _lift_h(items) if any(flag for _, flag in items) else list(gates)
    return tuple(_diagonals_first(lifted))


def _cost(ops: tuple[Op, ...], from_zero: bool) -> int:
    """Passes over the state, less those :func:`start` builds (dense and non-diagonal 4x4 count twice)."""
    k, used = 0, set()
    while from_zero and k < len(ops) and ops[k].kind in ("one", "dense") and not used & set(ops[k].wires):
        used |= set(ops[k].wires)
        k += 1
    heavy = sum(op.kind == "dense" or (op.kind == "two" and not op.diag) for op in ops[k:])
    return int(from_zero) + len(ops) - k + heavy


class FidelityPlan(NamedTuple):
    """Statevector passes for fidelities (see :func:`fidelity_plan`), constant tails left out.

    Attributes:
        one, two: the prefix and one or two layers, from ``|0...0>``.
        block: the last two layers, after the others (``L >= 3``), or None where the rewrite does
            not pay for them.
    """

    one: Plan
    two: Plan
    block: Plan | None


@functools.cache
def fidelity_plan(circuit: Circuit) -> FidelityPlan | None:
    """The passes of :func:`fidelity_gates`, or None where they are not fewer than :func:`plan`'s."""
    n = circuit.n_qubits

    def passes(gates):
        ops = tuple(_merge_diag(_merge_dense(_plan_gates(list(_items(gates, n, False, False))), n), n))
        return ops[:constant_tail(ops)]

    two = circuit.prefix + circuit.layer * 2
    new = passes(fidelity_gates(two))
    if _cost(new, True) >= _cost(passes(two), True):
        return None
    block = passes(fidelity_gates(circuit.layer * 2))
    keep = _cost(block, False) < _cost(passes(circuit.layer * 2), False)
    return FidelityPlan(Plan(n, (), passes(fidelity_gates(circuit.prefix + circuit.layer))),
                        Plan(n, (), new), Plan(n, (), block) if keep else None)


#: qubits from which a circuit whose gates across a middle cut are all diagonal runs as two halves
CUT_FROM = 12
#: the most diagonal gates across the cut that a cut simulation takes (each doubles both halves' batch)
CUT_GATES = 3

_PROJECT = "Project"


class CutPlan(NamedTuple):
    """A pure state simulated as two halves joined by one pass (see :func:`cut_plan`).

    Attributes:
        n, h: the qubits, and the cut: wires ``0..h-1`` (left) and ``h..n-1`` (right).
        left, right: each half's passes on its own wires (``0..h-1``, ``0..n-h-1``), with a
            projector (a ``"one"`` pass whose single factor is ``("Project", t)``) where gate ``t``
            of ``cross`` reads the half's wire.
        cross: the diagonal two-wire passes across the cut that other gates follow, in order.
        tail: the trailing diagonal passes (nothing but diagonal passes follow them on their
            wires), applied to the joined state in the same pass.
    """

    n: int
    h: int
    left: tuple[Op, ...]
    right: tuple[Op, ...]
    cross: tuple[Op, ...]
    tail: tuple[Op, ...]


@functools.cache
def _unmerged(gates: tuple[Gate, ...], n: int) -> tuple[Op, ...]:
    return tuple(_plan_gates(list(_items(gates, n, False, False))))


def _on_half(op: Op, lo: int) -> Op:
    """``op`` on the wires of a half that starts at ``lo``."""
    wires = tuple(w - lo for w in op.wires)
    if op.kind != "perm":
        return op._replace(wires=wires)
    return _perm_op(wires, tuple((g, tuple(w - lo for w in fw), c) for g, fw, c in op.factors))


def _trailing_diagonals(ops: tuple[Op, ...]) -> list[bool]:
    """For each pass: whether it is diagonal and only diagonal passes follow it on its wires."""
    live: set[int] = set()  # wires with a non-diagonal pass later
    trailing = [False] * len(ops)
    for i in range(len(ops) - 1, -1, -1):
        if ops[i].diag and not live & set(ops[i].wires):
            trailing[i] = True
        else:
            live |= set(ops[i].wires)
    return trailing


def _split(ops: tuple[Op, ...], trailing: list[bool], n: int, h: int) -> CutPlan | None:
    left, right, cross = [], [], []
    for op, tr in zip(ops, trailing, strict=True):
        if tr:
            continue
        lo, hi = min(op.wires), max(op.wires)
        if hi < h:
            left.append(_on_half(op, 0))
        elif lo >= h:
            right.append(_on_half(op, h))
        elif op.kind == "two" and op.diag and len(cross) < CUT_GATES:
            t = len(cross)
            cross.append(op)
            left.append(Op("one", (lo,), ((_PROJECT, t),), True, True))
            right.append(Op("one", (hi - h,), ((_PROJECT, t),), True, True))
        else:
            return None
    tail = tuple(_merge_diag([op for op, tr in zip(ops, trailing, strict=True) if tr], n))
    return CutPlan(n, h, tuple(left), tuple(right), tuple(cross), tail)


@functools.cache
def cut_plan(circuit: Circuit, layers: int) -> CutPlan | None:
    """The cut simulation of ``circuit`` at ``layers`` layers, or None where it does not apply or pay.

    It applies to pure states of at least :data:`CUT_FROM` qubits whose gates across some cut near the
    middle are diagonal two-wire gates (the ZZ map's couplings of neighbouring or circular pairs,
    merged with their CNOTs), at most :data:`CUT_GATES` of them before the cut's wires meet another
    kind of gate.  Before the trailing diagonal gates, such a state is
    ``sum_ab C_ab(x) |L_a(x)> (x) |R_b(x)>``, where ``|L_a>`` is the left half's circuit with each
    crossing gate replaced by the projector onto bit ``a_t`` of its left wire (likewise ``|R_b>``)
    and ``C_ab`` is the product of the crossing gates' diagonal entries: two states of about
    ``2^(n/2)`` amplitudes per label, joined by one pass over the full state, into which the
    trailing diagonal gates are fused.  The plain plan's passes over the full state are then one.
    It pays where that plan makes three passes or more.
    """
    n = circuit.n_qubits
    if n < CUT_FROM or layers < 1:
        return None
    p = plan(circuit, False, False)
    if _cost(p.prefix + p.layer, True) + (layers - 1) * _cost(p.layer, False) < 3:
        return None
    ops = _unmerged(circuit.prefix, n) + _unmerged(circuit.layer, n) * layers
    trailing = _trailing_diagonals(ops)
    best = None
    for h in sorted(range(max(1, n // 2 - 2), min(n - 1, n // 2 + 2) + 1), key=lambda c: abs(2 * c - n)):
        cp = _split(ops, trailing, n, h)
        if cp is not None and (best is None or len(cp.cross) < len(best.cross)):
            best = cp
    return best


def _half_values(ops: tuple[Op, ...], Xl, params, labels: int, dtype) -> list:
    """The passes' matrices for the ``B * labels`` columns of a half (point-major, label bits last)."""
    bits = np.arange(Xl.shape[0]) % labels
    out = []
    for op in ops:
        if op.factors and op.factors[0][0] == _PROJECT:
            b = jnp.asarray((bits >> op.factors[0][1]) & 1, dtype)
            out.append(jnp.stack([1 - b, b]))
        else:
            out.append(op_values(None, (op,), Xl, params, None, dtype)[0])
    return out


def simulate_cut(cp: CutPlan, X: jax.Array, params, dtype) -> jax.Array:
    """The states ``(2^n, B)`` of :func:`cut_plan`'s circuit, exact (no shared unitary left out)."""
    n, h, k = cp.n, cp.h, len(cp.cross)
    B, labels = X.shape[0], 2**k
    Xl = jnp.repeat(X, labels, axis=0)
    L = start(h, B * labels, cp.left, _half_values(cp.left, Xl, params, labels, dtype), dtype)
    R = start(n - h, B * labels, cp.right, _half_values(cp.right, Xl, params, labels, dtype), dtype)
    L, R = L.reshape(2**h, B, labels), R.reshape(2 ** (n - h), B, labels)
    lab = np.arange(labels)
    C = jnp.ones((labels, labels, B), dtype)
    for t, op in enumerate(cp.cross):
        d = op_values(None, (op,), X, params, None, dtype)[0]  # (4, B) or (4,): index 2 a + b
        d = d if d.ndim == 2 else jnp.broadcast_to(d[:, None], (4, B))
        a, b = (lab[:, None] >> t) & 1, (lab[None, :] >> t) & 1
        idx = 2 * a + b if op.wires[0] < h else 2 * b + a
        C = C * d[idx]
    # sums in a fixed order, point by point: one result per point whatever shares its batch.  The
    # left factors M_b = sum_a C_ab L_a come out of a loop, which XLA does not fuse into the join: fused,
    # a lone point's program (size-1 axes) computed them with other roundings than a batch's
    def left_factor(_, Cb):
        return None, _dot([Cb[a][None] for a in range(labels)], [L[..., a] for a in range(labels)])

    M = jax.lax.scan(left_factor, None, jnp.moveaxis(C, 1, 0))[1]  # (labels, 2^h, B)
    psi = _dot([M[b][:, None] for b in range(labels)], [R[None, :, :, b] for b in range(labels)])
    psi = psi.reshape(2**n, B)
    return apply(psi, n, cp.tail, op_values(None, cp.tail, X, params, None, dtype))


def simulate(circuit: Circuit, X: jax.Array, params, noise, layers, *, mixed: bool, dtype,
             record=None, upto_constant: bool = False, at_least: int = 0) -> jax.Array:
    """The states of every row of ``X`` after the prefix and ``layers`` layers, batch last.

    The first layer runs outside the loop, so its leading single-qubit passes make a product state
    (:func:`start`), and the loop runs ``tail, head`` of the layer ``layers - 1`` times, where
    ``tail`` is the layer's trailing passes that do not read ``x`` (:func:`constant_tail`):
    ``prefix (head tail)^L = prefix head (tail head)^(L - 1) tail``.

    Args:
        circuit: the circuit (its own ``layers`` field is ignored here: ``layers`` counts).
        X: ``(B, n_features)``.
        params: ``(n_params,)`` or None.
        noise: the depolarising probability (a scalar, traced or not) when ``mixed``; else unused.
        layers: a Python int (``lax.scan``, differentiable) or a traced int (``fori_loop``).
        mixed: density matrices (``(4^n, B)``) instead of statevectors (``(2^n, B)``).
        dtype: the complex dtype.
        record: optional ``(f, flags)``: scan over ``len(flags)`` steps of ``layers`` layers each and
            return ``f(states)`` after every step whose flag is set (zeros elsewhere), stacked.
        upto_constant: leave out the final ``tail`` (the same unitary for every point): the states
            are then right up to that unitary, which every fidelity between them ignores.  For
            statevectors the last two layers are rewritten where that saves passes
            (:func:`fidelity_plan`; up to a shared unitary as well).
        at_least: a lower bound of a traced ``layers`` (the caller's promise): the programs of
            smaller depths are not traced or compiled.

    Returns:
        ``(2^m, B)`` states, or the stacked records.
    """
    if record is None and not mixed and isinstance(layers, int):
        cp = cut_plan(circuit, layers)
        if cp is not None:
            return simulate_cut(cp, X, params, dtype)
    p = plan(circuit, mixed, mixed and noise is not None)
    B = X.shape[0]
    pre = op_values(p, p.prefix, X, params, noise, dtype)
    lay = op_values(p, p.layer, X, params, noise, dtype)
    if record is not None:
        psi = start(p.m, B, p.prefix, pre, dtype)
        step = lambda s: apply(s, p.m, p.layer, lay)  # noqa: E731
        fn, flags = record

        def body(s, flag):
            s = _repeat(step, s, layers)
            out = jax.lax.cond(flag, fn, lambda t: jax.tree.map(jnp.zeros_like, jax.eval_shape(fn, t)), s)
            return s, out

        return jax.lax.scan(body, psi, flags)[1]
    cut = constant_tail(p.layer)
    head, tail, hv, tv = p.layer[:cut], p.layer[cut:], lay[:cut], lay[cut:]

    def run():
        psi = start(p.m, B, p.prefix + head, pre + hv, dtype)
        psi = _repeat(lambda s: apply(s, p.m, tail + head, tv + hv), psi, layers - 1)
        return psi if upto_constant else apply(psi, p.m, tail, tv)

    def zero():
        return start(p.m, B, p.prefix, pre, dtype)

    fp = fidelity_plan(circuit) if upto_constant and not mixed else None
    if fp is None:
        if isinstance(layers, int):
            return run() if layers > 0 else zero()
        return run() if at_least > 0 else jax.lax.cond(layers > 0, run, zero)

    def values(q):
        return op_values(q, q.layer, X, params, None, dtype)

    def short(q):
        return lambda: start(q.m, B, q.layer, values(q), dtype)

    def deep():  # L >= 3: every layer but the last two as usual, then the rewritten pair
        if fp.block is None:
            return run()
        psi = start(p.m, B, p.prefix + p.layer, pre + lay, dtype)
        psi = _repeat(lambda s: apply(s, p.m, p.layer, lay), psi, layers - 3)
        return apply(psi, p.m, fp.block.layer, values(fp.block))

    branches = (zero, short(fp.one), short(fp.two), deep)
    if isinstance(layers, int):
        return branches[min(layers, 3)]()
    lo = min(at_least, 3)
    if lo == 3:
        return deep()
    return jax.lax.switch(jnp.clip(layers, lo, 3) - lo, branches[lo:])


def bloch_batch(S: jax.Array, n: int, *, mixed: bool) -> jax.Array:
    """Bloch vectors ``(<X_k>, <Y_k>, <Z_k>)`` of every qubit's reduced state, from batch-last states.

    Args:
        S: ``(2^n, B)`` statevectors or ``(4^n, B)`` flattened density matrices (``mixed``).

    Returns:
        ``(B, n, 3)`` real; ``rho_k = (I + r_k . sigma) / 2``.
    """
    B = S.shape[-1]
    out = []
    for k in range(n):
        if mixed:
            r = S.reshape(2**k, 2, 2 ** (n - k - 1), 2**k, 2, 2 ** (n - k - 1), B)
            red = jnp.einsum("aicajcz->ijz", r)
            off, z = red[1, 0], (red[0, 0] - red[1, 1]).real
        else:
            v = S.reshape(2**k, 2, 2 ** (n - k - 1), B)
            p0, p1 = v[:, 0], v[:, 1]
            off = jnp.sum(jnp.conj(p0) * p1, axis=(0, 1))  # rho_k[1, 0]
            z = jnp.sum(jnp.abs(p0) ** 2 - jnp.abs(p1) ** 2, axis=(0, 1))
        out.append(jnp.stack([2 * off.real, 2 * off.imag, z], axis=-1))
    return jnp.stack(out, axis=1)


def rotation_matrices(rotation: str, angles: jax.Array, dtype) -> jax.Array:
    """``(n, 2, 2)`` matrices of one rotation layer: ``"rx"``, ``"ry"`` or ``"hrz"`` (``RZ(a) H``).

    The same matrices as the circuit form's ``RX``, ``RY`` and ``RZ . H`` (the MPS backend's layers).
    """
    from embtheory.qkernels.circuit import gate

    if rotation not in ("rx", "ry", "hrz"):
        raise ValueError(f"rotation must be one of ['hrz', 'rx', 'ry'], got {rotation!r}")
    name = "RZ" if rotation == "hrz" else rotation.upper()
    mats = gate_matrix(gate(name, 0, 0.0), [angles], dtype)  # (2, 2, n)
    if rotation == "hrz":
        h = jnp.asarray(np.array([[1, 1], [1, -1]]) / np.sqrt(2), dtype)
        mats = jnp.einsum("abn,bc->acn", mats, h)
    return jnp.moveaxis(mats, -1, 0)

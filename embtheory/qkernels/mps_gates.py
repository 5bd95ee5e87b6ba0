"""Matrix-product states of any circuit: a sequence of one- and two-qubit gates on any qubits.

A circuit is a sequence of ``(wires, U)`` pairs: ``wires`` a tuple of one or two distinct qubits and
``U`` a ``(2, 2)`` or ``(4, 4)`` unitary whose tensor factors follow ``wires`` (the first wire is the
most significant bit of U's row index), optionally with a leading batch axis of points
``(N, 2, 2)`` / ``(N, 4, 4)``. Wires are static Python ints; the matrices may be traced.

How a circuit becomes MPS updates (planned on the host from the wires alone):

- single-qubit gates are not applied on their own: each is folded into the next two-site update
  that touches its qubit (a 4x4 product), and those left at the end act on the physical indices;
- a two-qubit gate on neighbouring sites is one two-site update (contract, apply, SVD, split);
- a gate on qubits ``i < j`` further apart is routed: the qubit at site ``j`` is swapped down to
  site ``i + 1``, the gate acts on ``(i, i + 1)`` and the qubit is swapped back, so every qubit
  sits on its own site between gates (the wires of later gates need no relabelling);
- before each update the orthogonality centre is moved onto the two sites (QR steps), so each
  SVD truncation is the optimal one, and after the last the centre returns to site 0.

Bonds are exact unless a cap is reached. The bond of every cut is bounded before anything runs:
the Schmidt rank across the qubits left of a cut is at most ``2^min(|S|, n - |S|)`` and at most
the product, over the gates applied so far whose two qubits the cut separates, of their operator
Schmidt ranks (2 for CNOT, CZ and the Ising gates, 4 for a generic gate; SWAPs of the routing are
relabellings and multiply nothing). The updates run in segments of growing padded bond (powers of
two up to that bound, capped by ``max_bond``); a cap below the bound truncates, and the discarded
weight (the squared singular values dropped, the state renormalised) is returned and warned
about, never dropped silently.

The run is planned and costed before it starts (:func:`mps_gate_cost`): past the memory budget or
the time limit it is refused with what would fit. It is chunked over points and over blocks of
updates, each chunk one compiled call of about a second, so Ctrl-C returns between chunks; the
chunking changes no number (each point's updates are the same operations in the same order).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.memory import resolve_memory_budget
from embtheory.core.validation import check_int, check_memory, is_concrete
from embtheory.qkernels.mps import (
    CALL_SECONDS,
    MPS,
    SECONDS_PER_CHI3_QR,
    SECONDS_PER_CHI3_UPDATE,
    SECONDS_PER_UPDATE,
    MPSCost,
    _alternatives,
    _default_chunk,
    _move_centre_left,
    _move_centre_right,
    _refuse,
    _report,
    mps_cost,
)

__all__ = ["mps_gate_cost", "mps_gate_states"]

_SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], float)

#: The smallest padded bond of a segment: below it an update costs little more than its call
#: overhead, and fewer segments mean fewer compiles (each bond compiles its own block function).
_MIN_BOND = 8


class _Op(NamedTuple):
    site: int  # the update acts on sites (site, site + 1)
    gate: int  # index of the two-qubit gate, or -1 for a routing SWAP
    reverse: bool  # the gate's first wire sits on site + 1
    left: tuple[int, ...]  # single-qubit gates folded in on site `site` (in circuit order)
    right: tuple[int, ...]  # ... and on site + 1


class _Plan(NamedTuple):
    n: int
    ops: tuple[_Op, ...]
    tail: tuple[tuple[int, ...], ...]  # per qubit, single-qubit gates after its last update
    moves: np.ndarray  # (M, 3) centre before the op, QR steps right, QR steps left
    s_right: np.ndarray  # (M,) singular values go right (centre ends on site + 1)
    final_centre: int
    bounds: np.ndarray  # (M,) log2 of the exact bond bound after each op (max over cuts so far)


def _operator_rank(U: np.ndarray) -> int:
    """Operator Schmidt rank of ``(..., 4, 4)`` gates (max over a batch), rounding-tolerant."""
    M = U.reshape((*U.shape[:-2], 2, 2, 2, 2)).swapaxes(-3, -2).reshape((*U.shape[:-2], 4, 4))
    s = np.linalg.svd(M, compute_uv=False)
    tol = 1e3 * np.finfo(s.dtype).eps * np.maximum(s[..., :1], 1e-300)
    return int(np.max(np.sum(s > tol, axis=-1)))


@functools.cache
def _plan(wires: tuple[tuple[int, ...], ...], ranks: tuple[int, ...], n: int) -> _Plan:
    """The routed updates, centre moves and bond bounds of a circuit (host only, wires only)."""
    occ = list(range(n))  # occ[site] = qubit on that site
    pending: list[list[int]] = [[] for _ in range(n)]
    ops: list[_Op] = []
    for g, w in enumerate(wires):
        if len(w) == 1:
            pending[w[0]].append(g)
            continue

        def update(k, gate, reverse=False):
            ops.append(_Op(k, gate, reverse, tuple(pending[occ[k]]), tuple(pending[occ[k + 1]])))
            pending[occ[k]], pending[occ[k + 1]] = [], []
            if gate < 0:
                occ[k], occ[k + 1] = occ[k + 1], occ[k]

        a, b = w
        i, j = min(a, b), max(a, b)
        for s in range(j - 1, i, -1):
            update(s, -1)
        update(i, g, reverse=a != i)
        for s in range(i + 1, j):
            update(s, -1)

    # bond bounds: cut c separates the qubits on sites 0..c from the rest; a qubit is left of cut c
    # when its site is <= c, and only an update on sites (c, c + 1) changes cut c
    cap = np.array([min(c + 1, n - c - 1) for c in range(n - 1)], float)
    log_bond = np.zeros(n - 1)
    pos = np.arange(n)  # pos[qubit] = its site
    ha, hb, hr = [], [], []
    running, bounds = 0.0, []
    for op in ops:
        k = op.site
        if op.gate < 0:
            qa, qb = np.flatnonzero(pos == k)[0], np.flatnonzero(pos == k + 1)[0]
            pos[qa], pos[qb] = k + 1, k
            if ha:  # the gates so far whose qubits the new cut separates
                straddle = (pos[ha] <= k) != (pos[hb] <= k)
                log_bond[k] = min(cap[k], float(np.sum(np.asarray(hr)[straddle])))
            else:
                log_bond[k] = 0.0
        else:
            a, b = wires[op.gate]
            ha.append(a)
            hb.append(b)
            hr.append(math.log2(ranks[op.gate]))
            log_bond[k] = min(cap[k], log_bond[k] + hr[-1])
        running = max(running, log_bond[k])
        bounds.append(running)

    # centre moves: before op m the centre must be on site k or k + 1
    m_ops = len(ops)
    moves = np.zeros((m_ops, 3), np.int32)
    s_right = np.zeros(m_ops, bool)
    centre = 0
    for m, op in enumerate(ops):
        k = op.site
        right = max(0, k - centre)
        left = max(0, centre - k - 1)
        moves[m] = (centre, right, left)
        centre = centre + right - left
        nxt = ops[m + 1].site if m + 1 < m_ops else 0
        s_right[m] = nxt > k
        centre = k + 1 if s_right[m] else k
    tail = tuple(tuple(p) for p in pending)
    return _Plan(n, tuple(ops), tail, moves, s_right, centre, np.asarray(bounds, float))


def _segments(plan: _Plan, max_bond: int | None) -> tuple[list[tuple[int, int, int]], int, bool]:
    """``([(start, stop, chi), ...], exact_bond, exact)``: runs of updates at one padded bond."""
    exact_bond = round(2 ** plan.bounds.max()) if len(plan.bounds) else 1
    padded = 2 ** math.ceil(math.log2(exact_bond) - 1e-9)  # the power of two holding it
    segs: list[tuple[int, int, int]] = []
    for m, b in enumerate(plan.bounds):
        chi = max(_MIN_BOND, 2 ** math.ceil(b - 1e-9))  # small bonds share one compile
        chi = min(chi, 2 ** (plan.n // 2), padded)
        if max_bond is not None:
            chi = min(chi, max_bond)
        if segs and segs[-1][2] >= chi:
            segs[-1] = (segs[-1][0], m + 1, segs[-1][2])
        else:
            segs.append((m, m + 1, chi))
    exact = max_bond is None or max_bond >= exact_bond
    return segs, exact_bond, exact


class _Gather(NamedTuple):
    """Host-side indices that turn the stacked gate matrices into the updates' matrices."""

    one: tuple[int, ...]  # gate numbers of the single-qubit gates (stack rows 1..; row 0 the identity)
    two: tuple[int, ...]  # gate numbers of the two-qubit gates (stack rows 1..; row 0 the SWAP)
    base: np.ndarray  # (M,) two-qubit stack row of each update
    reverse: np.ndarray  # (M,) the gate's first wire sits on the update's right site
    left: np.ndarray  # (W, M) single-qubit stack rows folded in on the left site, in circuit order
    right: np.ndarray  # (W, M) ... and on the right site (0, the identity, pads)
    tail: np.ndarray  # (W', n) single-qubit stack rows after each qubit's last update


@functools.cache
def _gather(wires: tuple[tuple[int, ...], ...], ranks: tuple[int, ...], n: int) -> _Gather:
    plan = _plan(wires, ranks, n)
    one = tuple(g for g, w in enumerate(wires) if len(w) == 1)
    two = tuple(g for g, w in enumerate(wires) if len(w) == 2)
    row1 = {g: r + 1 for r, g in enumerate(one)}
    row2 = {g: r + 1 for r, g in enumerate(two)}

    def padded(lists, count):
        width = max([len(x) for x in lists] + [1])
        out = np.zeros((width, count), np.int32)
        for i, x in enumerate(lists):
            out[: len(x), i] = [row1[g] for g in x]
        return out

    m = len(plan.ops)
    return _Gather(
        one, two,
        np.array([0 if op.gate < 0 else row2[op.gate] for op in plan.ops], np.int32).reshape(m),
        np.array([op.reverse for op in plan.ops], bool).reshape(m),
        padded([op.left for op in plan.ops], m), padded([op.right for op in plan.ops], m),
        padded(list(plan.tail), n))


def _products(one, rows):
    """``one[rows[W-1]] @ ... @ one[rows[0]]``, ``(count, 2, 2)``: gates applied in circuit order."""
    eye = jnp.broadcast_to(jnp.eye(2, dtype=one.dtype), (rows.shape[1], 2, 2))
    return jax.lax.scan(lambda P, r: (one[r] @ P, None), eye, rows)[0]


def _build_one(one, two, base, reverse, left, right, tail):
    """One point's ``(M, 4, 4)`` update matrices (single-qubit gates folded in) and ``(n, 2, 2)`` tail.

    ``one (G1 + 1, 2, 2)`` and ``two (G2 + 1, 4, 4)`` are the stacked matrices (identity and SWAP
    first); the index arrays are those of :class:`_Gather`. One compile per shape, whatever the wires.
    """
    B = two[base]
    perm = jnp.array([0, 2, 1, 3])  # SWAP B SWAP: the gate's factors exchanged
    B = jnp.where(reverse[:, None, None], B[:, perm][:, :, perm], B)
    L, R = _products(one, left), _products(one, right)
    K = jnp.einsum("mab,mcd->macbd", L, R).reshape(B.shape)
    return B @ K, _products(one, tail)


_build = jax.jit(jax.vmap(_build_one, in_axes=(0, 0, None, None, None, None, None)))


def _stacks(gather: _Gather, mats, dtype):
    """``(N, G1 + 1, 2, 2)`` and ``(N, G2 + 1, 4, 4)``: identity / SWAP first, then the gates' matrices
    (NumPy when every matrix is concrete, so that slicing chunks of points is free)."""
    xp = np if is_concrete(*mats) else jnp
    n_points = mats[0].shape[0] if mats else 1
    eye = xp.broadcast_to(xp.eye(2, dtype=dtype), (n_points, 1, 2, 2))
    swap = xp.broadcast_to(xp.asarray(_SWAP, dtype=dtype), (n_points, 1, 4, 4))
    one = xp.concatenate([eye] + [xp.asarray(mats[g]).astype(dtype)[:, None] for g in gather.one], axis=1)
    two = xp.concatenate([swap] + [xp.asarray(mats[g]).astype(dtype)[:, None] for g in gather.two], axis=1)
    return one, two


def _update(T, k, gate, s_right, chi):
    """``gate`` on sites ``(k, k+1)`` of ``T (n, chi, 2, chi)``: SVD, keep ``chi``; ``(T, discarded)``."""
    A = jax.lax.dynamic_index_in_dim(T, k, keepdims=False)
    B = jax.lax.dynamic_index_in_dim(T, k + 1, keepdims=False)
    theta = jnp.einsum("lar,rbq->labq", A, B)
    theta = jnp.einsum("abcd,lcdq->labq", gate.reshape(2, 2, 2, 2), theta)
    U, S, Vh = jnp.linalg.svd(theta.reshape(2 * chi, 2 * chi), full_matrices=False)
    total = jnp.sum(S * S)
    kept = S[:chi]
    dropped = jnp.where(total > 0, 1 - jnp.sum(kept * kept) / total, 0.0)
    kept = (kept / jnp.sqrt(jnp.where(total > 0, jnp.sum(kept * kept), 1.0))).astype(T.dtype)
    one = jnp.ones_like(kept)
    A2 = U[:, :chi] * jnp.where(s_right, one, kept)[None, :]
    B2 = jnp.where(s_right, kept, one)[:, None] * Vh[:chi]
    T = jax.lax.dynamic_update_index_in_dim(T, A2.reshape(chi, 2, chi), k, 0)
    T = jax.lax.dynamic_update_index_in_dim(T, B2.reshape(chi, 2, chi), k + 1, 0)
    return T, dropped


def _block(T, weight, gates, moves, sites, s_right, valid, chi):
    """A block of updates of one point: centre moves, then the SVD update, for each valid row."""

    def body(carry, row):
        T, w = carry
        gate, (c, right, left), k, sr, ok = row

        def run(T):
            T = jax.lax.fori_loop(0, right, lambda i, T: _move_centre_right(T, c + i, chi), T)
            T = jax.lax.fori_loop(0, left, lambda i, T: _move_centre_left(T, c - i, chi), T)
            return _update(T, k, gate, sr, chi)

        T, d = jax.lax.cond(ok, run, lambda T: (T, jnp.zeros((), w.dtype)), T)
        return (T, w + d), None

    (T, weight), _ = jax.lax.scan(body, (T, weight), (gates, moves, sites, s_right, valid))
    return T, weight


@functools.cache
def _block_fn(chi: int):
    """A jitted block of updates over a batch of points (one compile per bond and shapes)."""
    one = functools.partial(_block, chi=chi)
    return jax.jit(jax.vmap(one, in_axes=(0, 0, 0, None, None, None, None)))


@functools.cache
def _finish_fn(centre: int, chi: int):
    """Centre back to site 0, then the trailing single-qubit gates (a jitted batch function)."""

    def one(T, tail):
        T = jax.lax.fori_loop(0, centre, lambda i, T: _move_centre_left(T, centre - i, chi), T)
        return jnp.einsum("kab,klbr->klar", tail, T)

    return jax.jit(jax.vmap(one))


def _pad(T, chi):
    c = T.shape[-1]
    if c == chi:
        return T
    return jnp.pad(T, ((0, 0), (0, 0), (0, chi - c), (0, 0), (0, chi - c)))


def _check_gates(gates, n: int, dtype):
    """``(wires, mats, n_points, dtype, ranks)`` of a gate sequence, checked before any work."""
    if isinstance(gates, (str, bytes)) or not hasattr(gates, "__len__") or not hasattr(gates, "__iter__"):
        raise TypeError("gates must be a sequence of (wires, U) pairs (as circuit_unitaries returns), got "
                        f"{type(gates).__name__}")
    wires, mats, batch = [], [], set()
    for g, item in enumerate(gates):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise TypeError(f"gates[{g}] must be a pair (wires, U), got {item!r:.80}")
        w, U = item
        if isinstance(w, (int, np.integer)) and not isinstance(w, bool):
            w = (w,)
        if not isinstance(w, (tuple, list)) or len(w) not in (1, 2):
            raise ValueError(f"gates[{g}] wires must be a tuple of one or two qubits, got {w!r}")
        w = tuple(check_int(q, f"gates[{g}] wire", minimum=0) for q in w)
        if max(w) >= n:
            raise ValueError(f"gates[{g}] acts on qubit {max(w)}, outside n = {n} qubits (0..{n - 1}): "
                             "pass a larger n or fix the wires")
        if len(w) == 2 and w[0] == w[1]:
            raise ValueError(f"gates[{g}] names qubit {w[0]} twice: a two-qubit gate needs two distinct "
                             "wires")
        if not isinstance(U, (jax.Array, np.ndarray)):
            U = np.asarray(U)
        if not (np.issubdtype(U.dtype, np.number)) or U.dtype == np.bool_:
            raise TypeError(f"gates[{g}] matrix must be numeric, got dtype {U.dtype}")
        d = 2 ** len(w)
        if U.ndim not in (2, 3) or U.shape[-2:] != (d, d):
            raise ValueError(f"gates[{g}] on wires {w} needs a ({d}, {d}) matrix (or (N, {d}, {d}) for N "
                             f"points), got shape {tuple(U.shape)}")
        if U.ndim == 3:
            batch.add(int(U.shape[0]))
        wires.append(w)
        mats.append(U)
    if len(batch) > 1:
        raise ValueError("gates must share one number of points N on their leading axis, got "
                         f"{sorted(batch)}")
    n_points = batch.pop() if batch else 1
    if n_points < 1:
        raise ValueError("gates have zero points on their leading axis: pass at least one point")
    if dtype is None:
        wide = any(np.dtype(U.dtype) in (np.dtype(np.float64), np.dtype(np.complex128)) for U in mats)
        dtype = np.complex128 if wide and jax.config.jax_enable_x64 else np.complex64
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.complex64), np.dtype(np.complex128)):
        raise ValueError(f"dtype must be complex64 or complex128 (the state dtype), got {dtype}")
    if dtype == np.complex128 and not jax.config.jax_enable_x64:
        raise ValueError("dtype=complex128 needs float64: set JAX_ENABLE_X64=1 or "
                         "jax.config.update('jax_enable_x64', True)")
    ranks = []
    tol = 1e-5 if dtype == np.complex64 else 1e-10
    for g, (w, U) in enumerate(zip(wires, mats)):
        if not is_concrete(U):
            ranks.append(4 if len(w) == 2 else 1)
            continue
        A = np.asarray(U).astype(np.complex128)
        if not np.all(np.isfinite(A)):
            raise ValueError(f"gates[{g}] matrix contains NaN or inf (were its angles finite?)")
        eye = np.eye(A.shape[-1])
        err = float(np.max(np.abs(np.conj(np.swapaxes(A, -1, -2)) @ A - eye)))
        if err > tol:
            raise ValueError(f"gates[{g}] matrix is not unitary (max |U^H U - I| = {err:.3g}): a gate maps "
                             "states to states; build it from a Hermitian generator or orthonormal columns")
        ranks.append(_operator_rank(A) if len(w) == 2 else 1)
    mats = [(np if is_concrete(U) else jnp).broadcast_to(U, (n_points, *tuple(U.shape[-2:])))
            for U in mats]
    return tuple(wires), mats, n_points, dtype, tuple(ranks)


def _seconds(plan: _Plan, segs, stop: int | None = None) -> float:
    """Estimated seconds of one point (the constants of :mod:`embtheory.qkernels.mps`)."""
    total = SECONDS_PER_UPDATE * plan.n
    for a, b, chi in segs:
        b = b if stop is None else min(b, stop)
        if b <= a:
            continue
        steps = int(plan.moves[a:b, 1:].sum())
        total += (b - a) * (SECONDS_PER_UPDATE + SECONDS_PER_CHI3_UPDATE * chi**3)
        total += steps * SECONDS_PER_CHI3_QR * chi**3
    return total


def _prepare(gates, n, max_bond, dtype, memory_budget=None):
    n = check_int(n, "n", minimum=1)
    if max_bond is not None:
        max_bond = check_int(max_bond, "max_bond", minimum=1)
    wires, mats, n_points, dtype, ranks = _check_gates(gates, n, dtype)
    # the smallest states the run holds (before the plan, whose host lists grow with n)
    smallest = min(_MIN_BOND, 2 ** (min(n, 64) // 2), max_bond or _MIN_BOND)
    check_memory(n_points * n * 2 * smallest**2 * dtype.itemsize,
                 f"the MPS of {n_points} points on n = {n} qubits",
                 memory_budget=resolve_memory_budget(memory_budget), fix="pass fewer qubits or fewer points")
    plan = _plan(wires, ranks, n)
    segs, _, exact = _segments(plan, max_bond)
    return n, wires, ranks, mats, n_points, dtype, plan, segs, exact


def mps_gate_cost(gates, *, n: int, max_bond: int | None = None, dtype=None, chunk_size: int | None = None
                  ) -> MPSCost:
    """The cost of :func:`mps_gate_states` on the same arguments, before (and without) running it.

    Args:
        gates, n, max_bond, dtype, chunk_size: as :func:`mps_gate_states`.

    Returns:
        :class:`embtheory.qkernels.mps.MPSCost`: bytes, estimated seconds (on the 2-core CPU the
        constants were measured on), the largest bond and whether it is exact.

    Example:
        >>> import numpy as np
        >>> cnot = np.eye(4)[[0, 1, 3, 2]]
        >>> cost = mps_gate_cost([((0, 5), cnot)], n=6)
        >>> cost.bond, cost.exact
        (2, True)
    """
    n, _, _, _, n_points, dtype, plan, segs, exact = _prepare(gates, n, max_bond, dtype)
    per_point = _seconds(plan, segs)
    chunk = _default_chunk(n_points, per_point, chunk_size)
    bond = max((c for _, _, c in segs), default=1)
    return mps_cost(n_points, n, bond, dtype, seconds_per_point=per_point, chunk=chunk, exact=exact)


def mps_gate_states(gates, *, n: int, max_bond: int | None = None, dtype=None, chunk_size: int | None = None,
                    max_seconds: float | None = None, memory_budget: float | str | None = None) -> MPS:
    """Matrix-product states of a circuit given as a sequence of ``(wires, U)`` gates, from ``|0...0>``.

    Gates act in sequence order on any qubits (non-neighbouring pairs routed with SWAPs, see the
    module docstring); the bond is exact unless ``max_bond`` caps it, and a truncation is reported
    (``discarded`` and a UserWarning). The run is costed first and refused, with what would fit,
    past the memory budget or the time limit.

    Args:
        gates: ``((wires, U), ...)``: ``wires`` one qubit ``(q,)`` or two ``(a, b)`` (distinct, in
            ``[0, n)``), ``U`` a ``(2, 2)`` / ``(4, 4)`` unitary with its tensor factors in the order
            of ``wires`` (``U[2 s_a + s_b, 2 t_a + t_b]``), or ``(N, d, d)``: one matrix per point
            (every batched gate has the same ``N``; unbatched ones are shared by all points).
        n: the number of qubits.
        max_bond: a cap on the bond dimension (None: exact, whatever it takes).
        dtype: ``complex64`` or ``complex128`` (default: complex128 when a matrix is float64 or
            complex128 and x64 is on, else complex64).
        chunk_size: points per compiled call (default: about one second of work per call).
        max_seconds: time limit of the estimate (default :func:`embtheory.qkernels.mps.mps_time_limit`).
        memory_budget: bytes (or a size such as ``"8GiB"``; default: the project's budget).

    Returns:
        :class:`embtheory.qkernels.mps.MPS` with ``tensors (N, n, chi, 2, chi)`` (right-canonical,
        centre on site 0) and ``discarded (N,)``; ``N = 1`` when no matrix is batched.

    Example:
        >>> import numpy as np
        >>> h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
        >>> cnot = np.eye(4)[[0, 1, 3, 2]]
        >>> ghz = mps_gate_states([((0,), h), ((0, 1), cnot), ((1, 3), cnot), ((3, 2), cnot)], n=4,
        ...                       dtype=np.complex64)
        >>> ghz.tensors.shape
        (1, 4, 2, 2, 2)
    """
    n, wires, ranks, mats, n_points, dtype, plan, segs, exact = _prepare(gates, n, max_bond, dtype,
                                                                         memory_budget)
    per_point = _seconds(plan, segs)
    chunk = _default_chunk(n_points, per_point, chunk_size)
    bond = max((c for _, _, c in segs), default=1)
    cost = mps_cost(n_points, n, bond, dtype, seconds_per_point=per_point, chunk=chunk, exact=exact)
    cost = cost._replace(nbytes=cost.nbytes + chunk * len(plan.ops) * 16 * dtype.itemsize)

    def fits(points=None, bond=None, depth=None):
        if depth is not None:
            return _seconds(plan, segs, stop=depth) * (points or n_points)
        s = segs if bond is None else _segments(plan, bond)[0]
        return _seconds(plan, s) * (points or n_points)

    limit_alts = _alternatives(fits, n_points, bond, None)
    _refuse(cost, f"the MPS of {n_points} points on n = {n} qubits, {len(wires)} gates, bond {bond}",
            max_seconds=max_seconds, n_points=n_points, chi=bond, alternatives=limit_alts,
            memory_budget=memory_budget)

    gather = _gather(wires, ranks, n)
    one, two = _stacks(gather, mats, dtype)
    sites = np.array([op.site for op in plan.ops], np.int32)

    def run_points(start):
        stop = min(start + chunk, n_points)
        idx = np.minimum(np.arange(start, start + chunk), n_points - 1)  # the last chunk padded
        opm, tail = _build(one[idx], two[idx], gather.base, gather.reverse, gather.left, gather.right,
                           gather.tail)
        T = jnp.zeros((chunk, n, 1, 2, 1), dtype).at[:, :, 0, 0, 0].set(1)
        w = jnp.zeros((chunk,), jnp.finfo(dtype).dtype)
        for a, b, chi in segs:
            T = _pad(T, chi)
            per_call = chunk * (SECONDS_PER_UPDATE + SECONDS_PER_CHI3_UPDATE * chi**3)
            block = int(max(1, min(b - a, CALL_SECONDS // per_call)))
            fn = _block_fn(chi)
            for s in range(a, b, block):
                rows = np.arange(s, s + block)
                valid = rows < b
                rows = np.minimum(rows, b - 1)
                T, w = fn(T, w, opm[:, rows], jnp.asarray(plan.moves[rows]), jnp.asarray(sites[rows]),
                          jnp.asarray(plan.s_right[rows]), jnp.asarray(valid))
                jax.block_until_ready(T)
        chi = T.shape[-1]
        T = _finish_fn(plan.final_centre, chi)(T, tail)
        return T[: stop - start], w[: stop - start]

    parts = [run_points(s) for s in range(0, n_points, chunk)]
    out = MPS(jnp.concatenate([p[0] for p in parts]), jnp.concatenate([p[1] for p in parts]))
    if not exact:
        _report(out)
    return out

"""Matrix-product states (MPS) for the layered embeddings: kernels at 100 qubits.

A state of ``n`` qubits is held as ``n`` tensors ``A_k[l, s, r]`` of shape ``(chi, 2, chi)``, padded
to one bond dimension ``chi`` so that every site has the same shape (``lax`` loops over sites, one
compile per shape, ``vmap`` over data points).  Boundary bonds use index 0 only.

Circuit, per layer (as :mod:`embtheory.qkernels.simulator`):

- the single-qubit rotations act on the physical index of every site (no entanglement added, the
  canonical form is kept);
- the CNOT ladder ``(0,1), ..., (n-2, n-1)`` is a left-to-right sweep of two-site updates: contract the
  two sites, apply the 4x4 gate, split by SVD, keep ``chi`` singular values (the orthogonality centre
  moves right with the sweep, so each truncation is the optimal one);
- the ring's closing ``CNOT(n-1, 0)`` goes through a swap chain: qubit ``n-1`` is swapped leftwards to
  position 1 (a right-to-left sweep), the CNOT acts on positions (1, 0), and the qubit is swapped back
  (left-to-right); every cut the chain passes is an arc of the ring, crossed by two CNOTs per layer;
- a right-to-left QR sweep puts the orthogonality centre back on site 0.

Each CNOT has operator Schmidt rank 2, and every cut of the ring is crossed by two CNOTs per layer,
so ``L`` layers need bond ``4^L`` at most: with ``chi = 4^L`` (64 for ``L = 3``) the MPS is exact at any
``n``; a smaller ``max_bond`` truncates, and the discarded weight (the sum of the squared singular
values dropped, the state renormalised after each truncation) is returned.

Overlaps contract the transfer matrices site by site with the running scale factored out into a
log, so ``log |<a|b>|`` is exact even where ``|<a|b>|^2`` is 2^-200; kernels ``exp(2 log|<a|b>|)``
underflow only below the dtype's smallest number.

Reduced states come from left and right environments (the transfer matrices contracted from either
end): one-qubit states as Bloch vectors (:func:`mps_bloch_vectors`, the projected kernel's input) and
two-qubit density matrices of neighbours or of any pairs (:func:`mps_two_site_rdms`), never through
a statevector.
"""

from __future__ import annotations

import functools
import os
import warnings
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.validation import check_index_array, check_int, check_memory, check_real, is_concrete
from embtheory.qkernels import simulator

__all__ = ["MPS", "MPSCost", "bond_for", "check_mps", "mps_bloch_batch", "mps_bloch_vectors", "mps_cost",
           "mps_embed_fn", "mps_gram_quantities", "mps_log_fidelity", "mps_log_overlap", "mps_time_limit",
           "mps_two_site_rdms"]

#: The largest bond the backend builds by default (``max_bond=None``): 4^5.
MAX_DEFAULT_BOND = 1024


class MPS(NamedTuple):
    """Matrix-product states of a batch of points.

    Attributes:
        tensors: ``(N, n, chi, 2, chi)`` site tensors (right-canonical, centre on site 0).
        discarded: ``(N,)`` total discarded weight (sum of the squared singular values dropped by
            every truncation; 0 up to rounding when ``chi`` is exact).
    """

    tensors: jax.Array
    discarded: jax.Array


def bond_for(n: int, layers: int, entangle: bool, max_bond: int | None) -> tuple[int, bool]:
    """``(chi, exact)``: the bond used for ``layers`` layers on ``n`` qubits, and whether it is exact.

    Exact bond: ``min(4^L, 2^floor(n/2))`` with the CNOT ring (``2^L`` at n = 2, one CNOT per
    layer), 1 for the product embeddings.
    """
    if not entangle or n == 1:
        exact = 1
    else:
        per_layer = 2 if n == 2 else 4
        exact = min(per_layer**layers, 2 ** (n // 2))
    if max_bond is None:
        return exact, True
    return min(exact, max_bond), max_bond >= exact


def _layer_bonds(n: int, layers: int, entangle: bool, chi: int) -> list[int]:
    """The bond used during each layer: grows as ``4^l`` until ``chi`` (fewer SVD flops early on)."""
    return [bond_for(n, l, entangle, chi)[0] for l in range(1, layers + 1)]


_CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], float)  # control = left site
_CNOT_REV = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]], float)  # control = right site
_SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], float)


def _two_site(T, k, gate, chi, s_right: bool):
    """The 4x4 ``gate`` on sites ``(k, k+1)`` of ``T`` ``(n, chi, 2, chi)``; returns ``(T, discarded)``."""
    A = jax.lax.dynamic_index_in_dim(T, k, keepdims=False)
    B = jax.lax.dynamic_index_in_dim(T, k + 1, keepdims=False)
    theta = jnp.einsum("lar,rbq->labq", A, B)
    theta = jnp.einsum("abcd,lcdq->labq", gate.reshape(2, 2, 2, 2).astype(T.dtype), theta)
    U, S, Vh = jnp.linalg.svd(theta.reshape(2 * chi, 2 * chi), full_matrices=False)
    total = jnp.sum(S * S)
    kept = S[:chi]
    dropped = jnp.where(total > 0, 1 - jnp.sum(kept * kept) / total, 0.0)
    kept = kept / jnp.sqrt(jnp.where(total > 0, jnp.sum(kept * kept), 1.0))  # renormalise the state
    U, Vh = U[:, :chi], Vh[:chi]
    if s_right:
        A2, B2 = U, kept[:, None].astype(T.dtype) * Vh
    else:
        A2, B2 = U * kept[None, :].astype(T.dtype), Vh
    T = jax.lax.dynamic_update_index_in_dim(T, A2.reshape(chi, 2, chi), k, 0)
    T = jax.lax.dynamic_update_index_in_dim(T, B2.reshape(chi, 2, chi), k + 1, 0)
    return T, dropped


def _sweep(T, start, stop, step, gate, chi, s_right):
    """Two-site ``gate`` on ``(k, k+1)`` for ``k = start, start+step, ...`` (``stop`` excluded)."""
    count = len(range(start, stop, step))
    gate = jnp.asarray(gate)

    def body(i, carry):
        T, w = carry
        T, d = _two_site(T, start + step * i, gate, chi, s_right)
        return T, w + d

    return jax.lax.fori_loop(0, count, body, (T, jnp.zeros((), jnp.finfo(T.dtype).dtype)))


def _move_centre_left(T, k, chi):
    """LQ of site ``k``: site ``k`` right-isometric, the rest carried into site ``k - 1``."""
    M = jax.lax.dynamic_index_in_dim(T, k, keepdims=False).reshape(chi, 2 * chi)
    Q, R = jnp.linalg.qr(jnp.conj(M).T)  # M^H = Q R  =>  M = R^H Q^H
    T = jax.lax.dynamic_update_index_in_dim(T, jnp.conj(Q).T.reshape(chi, 2, chi), k, 0)
    prev = jax.lax.dynamic_index_in_dim(T, k - 1, keepdims=False)
    prev = jnp.einsum("lsr,rq->lsq", prev, jnp.conj(R).T)
    return jax.lax.dynamic_update_index_in_dim(T, prev, k - 1, 0)


def _move_centre_right(T, k, chi):
    """QR of site ``k``: site ``k`` left-isometric, the rest carried into site ``k + 1``."""
    M = jax.lax.dynamic_index_in_dim(T, k, keepdims=False).reshape(2 * chi, chi)
    Q, R = jnp.linalg.qr(M)
    T = jax.lax.dynamic_update_index_in_dim(T, Q.reshape(chi, 2, chi), k, 0)
    nxt = jax.lax.dynamic_index_in_dim(T, k + 1, keepdims=False)
    nxt = jnp.einsum("lq,qsr->lsr", R, nxt)
    return jax.lax.dynamic_update_index_in_dim(T, nxt, k + 1, 0)


def _to_left_centre(T, chi):
    """Right-to-left LQ sweep: every site but 0 right-isometric, the norm carried into site 0."""
    n = T.shape[0]
    return jax.lax.fori_loop(0, n - 1, lambda i, T: _move_centre_left(T, n - 1 - i, chi), T)


def _pad(T, chi):
    c = T.shape[1]
    if c == chi:
        return T
    return jnp.pad(T, ((0, 0), (0, chi - c), (0, 0), (0, chi - c)))


def _evolve(x, prefix, *, rotation, entangle, layers, bonds, dtype, record=False):
    """MPS of one point: ``(n, chi, 2, chi)`` tensors and the discarded weight (after every layer
    when ``record``: a tuple of ``(tensors, weight)``, one per layer, bonds growing as ``4^l``)."""
    n = x.shape[0]
    T = jnp.zeros((n, 1, 2, 1), dtype).at[:, 0, 0, 0].set(1)
    if prefix is not None:
        T = jnp.einsum("kab,klbr->klar", simulator.rotation_matrices("ry", prefix, dtype), T)
    mats = simulator.rotation_matrices(rotation, x, dtype)
    weight = jnp.zeros((), jnp.finfo(dtype).dtype)
    history = []
    for chi in bonds:
        T = _pad(T, chi)
        T = jnp.einsum("kab,klbr->klar", mats, T)
        if entangle and n >= 2:
            T, w1 = _sweep(T, 0, n - 1, 1, _CNOT, chi, True)  # ladder, centre ends on n-1
            weight = weight + w1
            if n >= 3:  # the ring's closing CNOT(n-1, 0) through a swap chain
                T, w2 = _sweep(T, n - 2, 0, -1, _SWAP, chi, False)  # qubit n-1 to position 1
                T, w3 = _two_site(T, 0, jnp.asarray(_CNOT_REV), chi, True)  # control at 1, target at 0
                T, w4 = _sweep(T, 1, n - 1, 1, _SWAP, chi, True)  # and back
                weight = weight + w2 + w3 + w4
            T = _to_left_centre(T, chi)
        history.append((T, weight))
    return tuple(history) if record else (T, weight)


@functools.cache
def _embed_jit(rotation, entangle, layers, n, chi, trainable, dtype, record):
    bonds = _layer_bonds(n, layers, entangle, chi)
    one = functools.partial(_evolve, rotation=rotation, entangle=entangle, layers=layers, bonds=bonds,
                            dtype=dtype, record=record)

    def run(X, prefix):
        out = jax.vmap(lambda x: one(x, prefix if trainable else None))(X)
        return tuple(MPS(T, w) for T, w in out) if record else MPS(*out)

    return jax.jit(run)


def _ring_updates(n: int, entangle: bool) -> tuple[int, int]:
    """``(SVD updates, QR steps)`` of one layer of the CNOT ring (ladder, swap chain there and back)."""
    if not entangle or n < 2:
        return 0, 0
    return (n - 1) + (2 * (n - 2) + 1 if n >= 3 else 0), n - 1


def _embed_seconds(n: int, layers: int, entangle: bool, chi: int) -> float:
    """Estimated seconds per point of ``layers`` layers at bond cap ``chi`` (constants: ``mps_cost``)."""
    updates, qrs = _ring_updates(n, entangle)
    total = SECONDS_PER_UPDATE * n * layers  # rotations and call overhead
    for b in _layer_bonds(n, layers, entangle, chi):
        total += updates * (SECONDS_PER_UPDATE + SECONDS_PER_CHI3_UPDATE * b**3)
        total += qrs * SECONDS_PER_CHI3_QR * b**3
    return total


def mps_embed_fn(rotation: str, entangle: bool, layers: int, n: int, chi: int, trainable: bool, dtype,
                 record: bool = False):
    """A ``(X, prefix, *, chunk_size=None, max_seconds=None) -> MPS`` for a batch of points.

    Before it runs, the call is costed (:func:`mps_cost`): past the memory budget or the time limit
    (``max_seconds``, default :func:`mps_time_limit`) it is refused with what would fit. Points run
    in chunks of about :data:`CALL_SECONDS` each (one compiled call per chunk, the last padded to
    the same shape), so Ctrl-C returns between chunks; ``chunk_size`` sets the points per call.
    The result does not depend on the chunking (bitwise on CPU). Under a JAX trace the whole batch
    is one call and nothing is checked. The compiled evolution is cached per static configuration.

    With ``record=True`` it returns a tuple of :class:`MPS`, the states after layers ``1..L`` (one
    evolution serves every depth; the bond of layer ``l`` is ``min(4^l, chi)``).
    """
    run = _embed_jit(rotation, entangle, layers, n, chi, trainable, np.dtype(dtype), record)
    per_point = _embed_seconds(n, layers, entangle, chi)

    def call(X, prefix, *, chunk_size=None, max_seconds=None):
        if not is_concrete(X, prefix):
            return run(X, prefix)
        n_points = int(X.shape[0])
        chunk = _default_chunk(n_points, per_point, chunk_size)
        cost = mps_cost(n_points, n, chi, dtype, seconds_per_point=per_point, chunk=chunk,
                        exact=bond_for(n, layers, entangle, None)[0] <= chi)
        what = f"the MPS of {n_points} points on n = {n} qubits, layers = {layers}, bond {chi}"

        def fits(points=None, bond=None, depth=None):
            return _embed_seconds(n, depth or layers, entangle, bond or chi) * (points or n_points)

        _refuse(cost, what, max_seconds=max_seconds, n_points=n_points, chi=chi,
                alternatives=_alternatives(fits, n_points, chi, layers))
        return _run_chunks(lambda Xc: run(Xc, prefix), jnp.asarray(X), chunk)

    return call


def _default_chunk(n_points: int, seconds_per_point: float, chunk_size) -> int:
    if chunk_size is not None:
        return min(check_int(chunk_size, "chunk_size", minimum=1), n_points)
    return int(max(1, min(n_points, CALL_SECONDS // max(seconds_per_point, 1e-9))))


def _run_chunks(fn, X: jax.Array, chunk: int):
    """``fn`` over rows of ``X`` in host-level chunks of ``chunk`` rows (the last padded by repeating
    its final row, so every chunk has one shape); Python regains control between chunks."""
    n_points = X.shape[0]
    if chunk >= n_points:
        return fn(X)
    outs = []
    for start in range(0, n_points, chunk):
        Xc = X[start:start + chunk]
        if Xc.shape[0] < chunk:
            Xc = jnp.concatenate([Xc, jnp.broadcast_to(Xc[-1:], (chunk - Xc.shape[0], *Xc.shape[1:]))])
        outs.append(jax.block_until_ready(fn(Xc)))
    return jax.tree.map(lambda *a: jnp.concatenate(a)[:n_points], *outs)


#: Seconds per ``chi^3`` of one two-site update (an SVD of a ``2 chi x 2 chi`` complex128 matrix and
#: two contractions, per point) and of one QR step of the orthogonality centre, and a fixed cost per
#: update (call overhead at small bonds). Measured on the 2-core AMD EPYC development machine with
#: ``jnp.linalg.svd`` / ``qr`` batched over points: 2.3e-8 s per chi^3 at chi = 256 (0.38 s per SVD),
#: 4e-8 to 5.5e-8 at chi = 64..128 under load, QR 2.5e-9 to 5e-9. The constants take the upper end;
#: complex64 is costed like complex128 (an overestimate, on the side of refusing).
SECONDS_PER_CHI3_UPDATE = 5e-8
SECONDS_PER_CHI3_QR = 5e-9
SECONDS_PER_UPDATE = 2e-5

#: The wall time one compiled call is aimed at: the latency of Ctrl-C in a long run.
CALL_SECONDS = 2.0

#: The time limit of an MPS run when the caller gives none (seconds): ``EMBTHEORY_MPS_MAX_SECONDS``
#: if set, else this.
DEFAULT_MAX_SECONDS = 300.0
MAX_SECONDS_ENV = "EMBTHEORY_MPS_MAX_SECONDS"


class MPSCost(NamedTuple):
    """The estimated cost of an MPS run (:func:`mps_cost`), known before it starts.

    Attributes:
        nbytes: memory of the states (``2 chi^2 n`` entries per point) and one chunk's working copies.
        seconds: estimated wall time on the 2-core CPU the constants were measured on.
        bond: the largest bond (padded) of the run.
        exact: whether that bond holds the state exactly (no truncation).
    """

    nbytes: int
    seconds: float
    bond: int
    exact: bool


def mps_time_limit(max_seconds: float | None = None) -> float:
    """The time limit of an MPS run: ``max_seconds`` if given (checked), else ``$EMBTHEORY_MPS_MAX_SECONDS``,
    else :data:`DEFAULT_MAX_SECONDS` (300 s)."""
    if max_seconds is None:
        env = os.environ.get(MAX_SECONDS_ENV)
        if not env:
            return DEFAULT_MAX_SECONDS
        try:
            return check_real(float(env), MAX_SECONDS_ENV, low=0, low_open=True)
        except ValueError:
            raise ValueError(f"{MAX_SECONDS_ENV} must be a positive number of seconds, got {env!r}") from None
    return check_real(max_seconds, "max_seconds", low=0, low_open=True)


def mps_cost(n_points: int, n: int, bond: int, dtype, *, seconds_per_point: float, chunk: int,
             exact: bool) -> MPSCost:
    """:class:`MPSCost` of ``n_points`` MPS of ``n`` qubits at ``bond``.

    Memory: ``itemsize * 2 * bond^2 * n`` bytes per state, for every point plus three working copies
    per point of a chunk. Time: ``seconds_per_point * n_points``, where a point costs
    ``SECONDS_PER_UPDATE + SECONDS_PER_CHI3_UPDATE * chi^3`` per two-site update and
    ``SECONDS_PER_CHI3_QR * chi^3`` per QR step, at the bond ``chi`` of that update (the
    constants and their measurement are documented in this module).
    """
    state = 2 * n * bond * bond * np.dtype(dtype).itemsize
    return MPSCost(int(state * (n_points + 3 * min(chunk, n_points))), float(seconds_per_point * n_points),
                   int(bond), bool(exact))


def _alternatives(seconds, n_points: int, chi: int, layers: int | None, *, depth_name: str = "layers"):
    """What would fit a time limit: ``limit -> text``, trying fewer points, a lower bond cap, less depth."""

    def text(limit):
        out = []
        per_point = seconds(points=1)
        fit_points = int(limit // per_point) if per_point > 0 else n_points
        if 1 <= fit_points < n_points:
            out.append(f"{fit_points} points")
        bond = 1 << ((chi - 1).bit_length() - 1) if chi > 1 else 0  # the largest power of 2 below chi
        while bond >= 1:
            if seconds(bond=bond) <= limit:
                out.append(f"max_bond={bond} (truncated: the discarded weight is reported)")
                break
            bond //= 2
        if layers is not None:
            for d in range(layers - 1, 0, -1):
                if seconds(depth=d) <= limit:
                    out.append(f"{depth_name}={d}")
                    break
        if out:
            return " or ".join(out)
        return "no single one of fewer points, a lower max_bond or less depth (combine them)"

    return text


def _refuse(cost: MPSCost, what: str, *, max_seconds, n_points: int, chi: int, alternatives,
            memory_budget=None) -> None:
    """Raises before any work when ``cost`` is past the memory budget or the time limit."""
    from embtheory.core.memory import resolve_memory_budget

    limit = mps_time_limit(max_seconds)
    budget = resolve_memory_budget(memory_budget)
    if cost.nbytes > budget:
        check_memory(cost.nbytes, what, memory_budget=budget,
                     fix="pass a smaller max_bond (truncation), fewer points or a smaller chunk_size")
    if cost.seconds > limit:
        raise ValueError(
            f"{what} is estimated at {_duration(cost.seconds)} on a 2-core CPU, over the time limit of "
            f"{_duration(limit)}: within the limit fit {alternatives(limit)}; or, if the run is meant to "
            f"take that long, raise the limit: the environment variable {MAX_SECONDS_ENV}=<seconds>, or the "
            "max_seconds= argument where the function takes one (mps_gate_states)")


def _report(states: MPS) -> None:
    """A UserWarning when a truncation discarded weight (never silent)."""
    if not is_concrete(states.discarded):
        return
    worst = float(jnp.max(states.discarded))
    if worst > 1e-10:
        warnings.warn(f"the MPS was truncated at max_bond: summed discarded weight (the squared singular "
                      f"values dropped, summed over every truncation) up to {worst:.3g} per state; raise "
                      "max_bond for exact values (see MPS.discarded)", stacklevel=3)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def mps_log_overlap(a: jax.Array, b: jax.Array) -> jax.Array:
    """``log |<a|b>|`` of two MPS ``(n, chi_a, 2, chi_a)`` and ``(n, chi_b, 2, chi_b)``, scale kept in a log.

    Returns ``-inf`` for orthogonal states.
    """
    E = jnp.zeros((a.shape[1], b.shape[1]), a.dtype).at[0, 0].set(1)
    real = jnp.finfo(a.dtype).dtype

    def site(carry, ab):
        E, log_scale = carry
        ta, tb = ab
        E = jnp.einsum("lm,lsr,msq->rq", E, jnp.conj(ta), tb)
        s = jnp.max(jnp.abs(E))
        safe = jnp.where(s > 0, s, 1.0)
        return (E / safe, log_scale + jnp.where(s > 0, jnp.log(safe), -jnp.inf)), None

    (E, log_scale), _ = jax.lax.scan(site, (E, jnp.zeros((), real)), (a, b))
    return log_scale + jnp.log(jnp.abs(E[0, 0]))


def _environments(T: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(Ls, Rs)``, each ``(n, chi, chi)``: ``Ls[k]`` contracts sites ``0..k-1`` (ket index first,
    bra second), ``Rs[k]`` sites ``k+1..n-1``; both start from the boundary bond index 0."""
    chi = T.shape[1]
    e0 = jnp.zeros((chi, chi), T.dtype).at[0, 0].set(1)

    def left(Lk, A):
        return jnp.einsum("lm,lsr,msq->rq", Lk, A, jnp.conj(A)), Lk

    def right(Rk, A):
        return jnp.einsum("lsr,msq,rq->lm", A, jnp.conj(A), Rk), Rk

    _, Ls = jax.lax.scan(left, e0, T)  # Ls[k]: environment left of site k
    _, Rs = jax.lax.scan(right, e0, T, reverse=True)  # Rs[k]: environment right of site k
    return Ls, Rs


def mps_bloch_vectors(T: jax.Array) -> jax.Array:
    """``(n, 3)`` Bloch vectors of every qubit's reduced state of one MPS ``(n, chi, 2, chi)``.

    Concrete tensors are checked first (finite, a normalised state: see :func:`check_mps`); traced
    ones (under ``jit`` / ``vmap``) are not."""
    if is_concrete(T):
        T = check_mps(T, min_sites=1, batch=False)
    return _bloch_one(T)


def _bloch_one(T: jax.Array) -> jax.Array:
    Ls, Rs = _environments(T)
    rho = jnp.einsum("klm,klsr,kmtq,krq->kst", Ls, T, jnp.conj(T), Rs)
    rho = rho / jnp.trace(rho, axis1=1, axis2=2)[:, None, None]
    c = rho[:, 1, 0]
    return jnp.stack([2 * c.real, 2 * c.imag, (rho[:, 0, 0] - rho[:, 1, 1]).real], axis=1)


def _normalised(rho: jax.Array) -> jax.Array:
    """``(..., 4, 4)`` divided by its trace and made exactly Hermitian."""
    rho = rho / jnp.trace(rho, axis1=-2, axis2=-1)[..., None, None]
    return 0.5 * (rho + jnp.conj(jnp.swapaxes(rho, -1, -2)))


def _neighbour_rdms(T: jax.Array) -> jax.Array:
    """``(n-1, 4, 4)``: the reduced state of qubits ``(k, k+1)`` of one MPS, basis ``|s_k s_{k+1}>``."""
    n = T.shape[0]
    Ls, Rs = _environments(T)
    A, B = T[:-1], T[1:]
    left = jnp.einsum("klm,klsr,kmtq->kstrq", Ls[:-1], A, jnp.conj(A))  # site k open, bond to k+1
    right = jnp.einsum("kraR,kqbQ,kRQ->kabrq", B, jnp.conj(B), Rs[1:])  # site k+1 open
    rho = jnp.einsum("kstrq,kabrq->ksatb", left, right).reshape(n - 1, 4, 4)
    return _normalised(rho)


def _pair_rdm(T: jax.Array, Ls: jax.Array, Rs: jax.Array, pair: jax.Array) -> jax.Array:
    """``(4, 4)``: the reduced state of qubits ``(pair[0], pair[1])`` (any order, distinct), basis
    ``|s_pair[0] s_pair[1]>``; the sites in between are contracted by a transfer-matrix loop."""
    i, j = jnp.minimum(pair[0], pair[1]), jnp.maximum(pair[0], pair[1])
    A = jax.lax.dynamic_index_in_dim(T, i, keepdims=False)
    Li = jax.lax.dynamic_index_in_dim(Ls, i, keepdims=False)
    M = jnp.einsum("lm,lsr,mtq->strq", Li, A, jnp.conj(A))

    def through(k, M):
        C = jax.lax.dynamic_index_in_dim(T, k, keepdims=False)
        return jnp.einsum("strq,rau,qav->stuv", M, C, jnp.conj(C))

    M = jax.lax.fori_loop(i + 1, j, through, M)
    B = jax.lax.dynamic_index_in_dim(T, j, keepdims=False)
    Rj = jax.lax.dynamic_index_in_dim(Rs, j, keepdims=False)
    right = jnp.einsum("raR,qbQ,RQ->abrq", B, jnp.conj(B), Rj)
    rho = jnp.einsum("strq,abrq->satb", M, right)  # (s_i, s_j, t_i, t_j)
    rho = jnp.where(pair[0] > pair[1], rho.transpose(1, 0, 3, 2), rho)  # first qubit of the pair first
    return rho.reshape(4, 4)


def _pairs_rdms(T: jax.Array, pairs: jax.Array) -> jax.Array:
    Ls, Rs = _environments(T)
    return _normalised(jax.vmap(lambda p: _pair_rdm(T, Ls, Rs, p))(pairs))


#: ``(B, n, chi, 2, chi) -> (B, n-1, 4, 4)`` and ``((B, n, chi, 2, chi), (P, 2)) -> (B, P, 4, 4)``,
#: compiled once per shape (the public wrapper below checks its input on the host).
_neighbour_batch = jax.jit(jax.vmap(_neighbour_rdms))
_pairs_batch = jax.jit(jax.vmap(_pairs_rdms, in_axes=(0, None)))


def check_mps(tensors, name: str = "tensors", *, min_sites: int = 2, batch: bool = True) -> jax.Array:
    """Site tensors that hold states: ``(..., n, chi, 2, chi)`` (``(n, chi, 2, chi)`` when not ``batch``),
    finite, and each a normalised state (``|<psi|psi> - 1|`` within 1e-8 for complex128, 1e-3 for
    complex64); an :class:`MPS` is taken by its tensors. Real tensors are cast to complex.

    All-zero tensors (``<psi|psi> = 0``) and unnormalised ones are refused with a ValueError naming
    ``name``: their reduced states would be NaN or not density matrices. Traced tensors are checked
    for shape only.
    """
    if isinstance(tensors, MPS):
        tensors = tensors.tensors
    if not isinstance(tensors, (jax.Array, np.ndarray)):
        tensors = np.asarray(tensors) if tensors is not None else np.asarray(None, dtype=object)
    dt = np.dtype(tensors.dtype)
    if not (np.issubdtype(dt, np.complexfloating) or np.issubdtype(dt, np.floating)):
        raise TypeError(f"{name} must be MPS site tensors (..., n, chi, 2, chi) of complex (or real) "
                        f"numbers, or an MPS from embed(..., backend='mps'); got dtype {dt}")
    shape = tuple(tensors.shape)
    want = "(..., n, chi, 2, chi)" if batch else "(n, chi, 2, chi)"
    if len(shape) < 4 or (not batch and len(shape) != 4) or shape[-2] != 2 or shape[-3] != shape[-1] \
            or shape[-1] < 1:
        raise ValueError(f"{name} must have shape {want} (qubit site tensors padded to one bond chi, as "
                         f"embed(..., backend='mps').tensors), got shape {shape}")
    if shape[-4] < min_sites:
        raise ValueError(f"{name} must hold at least {min_sites} sites (qubits) for two-site states, "
                         f"got {shape[-4]}")
    tensors = jnp.asarray(tensors)
    if not np.issubdtype(dt, np.complexfloating):
        tensors = tensors.astype(jnp.result_type(dt, jnp.complex64))
    if not is_concrete(tensors):
        return tensors
    if not bool(jnp.all(jnp.isfinite(tensors))):
        raise ValueError(f"{name} contain NaN or inf: the MPS is not a state (were its angles finite?)")
    norms = np.exp(2 * np.asarray(_log_norms(tensors.reshape((-1, *shape[-4:])))))
    tol = 1e-8 if tensors.dtype == jnp.complex128 else 1e-3
    bad = np.flatnonzero(~(np.abs(norms - 1) <= tol))
    if bad.size:
        i = int(bad[0])
        where = f"{name}[{', '.join(str(int(j)) for j in np.unravel_index(i, shape[:-4]))}]" if batch and \
            len(shape) > 4 else name
        what = "all-zero (or zero along the boundary bond index 0)" if norms[i] == 0 else "not normalised"
        raise ValueError(f"{where} is {what}: <psi|psi> = {norms[i]:.6g}, a state has norm 1 (to {tol:g}); "
                         f"{bad.size} of {norms.size} states fail. Pass the tensors of embed(..., "
                         "backend='mps') or of mps_gate_states, or divide site 0 by sqrt(<psi|psi>)")
    return tensors


def _log_norm_one(a):
    return mps_log_overlap(a, a) / 2


_log_norms = jax.jit(jax.vmap(_log_norm_one))


def _check_pairs(pairs, n: int):
    if not is_concrete(pairs):
        if pairs.ndim != 2 or pairs.shape[1] != 2 or not jnp.issubdtype(pairs.dtype, jnp.integer):
            raise ValueError("pairs must be an integer array of shape (P, 2), got "
                             f"{pairs.dtype} {pairs.shape}")
        return pairs  # traced: values cannot be checked (distinct, in range) here
    arr = check_index_array(pairs, "pairs", n=n, ndim=2)
    if arr.shape[1] != 2 or arr.shape[0] < 1:
        raise ValueError(f"pairs must have shape (P, 2) with P >= 1 (qubit pairs (i, j)), got {arr.shape}")
    same = arr[:, 0] == arr[:, 1]
    if np.any(same):
        r = int(np.argmax(same))
        raise ValueError(f"pairs row {r} names qubit {arr[r, 0]} twice: a two-site state needs two distinct "
                         "qubits (use mps_bloch_vectors for one-site states)")
    return jnp.asarray(arr.astype(np.int32))


def mps_two_site_rdms(tensors, pairs=None) -> jax.Array:
    """Two-qubit reduced density matrices of matrix-product states.

    ``rho_ij = Tr_{all but i, j} |psi><psi| / <psi|psi>`` in the basis ``|s_i s_j>`` (index
    ``2 s_i + s_j``), from left and right environments of the MPS (no statevector is formed).

    Args:
        tensors: ``(..., n, chi, 2, chi)`` site tensors (any leading batch axes), or an
            :class:`MPS` from ``embed(..., backend="mps")``; ``n >= 2``.
        pairs: None for the nearest neighbours ``(k, k+1)``, ``k = 0..n-2``; or a ``(P, 2)`` integer
            array of distinct qubits ``(i, j)`` in ``[0, n)``, either order (``(j, i)`` gives the
            same state with the two qubits swapped). Concrete pairs are checked on the host; traced
            pairs (under ``jit``) are not.

    Returns:
        ``(..., n-1, 4, 4)`` (or ``(..., P, 4, 4)``): Hermitian, trace 1, in the complex dtype of the
        tensors. One compile per shape; works under ``jax.jit`` and ``jax.vmap``.

    Example:
        >>> import jax.numpy as jnp
        >>> from embtheory.qkernels import embed
        >>> states = embed(jnp.array([[0.3, 1.2, -0.7]]), layers=2, backend="mps", dtype=jnp.complex64)
        >>> rho = mps_two_site_rdms(states)
        >>> rho.shape, bool(jnp.allclose(jnp.trace(rho, axis1=-2, axis2=-1), 1, atol=1e-5))
        ((1, 2, 4, 4), True)
    """
    T = check_mps(tensors)
    n, chi = T.shape[-4], T.shape[-1]
    lead = T.shape[:-4]
    flat = T.reshape((-1, n, chi, 2, chi))
    if pairs is None:
        out = _neighbour_batch(flat)
    else:
        out = _pairs_batch(flat, _check_pairs(pairs, n))
    return out.reshape(lead + out.shape[1:])


def mps_log_fidelity(ta: jax.Array, tb: jax.Array) -> jax.Array:
    """``log K[i, j]`` of the fidelity kernel between two batches of MPS ``(N, n, chi, 2, chi)``.

    Concrete tensors are checked (:func:`check_mps`, arguments ``ta`` and ``tb``); the Gram is
    compiled once per shape."""
    ta, tb = check_mps(ta, "ta", min_sites=1), check_mps(tb, "tb", min_sites=1)
    return _log_fidelity(ta, tb)


@jax.jit
def _log_fidelity(ta, tb):
    from embtheory.core.pairwise import map_product

    na = jax.vmap(lambda a: mps_log_overlap(a, a))(ta)
    nb = jax.vmap(lambda a: mps_log_overlap(a, a))(tb)
    return 2 * map_product(mps_log_overlap)(ta, tb) - na[:, None] - nb[None, :]


_bloch_batch = jax.jit(jax.vmap(_bloch_one))


def mps_bloch_batch(tensors: jax.Array) -> jax.Array:
    """``(N, n, chi, 2, chi) -> (N, n, 3)`` Bloch vectors (checked by :func:`check_mps`), compiled once per
    shape."""
    return _bloch_batch(check_mps(tensors, min_sites=1))


def mps_gram_quantities(tensors: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(log K, D)`` of a batch of MPS ``(N, n, chi, 2, chi)`` (checked by :func:`check_mps`), compiled
    once per shape.

    ``log K[i, j] = 2 log|<i|j>| - log<i|i> - log<j|j>`` (the log fidelity kernel) and
    ``D[i, j] = sum_k ||rho_k(i) - rho_k(j)||_F^2`` (the projected kernel's exponent).
    """
    return _gram_quantities(check_mps(tensors, min_sites=1))


@jax.jit
def _gram_quantities(tensors):
    from embtheory.core.pairwise import map_product

    norms = jax.vmap(lambda a: mps_log_overlap(a, a))(tensors)
    log_k = 2 * map_product(mps_log_overlap)(tensors, tensors) - norms[:, None] - norms[None, :]
    bloch = jax.vmap(_bloch_one)(tensors)
    d = bloch[:, None] - bloch[None, :]
    return log_k, 0.5 * jnp.sum(d * d, axis=(-1, -2))


def mps_nbytes(n_points: int, n: int, chi: int, dtype) -> int:
    """Bytes of ``n_points`` MPS (tensors only)."""
    return n_points * n * chi * chi * 2 * np.dtype(dtype).itemsize




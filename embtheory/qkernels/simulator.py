"""A native JAX simulator of the embedding circuits: statevectors and density matrices.

The circuits of the paper are layered: every layer applies one single-qubit rotation per qubit
(``RX``, ``RY`` or ``H`` then ``RZ``, angle ``x_k`` on qubit ``k``) and, for the
hardware-efficient embedding (HEE), a ring of CNOTs ``(0,1), (1,2), ..., (n-1,0)`` (a single
``CNOT(0,1)`` at ``n = 2``, as published).  The same ``x`` is re-uploaded in every layer.

A state of ``n`` qubits is held as an array of shape ``(2,) * n`` (wire 0 is the most
significant bit, as in PennyLane); a gate on qubit ``k`` contracts axis ``k`` with a 2x2
matrix and a CNOT swaps the two halves of the target axis inside the control's ``1`` slice,
so no ``2^n x 2^n`` matrix and no permutation table is ever built.  The layers run in
``lax.scan`` (or a ``fori_loop`` with a run-time count): the traced program, and so the compile
time, does not grow with the depth ``L``.

Density matrices (for depolarising noise) have shape ``(2,) * 2n``: axes ``0..n-1`` are the row
(ket) qubits and ``n..2n-1`` the column (bra) qubits; a gate ``G`` acts as ``G rho G^dagger``.

All functions here are written for ONE data point ``x`` of shape ``(n,)``; batch with
``jax.vmap``.  Nothing here imports PennyLane: :mod:`embtheory.qkernels.circuits` builds the same
circuits in PennyLane, and the tests check the two agree to 1e-10 in float64.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = [
    "ROTATIONS",
    "apply_cnot",
    "apply_single",
    "bloch_vectors",
    "bloch_vectors_mixed",
    "density_layer",
    "depolarize",
    "evolve_density",
    "evolve_state",
    "initial_state",
    "ring_pairs",
    "rotation_matrices",
    "state_layer",
]

#: The per-layer single-qubit rotations: name -> description.
ROTATIONS = {
    "rx": "RX(x_k)",
    "ry": "RY(x_k)",
    "hrz": "H then RZ(x_k)",
}


def ring_pairs(n: int) -> tuple[tuple[int, int], ...]:
    """The CNOT ring of the HEE: ``(k, k+1 mod n)`` for every k; one ``(0, 1)`` at n = 2; none at n = 1."""
    if n == 1:
        return ()
    if n == 2:
        return ((0, 1),)
    return tuple((k, (k + 1) % n) for k in range(n))


def rotation_matrices(rotation: str, angles: jax.Array, dtype) -> jax.Array:
    """The 2x2 matrices of one rotation layer.

    Args:
        rotation: ``"rx"``, ``"ry"`` or ``"hrz"`` (``RZ(a) H``, i.e. H applied first).
        angles: ``(n,)`` real angles.
        dtype: the complex dtype of the result.

    Returns:
        ``(n, 2, 2)``: ``RX(a) = [[c, -i s], [-i s, c]]``, ``RY(a) = [[c, -s], [s, c]]`` with
        ``c = cos(a/2), s = sin(a/2)``, and
        ``RZ(a) H = [[e^{-ia/2}, e^{-ia/2}], [e^{ia/2}, -e^{ia/2}]] / sqrt 2``.
    """
    half = angles / 2
    c = jnp.cos(half).astype(dtype)
    s = jnp.sin(half).astype(dtype)
    if rotation == "rx":
        rows = ((c, -1j * s), (-1j * s, c))
    elif rotation == "ry":
        rows = ((c, -s), (s, c))
    elif rotation == "hrz":
        em = jnp.exp(-1j * half.astype(dtype)) / jnp.sqrt(2.0).astype(dtype)
        ep = jnp.exp(1j * half.astype(dtype)) / jnp.sqrt(2.0).astype(dtype)
        rows = ((em, em), (ep, -ep))
    else:
        raise ValueError(f"rotation must be one of {sorted(ROTATIONS)}, got {rotation!r}")
    return jnp.stack([jnp.stack(r, axis=-1) for r in rows], axis=-2)


def _half(psi: jax.Array, axis: int, bit: int) -> jax.Array:
    return psi[(slice(None),) * axis + (bit,)]  # a static slice: no gather


def apply_single(psi: jax.Array, mat: jax.Array, axis: int) -> jax.Array:
    """Applies the 2x2 ``mat`` on ``axis`` of ``psi`` (any rank).

    ``psi'[.., a, ..] = sum_b mat[a, b] psi[.., b, ..]``.
    """
    p0 = _half(psi, axis, 0)
    p1 = _half(psi, axis, 1)
    return jnp.stack([mat[0, 0] * p0 + mat[0, 1] * p1, mat[1, 0] * p0 + mat[1, 1] * p1], axis=axis)


def apply_cnot(psi: jax.Array, control: int, target: int) -> jax.Array:
    """CNOT on the axes ``control`` and ``target`` of ``psi``: flips ``target`` where ``control`` is 1."""
    p1 = jnp.flip(_half(psi, control, 1), axis=target if target < control else target - 1)
    return jnp.stack([_half(psi, control, 0), p1], axis=control)


def _zero_state(n: int, dtype) -> jax.Array:
    return jnp.zeros((2,) * n, dtype).reshape(-1).at[0].set(1).reshape((2,) * n)


def _repeat(layer, init, layers):
    """``layer`` applied ``layers`` times: ``lax.scan`` for a static int (reverse-differentiable),
    ``lax.fori_loop`` for a traced count (one compile serves every depth; forward-mode only)."""
    if isinstance(layers, int):
        return jax.lax.scan(lambda c, _: (layer(c), None), init, None, length=layers)[0]
    return jax.lax.fori_loop(0, layers, lambda _, c: layer(c), init)


def evolve_state(x: jax.Array, *, rotation: str, entangle: bool, layers: int | jax.Array,
                 prefix: jax.Array | None = None, dtype=jnp.complex64) -> jax.Array:
    """The statevector ``U(x)|0...0>`` of a layered embedding, for one point.

    ``U(x) = prod_{l=1..L} [ENT . R(x)] . RY(prefix)``: an optional trainable ``RY(theta_k)``
    layer, then ``L`` layers of the rotation ``R`` on every qubit followed (if ``entangle``) by
    the CNOT ring.

    Args:
        x: ``(n,)`` angles.
        rotation: a key of :data:`ROTATIONS`.
        entangle: append the CNOT ring to every layer (the HEE).
        layers: ``L >= 1``: a Python int runs the layers in one ``lax.scan`` (differentiable); a
            traced integer runs them in a ``lax.fori_loop`` (forward only), so one compiled program
            serves every depth.
        prefix: ``(n,)`` trainable angles of a first ``RY`` layer, or None.
        dtype: ``complex64`` or ``complex128``.

    Returns:
        ``(2^n,)`` complex amplitudes in PennyLane's (big-endian) order.
    """
    n = x.shape[0]
    psi = initial_state(n, prefix=prefix, dtype=dtype)
    mats = rotation_matrices(rotation, x, dtype)
    pairs = ring_pairs(n) if entangle else ()
    return _repeat(lambda s: state_layer(s, mats, pairs), psi, layers).reshape(-1)


def state_layer(psi: jax.Array, mats: jax.Array, pairs) -> jax.Array:
    """One layer on a statevector of shape ``(2,) * n``: ``mats[k]`` on qubit k, then the CNOTs ``pairs``."""
    for k in range(mats.shape[0]):
        psi = apply_single(psi, mats[k], k)
    for c, t in pairs:
        psi = apply_cnot(psi, c, t)
    return psi


def density_layer(rho: jax.Array, mats: jax.Array, pairs, noise) -> jax.Array:
    """One noisy layer on a density matrix ``(2,) * 2n``: each rotation then its channel, then the CNOTs."""
    n = mats.shape[0]
    for k in range(n):
        rho = apply_single(rho, mats[k], k)
        rho = apply_single(rho, jnp.conj(mats[k]), n + k)
        rho = depolarize(rho, noise, k, n)
    for c, t in pairs:
        rho = apply_cnot(apply_cnot(rho, c, t), n + c, n + t)
    return rho


def initial_state(n: int, *, prefix: jax.Array | None = None, mixed: bool = False, dtype=jnp.complex64):
    """``|0...0>`` (after the optional ``RY(prefix)`` layer), shape ``(2,)*n``, or its density ``(2,)*2n``."""
    psi = _zero_state(n, dtype)
    if prefix is not None:
        pre = rotation_matrices("ry", prefix, dtype)
        for k in range(n):
            psi = apply_single(psi, pre[k], k)
    if not mixed:
        return psi
    return psi.reshape((2,) * n + (1,) * n) * jnp.conj(psi).reshape((1,) * n + (2,) * n)


def depolarize(rho: jax.Array, p: jax.Array | float, qubit: int, n: int) -> jax.Array:
    """PennyLane's ``DepolarizingChannel(p)`` on ``qubit`` of the density matrix ``rho`` (shape ``(2,)*2n``).

    ``rho -> (1-p) rho + (p/3)(X rho X + Y rho Y + Z rho Z) = (1 - 4p/3) rho + (2p/3) I (x) Tr_q rho``,
    using ``sum_{P in {I,X,Y,Z}} P rho P = 2 I (x) Tr_q rho``.
    """
    r = jnp.moveaxis(rho, (qubit, n + qubit), (0, 1))
    trace = r[0, 0] + r[1, 1]
    eye = jnp.eye(2, dtype=rho.dtype).reshape((2, 2) + (1,) * (2 * n - 2))
    r = (1 - 4 * p / 3) * r + (2 * p / 3) * eye * trace[None, None]
    return jnp.moveaxis(r, (0, 1), (qubit, n + qubit))


def evolve_density(x: jax.Array, *, rotation: str, entangle: bool, layers: int | jax.Array, noise: float,
                   prefix: jax.Array | None = None, dtype=jnp.complex64) -> jax.Array:
    """The density matrix of the embedding with ``DepolarizingChannel(noise)`` after every rotation.

    Same circuit as :func:`evolve_state`; in every layer each qubit's rotation is followed at once
    by the depolarising channel on that qubit (the channel commutes with the other qubits' gates,
    so "after every RX" needs no finer order).  The trainable ``RY`` prefix is noiseless.

    Returns:
        ``(2^n, 2^n)`` Hermitian, unit trace.
    """
    n = x.shape[0]
    rho = initial_state(n, prefix=prefix, mixed=True, dtype=dtype)
    mats = rotation_matrices(rotation, x, dtype)
    pairs = ring_pairs(n) if entangle else ()
    return _repeat(lambda r: density_layer(r, mats, pairs, noise), rho, layers).reshape(2**n, 2**n)


def bloch_vectors(psi: jax.Array) -> jax.Array:
    """Bloch vectors ``(<X_k>, <Y_k>, <Z_k>)`` of every qubit's reduced state of a pure state.

    Args:
        psi: ``(2^n,)`` amplitudes.

    Returns:
        ``(n, 3)`` real; ``rho_k = (I + r_k . sigma) / 2``.
    """
    n = psi.shape[0].bit_length() - 1
    t = psi.reshape((2,) * n)
    out = []
    for k in range(n):
        p0 = _half(t, k, 0).reshape(-1)
        p1 = _half(t, k, 1).reshape(-1)
        c = jnp.vdot(p0, p1)  # <0|rho_k|1>^* = sum conj(p0) p1 = rho_k[1, 0]
        z = jnp.vdot(p0, p0).real - jnp.vdot(p1, p1).real
        out.append(jnp.stack([2 * c.real, 2 * c.imag, z]))
    return jnp.stack(out)


def bloch_vectors_mixed(rho: jax.Array) -> jax.Array:
    """Bloch vectors of every qubit's reduced state of a density matrix ``(2^n, 2^n)``; ``(n, 3)``."""
    n = rho.shape[0].bit_length() - 1
    t = rho.reshape((2,) * (2 * n))
    out = []
    for k in range(n):
        r = jnp.moveaxis(t, (k, n + k), (0, 1)).reshape(2, 2, 2 ** (n - 1), 2 ** (n - 1))
        red = jnp.trace(r, axis1=2, axis2=3)
        out.append(jnp.stack([2 * red[1, 0].real, 2 * red[1, 0].imag, (red[0, 0] - red[1, 1]).real]))
    return jnp.stack(out)

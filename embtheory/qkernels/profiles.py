"""Kernels at every depth in one pass: the concentration-vs-layers curves without recomputation.

The layers of a re-uploading embedding are identical, so the states after ``L + 1`` layers are
one layer away from those after ``L``.  :func:`kernels_by_depth` carries the states of all points
through one ``lax.scan`` over ``max(layers)`` layers and records, after each requested depth, the
fidelity Gram matrix, the projected Gram matrix and its exponent ``D`` (the kernels themselves are
those of :mod:`embtheory.qkernels.kernels`, written once).  A sweep over ``L in {2, 4, ..., 200}`` then
costs 200 layers instead of ``sum L`` = 630, and compiles once per shape.

Noisy circuits carry density matrices; the fidelity kernel is then ``Tr[rho(x) rho(y)]``.
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.validation import check_int, check_memory, check_positive
from embtheory.qkernels import simulator
from embtheory.qkernels.embeddings import memory_budget, resolve, state_nbytes
from embtheory.qkernels.kernels import distance_from_bloch, fidelity_from_states

__all__ = ["DepthKernels", "kernels_by_depth"]


class DepthKernels(NamedTuple):
    """Gram matrices after each recorded depth.

    Attributes:
        layers: ``(D,)`` the depths.
        fidelity: ``(D, N, N)`` fidelity kernels.
        projected: ``(D, N, N)`` projected kernels ``exp(-gamma * distance)``.
        distance: ``(D, N, N)`` the projected kernel's exponent ``sum_k ||rho_k - rho'_k||_F^2``.
    """

    layers: np.ndarray
    fidelity: jax.Array
    projected: jax.Array
    distance: jax.Array

    def __getitem__(self, item):
        if isinstance(item, str):  # the dict of earlier releases
            warnings.warn("kernels_by_depth returns a DepthKernels NamedTuple: use out.fidelity, not "
                          "out['fidelity']", DeprecationWarning, stacklevel=2)
            return getattr(self, item)
        return tuple.__getitem__(self, item)


def _bloch(S, mixed):
    return jax.vmap(simulator.bloch_vectors_mixed if mixed else simulator.bloch_vectors)(S)


@functools.cache
def _build(rotation, entangle, mixed, n, dtype, gamma):
    pairs = simulator.ring_pairs(n) if entangle else ()
    real = jnp.finfo(dtype).dtype

    def run(X, noise, record):
        mats = jax.vmap(lambda x: simulator.rotation_matrices(rotation, x, dtype))(X)
        state0 = simulator.initial_state(n, mixed=mixed, dtype=dtype)
        S = jnp.broadcast_to(state0, (X.shape[0], *state0.shape))
        if mixed:
            step = jax.vmap(lambda r, m: simulator.density_layer(r, m, pairs, noise))
        else:
            step = jax.vmap(lambda p, m: simulator.state_layer(p, m, pairs))

        def body(S, flag):
            S = step(S, mats)
            flat = S.reshape(S.shape[0], 2**n, 2**n) if mixed else S.reshape(S.shape[0], -1)

            def recorded():
                dist = distance_from_bloch(*(_bloch(flat, mixed),) * 2)
                vec = flat.reshape(flat.shape[0], -1)
                return (fidelity_from_states(vec, vec, mixed=mixed).astype(real),
                        jnp.exp(-gamma * dist).astype(real), dist.astype(real))

            out = jax.lax.cond(flag, recorded, lambda: (jnp.zeros((X.shape[0],) * 2, real),) * 3)
            return S, out

        _, out = jax.lax.scan(body, S, record)
        return out

    return jax.jit(run)


def kernels_by_depth(X, *, layers: Sequence[int], embedding: str = "hee", noise: float | None = None,
                     gamma: float = 1.0, dtype=None) -> DepthKernels:
    """Fidelity and projected Gram matrices (and ``D``) of ``X`` after each depth in ``layers``.

    Args:
        X: ``(N, n)`` angles.
        layers: increasing depths ``L >= 1`` (e.g. ``[2, 4, 8, 16, 25, 50, 75, 100, 150, 200]``).
        embedding: a named, non-trainable embedding (``"hee"``, ``"rx"``, ``"ry"``, ``"hrz"``).
        noise: depolarising probability after every rotation, or None.
        gamma: the projected kernel's bandwidth.
        dtype: ``complex64`` or ``complex128`` states (default from ``X``).

    Returns:
        :class:`DepthKernels` with ``(D, N, N)`` arrays for the ``D`` depths.

    Example:
        >>> import jax.numpy as jnp
        >>> out = kernels_by_depth(jnp.ones((3, 2)), layers=[1, 3])
        >>> out.fidelity.shape
        (2, 3, 3)
    """
    depths = [check_int(L, "layers[i]", minimum=1) for L in layers]
    if not depths or any(b <= a for a, b in itertools.pairwise(depths)):
        raise ValueError(f"layers must be a non-empty increasing sequence of depths, got {list(layers)}")
    gamma = check_positive(gamma, "gamma")
    if callable(embedding) or embedding == "ry-hee":
        raise ValueError("kernels_by_depth runs the native non-trainable embeddings: hee, rx, ry or hrz")
    X, spec = resolve(X, embedding=embedding, layers=depths[-1], params=None, noise=noise, backend="native",
                      dtype=dtype)
    N, n = X.shape
    mixed = noise is not None
    check_memory(3 * state_nbytes(N, n, mixed=mixed, dtype=spec.dtype),
                 f"the states of {N} points on {n} qubits", memory_budget=memory_budget(),
                 fix="use fewer points or qubits, or dtype=complex64")
    record = np.zeros(depths[-1], bool)
    record[np.asarray(depths) - 1] = True
    fn = _build(spec.rotation, spec.entangle, mixed, n, spec.dtype, gamma)
    fid, proj, dist = fn(X, jnp.asarray(0.0 if noise is None else noise, X.dtype), jnp.asarray(record))
    idx = np.asarray(depths) - 1
    return DepthKernels(np.asarray(depths), fid[idx], proj[idx], dist[idx])

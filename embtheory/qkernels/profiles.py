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
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.validation import check_int_sequence, check_positive
from embtheory.qkernels import simulator
from embtheory.qkernels.embeddings import _layer_key, check_time, plan_memory, resolve
from embtheory.qkernels.kernels import _fidelity_bl, distance_from_bloch

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


@functools.cache
def _build(circuit, mixed: bool, dtype, gamma: float, reps: int):
    """A jitted ``(X, params, noise, flags) -> (fid, proj, dist)`` recording after flagged steps.

    One scan step is ``reps`` applications of the circuit's layer (one depth of the profile)."""
    n = circuit.n_qubits
    real = jnp.finfo(dtype).dtype

    def run(X, params, noise, flags):
        def record(S):
            F = simulator.bloch_batch(S, n, mixed=mixed)
            dist = distance_from_bloch(F, F)
            return (_fidelity_bl(S, S, mixed).astype(real), jnp.exp(-gamma * dist).astype(real),
                    dist.astype(real))

        return simulator.simulate(circuit, X, params, noise if mixed else None, reps, mixed=mixed,
                                  dtype=dtype,
                                  record=(record, flags))

    return jax.jit(run)


#: copies of the N states a kernels_by_depth run holds at its peak, beyond the simulator's working copies
_PEAK_COPIES = 21


def kernels_by_depth(X, *, layers, embedding="hee", params=None, noise: float | None = None,
                     gamma: float = 1.0, dtype=None) -> DepthKernels:
    """Fidelity and projected Gram matrices (and ``D``) of ``X`` after each depth in ``layers``.

    Args:
        X: ``(N, n)`` angles.
        layers: increasing depths ``L >= 1`` (e.g. ``[2, 4, 8, 16, 25, 50, 75, 100, 150, 200]``); depth
            ``L`` runs the circuit's layer ``L`` times as often (as ``layers=`` of the other kernels).
        embedding: a name, a :class:`~embtheory.qkernels.circuit.Circuit` or a PennyLane template
            that converts to one (the depths run natively).
        params: the trainable parameters of the embedding, or None.
        noise: depolarising probability after every gate that reads ``x``, or None.
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
    depths = list(check_int_sequence(layers, "layers", minimum=1))
    if any(b <= a for a, b in itertools.pairwise(depths)):
        raise ValueError(f"layers must be an increasing sequence of depths, got {depths}")
    gamma = check_positive(gamma, "gamma")
    X, spec = resolve(X, embedding=embedding, layers=1, params=params, noise=noise, backend="native",
                      dtype=dtype)
    N = X.shape[0]
    circuit = spec.circuit
    mixed = noise is not None
    # Measured peak (CPU, 40 points, six depths, complex128): about 25 copies of the N states at n = 16
    # and 18 (the states, the per-depth kernels' reduced states and XLA's temporaries of the one
    # program): _PEAK_COPIES of them besides the simulator's working copies.
    plan_memory(N, circuit.n_qubits, mixed=mixed, dtype=spec.dtype, chunk_size=N, kept=N,
                copies=_PEAK_COPIES, what="the states of every depth")
    check_time(N, circuit.n_qubits, mixed=mixed, layers=depths[-1], pairs=N * N * len(depths),
               what="the kernels of every depth")
    flags = np.zeros(depths[-1], bool)
    flags[np.asarray(depths) - 1] = True
    fn = _build(_layer_key(circuit), mixed, spec.dtype, gamma, circuit.layers)
    p = jnp.asarray(0.0 if noise is None else noise, X.dtype)
    fid, proj, dist = fn(X, spec.params, p, jnp.asarray(flags))
    idx = np.asarray(depths) - 1
    return DepthKernels(np.asarray(depths), fid[idx], proj[idx], dist[idx])

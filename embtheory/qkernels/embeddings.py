"""Embedding states for a whole data set, each state computed once, in bounded memory.

:func:`embed` maps a data matrix ``X`` of shape ``(N, n)`` to the ``N`` states of an ``n``-qubit
embedding: statevectors ``(N, 2^n)`` (noiseless) or density matrices ``(N, 2^n, 2^n)`` (with
depolarising noise).  Three backends compute the same numbers:

- ``"native"`` (default for the named embeddings): the JAX simulator of
  :mod:`embtheory.qkernels.simulator`, ``lax.scan`` over layers, compiled once per shape;
- ``"pennylane"``: ``jit(vmap)`` of a PennyLane state QNode (``default.qubit`` or
  ``default.mixed``); the only backend for a user template ``f(x, wires)``;
- ``"mps"``: matrix-product states (:mod:`embtheory.qkernels.mps`), exact at bond ``4^L`` for the
  named noiseless embeddings at any ``n`` (100 qubits on a CPU); ``max_bond`` truncates deeper circuits.

Points are processed ``chunk_size`` at a time (``lax.map``) so the simulator's temporaries stay
bounded; the states themselves are checked against a memory budget before anything runs.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.memory import resolve_memory_budget
from embtheory.core.validation import (
    as_matrix,
    check_choice,
    check_int,
    check_memory,
    check_positive,
    x64_hint,
)
from embtheory.qkernels import simulator

BACKENDS = ("native", "pennylane", "mps")

#: the most re-uploading layers accepted (far past any circuit the paper runs; a bound keeps
#: a mistyped huge value from reaching the int32 layer counter of the compiled scan).
MAX_LAYERS = 100_000

__all__ = ["EMBEDDINGS", "EmbeddingSpec", "embed", "memory_budget", "resolve"]

#: Named embeddings: name -> (rotation, CNOT ring, trainable RY prefix).
EMBEDDINGS = {
    "hee": ("rx", True, False),
    "rx": ("rx", False, False),
    "ry": ("ry", False, False),
    "hrz": ("hrz", False, False),
    "ry-hee": ("rx", True, True),
}


class EmbeddingSpec(NamedTuple):
    """A resolved, validated embedding request (see :func:`resolve`)."""

    template: Callable | None  # a user template, or None for a named embedding
    rotation: str | None
    entangle: bool
    layers: int
    params: jax.Array | None
    noise: float | None
    backend: str
    dtype: np.dtype
    max_bond: int | None = None  # the MPS backend's bond dimension (None: exact)


def memory_budget() -> float:
    """Bytes the states may use: :func:`embtheory.core.memory.resolve_memory_budget` (the project's one
    budget: ``EMBTHEORY_MEMORY_BUDGET``, else 80% of the accelerator, else half the host's memory).

    ``EMBTHEORY_QK_MEMORY_GIB`` (GiB) of earlier releases is still read, with a DeprecationWarning."""
    env = os.environ.get("EMBTHEORY_QK_MEMORY_GIB")
    if env:
        warnings.warn("EMBTHEORY_QK_MEMORY_GIB is deprecated: set EMBTHEORY_MEMORY_BUDGET (e.g. 8GiB)",
                      DeprecationWarning, stacklevel=2)
        return float(env) * 2**30
    return resolve_memory_budget(None)


def _complex_dtype(dtype, X, *, backend=None) -> np.dtype:
    if dtype is None and backend == "mps":
        if not jax.config.jax_enable_x64:
            raise ValueError("backend='mps' computes in complex128 by default (overlaps of 2^-100 and "
                             f"discarded weights near 1e-16): {x64_hint}; or pass dtype=complex64 "
                             "to run it in single precision")
        return np.dtype(np.complex128)
    if dtype is None:
        return np.dtype(np.complex128 if X.dtype == jnp.float64 else np.complex64)
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.complex64), np.dtype(np.complex128)):
        raise ValueError(f"dtype must be complex64 or complex128 (the state dtype), got {dtype!r}")
    if dt == np.complex128 and not jax.config.jax_enable_x64:
        raise ValueError("dtype=complex128 needs float64: set JAX_ENABLE_X64=1 or "
                         "jax.config.update('jax_enable_x64', True)")
    return dt


def resolve(X, *, embedding, layers, params, noise, backend, dtype,
            max_bond=None) -> tuple[jax.Array, EmbeddingSpec]:
    """Validates the arguments shared by every kernel and returns ``(X, spec)``."""
    X = as_matrix(X, "X")
    if max_bond is not None:
        max_bond = check_int(max_bond, "max_bond", minimum=1)
        if backend != "mps":
            raise ValueError(f"max_bond is the MPS backend's bond dimension: pass backend='mps' with it "
                             f"(got backend={backend!r})")
    if backend == "mps":
        if callable(embedding):
            raise ValueError("backend='mps' runs the named layered embeddings (rotations and the CNOT ring); "
                             "a user template f(x, wires) may hold any gate, which the MPS backend cannot "
                             "represent: pass backend='pennylane'")
        if noise is not None:
            raise ValueError(f"backend='mps' simulates pure states; noise={noise} inserts "
                             "DepolarizingChannel, a non-unitary channel an MPS of states cannot "
                             "represent: use backend='native' (density matrices) or noise=None")
    n = X.shape[1]
    layers = check_int(layers, "layers", minimum=1, maximum=MAX_LAYERS)
    if noise is not None:
        noise = check_positive(noise, "noise", allow_zero=True)
        if noise > 1:
            raise ValueError(f"noise is a depolarising probability in [0, 1], got {noise}")
    if callable(embedding):
        if backend not in (None, "pennylane"):
            raise ValueError(f"a user template f(x, wires) runs on backend='pennylane' only, got "
                             f"backend={backend!r}: pass backend='pennylane' (or None)")
        backend = "pennylane"
        if params is not None:
            raise ValueError("params is for embedding='ry-hee'; bind a user template's own parameters "
                             "in the template (e.g. functools.partial)")
        if noise is not None:
            raise ValueError("noise= inserts DepolarizingChannel into the named embeddings only; a user "
                             "template runs noiselessly: pass noise=None")
        spec = EmbeddingSpec(embedding, None, False, layers, None, noise, backend, _complex_dtype(dtype, X))
        return X, spec
    check_choice(embedding, "embedding", EMBEDDINGS)
    backend = check_choice("native" if backend is None else backend, "backend", BACKENDS)
    rotation, entangle, trainable = EMBEDDINGS[embedding]
    if trainable:
        if params is None:
            raise ValueError(f"embedding='ry-hee' needs params: the {n} RY angles theta, shape ({n},)")
        params = jnp.asarray(params)
        if params.shape != (n,):
            raise ValueError(f"params must have shape ({n},) (one RY angle per qubit), got {params.shape}")
    elif params is not None:
        raise ValueError(f"embedding={embedding!r} has no trainable parameters; use embedding='ry-hee'")
    spec = EmbeddingSpec(None, rotation, entangle, layers, params, noise, backend,
                         _complex_dtype(dtype, X, backend=backend), max_bond)
    return X, spec


def state_nbytes(n_points: int, n_qubits: int, *, mixed: bool, dtype) -> int:
    """Bytes of ``n_points`` states (statevectors, or density matrices when ``mixed``)."""
    dim = 2 ** (2 * n_qubits if mixed else n_qubits)
    return n_points * dim * np.dtype(dtype).itemsize


def _default_chunk(n_points: int, n_qubits: int, mixed: bool, dtype, budget: float) -> int:
    # The simulator holds about four copies of a chunk's states at once (input, output, two halves).
    per_point = 4 * state_nbytes(1, n_qubits, mixed=mixed, dtype=dtype)
    return int(max(1, min(n_points, budget // (4 * per_point))))


def _chunked(fn: Callable, X: jax.Array, chunk: int):
    """``vmap(fn)(X)`` evaluated ``chunk`` rows at a time (``lax.map`` over padded chunks)."""
    n_points = X.shape[0]
    if chunk >= n_points:
        return jax.vmap(fn)(X)
    n_chunks = -(-n_points // chunk)
    pad = n_chunks * chunk - n_points
    Xp = jnp.concatenate([X, jnp.broadcast_to(X[-1:], (pad, X.shape[1]))]) if pad else X
    out = jax.lax.map(jax.vmap(fn), Xp.reshape(n_chunks, chunk, X.shape[1]))
    return jax.tree.map(lambda a: a.reshape((n_chunks * chunk, *a.shape[2:]))[:n_points], out)


@functools.cache
def _native_fn(rotation: str, entangle: bool, static_layers: int | None, mixed: bool, trainable: bool,
               dtype, chunk: int, post: Callable | None) -> Callable:
    """A jitted ``(X, params, noise, layers) -> states`` (or ``post(state)`` per point).

    Cached per static configuration.  Without trainable parameters the depth is a run-time
    argument (``static_layers`` None): one compiled program serves every ``L``.
    """

    def batch(X, params, noise, layers):
        depth = layers if static_layers is None else static_layers

        def one(x):
            kw = dict(rotation=rotation, entangle=entangle, layers=depth, dtype=dtype,
                      prefix=params if trainable else None)
            s = simulator.evolve_density(x, noise=noise, **kw) if mixed else simulator.evolve_state(x, **kw)
            return s if post is None else post(s)

        return _chunked(one, X, chunk)

    return jax.jit(batch)


@functools.cache
def _pennylane_fn(template: Callable, n: int, mixed: bool, chunk: int, post: Callable | None) -> Callable:
    from embtheory.qkernels.circuits import state_qnode

    qnode = state_qnode(template, n, mixed=mixed)

    def one(x):
        s = qnode(x)
        return s if post is None else post(s)

    return jax.jit(lambda X: _chunked(one, X, chunk))


def _pennylane_template(spec: EmbeddingSpec) -> Callable:
    from embtheory.qkernels.circuits import layered_template

    if spec.template is not None:
        return spec.template
    if isinstance(spec.params, jax.core.Tracer):
        raise TypeError("backend='pennylane' cannot differentiate or trace params: use backend='native'")
    prefix = None if spec.params is None else tuple(float(t) for t in np.asarray(spec.params))
    return layered_template(spec.rotation, spec.entangle, spec.layers, prefix=prefix, noise=spec.noise)


def run_mps(X: jax.Array, spec: EmbeddingSpec, *, chunk_size: int | None, extra_points: int = 0):
    """The MPS of every point of ``X`` (:class:`embtheory.qkernels.mps.MPS`), after the memory check."""
    from embtheory.qkernels import mps

    n_points, n = X.shape
    chi, _ = mps.bond_for(n, spec.layers, spec.entangle, spec.max_bond)
    if spec.max_bond is None and chi > mps.MAX_DEFAULT_BOND:
        raise ValueError(f"layers={spec.layers} on n={n} qubits needs bond {chi} for an exact MPS (4^L), "
                         f"more than {mps.MAX_DEFAULT_BOND}: pass max_bond= to truncate (the discarded "
                         "weight is reported)")
    budget = memory_budget()
    per_point = mps.mps_nbytes(1, n, chi, spec.dtype)
    chunk = n_points if chunk_size is None else check_int(chunk_size, "chunk_size", minimum=1)
    if chunk_size is None:
        chunk = int(max(1, min(n_points, budget // (8 * per_point))))
    check_memory(per_point * (n_points + extra_points) + 8 * per_point * min(chunk, n_points),
                 f"the MPS of {n_points} points on {n} qubits at bond {chi}", memory_budget=budget,
                 fix="pass a smaller max_bond (truncation), fewer points, a smaller chunk_size, or a larger "
                     "EMBTHEORY_MEMORY_BUDGET")
    chunk = min(chunk, n_points)
    trainable = spec.params is not None
    fn = mps.mps_embed_fn(spec.rotation, spec.entangle, spec.layers, n, chi, trainable, spec.dtype)
    params = jnp.zeros((n,), X.dtype) if spec.params is None else spec.params
    if chunk >= n_points:
        return fn(X, params)
    return _chunked(lambda x: jax.tree.map(lambda a: a[0], fn(x[None], params)), X, chunk)


def run_states(X: jax.Array, spec: EmbeddingSpec, *, chunk_size: int | None, post: Callable | None = None,
               extra_points: int = 0) -> jax.Array:
    """Computes the states of ``X`` (or ``post`` of each), after the memory check."""
    n_points, n = X.shape
    if spec.backend == "mps":
        out = run_mps(X, spec, chunk_size=chunk_size, extra_points=extra_points)
        return out if post is None else post(out)
    mixed = spec.noise is not None
    if mixed and spec.backend == "pennylane" and n > 23:
        raise ValueError(f"default.mixed simulates at most 23 qubits, got n = {n}: use backend='native' "
                         "or noise=None")
    budget = memory_budget()
    kept = state_nbytes(n_points + extra_points, n, mixed=mixed, dtype=spec.dtype) if post is None else 0
    chunk = _default_chunk(n_points, n, mixed, spec.dtype, budget) if chunk_size is None else \
        check_int(chunk_size, "chunk_size", minimum=1)
    work = 4 * state_nbytes(min(chunk, n_points), n, mixed=mixed, dtype=spec.dtype)
    check_memory(kept + work, f"the {'density matrices' if mixed else 'states'} of {n_points} points "
                 f"on {n} qubits", memory_budget=budget,
                 fix="use backend='mps' (matrix-product states: exact at bond 4^L for the named noiseless "
                     "embeddings, 100 qubits on a CPU), or fewer qubits or points, a smaller chunk_size, "
                     "dtype=complex64, or a larger EMBTHEORY_MEMORY_BUDGET")
    chunk = min(chunk, n_points)
    if spec.backend == "native":
        trainable = spec.params is not None
        fn = _native_fn(spec.rotation, spec.entangle, spec.layers if trainable else None, mixed, trainable,
                        spec.dtype, chunk, post)
        params = jnp.zeros((n,), X.dtype) if spec.params is None else spec.params
        noise = jnp.asarray(0.0 if spec.noise is None else spec.noise, X.dtype)
        return fn(X, params, noise, jnp.asarray(spec.layers, jnp.int32))
    fn = _pennylane_fn(_pennylane_template(spec), n, mixed, chunk, post)
    return fn(X).astype(spec.dtype) if post is None else fn(X)


def embed(X, *, embedding="hee", layers: int = 1, params=None, noise: float | None = None,
          backend: str | None = None, chunk_size: int | None = None, dtype=None, max_bond: int | None = None):
    """The embedding's state of every point, each computed once.

    Args:
        X: ``(N, n)`` angles; ``n`` is the number of qubits.
        embedding: ``"hee"`` (RX + CNOT ring), ``"rx"``, ``"ry"``, ``"hrz"`` (product embeddings),
            ``"ry-hee"`` (trainable ``RY(theta)`` layer then the HEE), or a PennyLane template
            ``f(x, wires)``.
        layers: ``L``, re-uploading layers.
        params: ``(n,)`` angles ``theta`` of ``"ry-hee"``; differentiable on the native backend.
        noise: ``DepolarizingChannel(p)`` after every rotation; density matrices are returned.
        backend: ``"native"``, ``"pennylane"`` or ``"mps"``; None picks native for named embeddings.
        chunk_size: points simulated at once (default: as many as a quarter of the budget allows).
        dtype: ``complex64`` or ``complex128`` (default: complex128 when ``X`` is float64, and
            always for ``backend="mps"``).
        max_bond: the MPS bond dimension (``backend="mps"`` only; None: exact, ``min(4^L, 2^(n//2))``).

    Returns:
        ``(N, 2^n)`` statevectors, or ``(N, 2^n, 2^n)`` density matrices when ``noise`` is given, or
        for ``backend="mps"`` an :class:`embtheory.qkernels.mps.MPS` (tensors and discarded weights).

    Example:
        >>> import jax.numpy as jnp
        >>> embed(jnp.zeros((3, 2)), embedding="rx").shape
        (3, 4)
    """
    X, spec = resolve(X, embedding=embedding, layers=layers, params=params, noise=noise, backend=backend,
                      dtype=dtype, max_bond=max_bond)
    return run_states(X, spec, chunk_size=chunk_size)

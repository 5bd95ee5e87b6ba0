"""Embedding states for a whole data set, each state computed once, in bounded memory.

:func:`embed` maps a data matrix ``X`` of shape ``(N, n)`` to the ``N`` states of an ``n``-qubit
embedding: statevectors ``(N, 2^n)`` (noiseless) or density matrices ``(N, 2^n, 2^n)`` (with
depolarising noise).  The embedding is a circuit in the native form of
:mod:`embtheory.qkernels.circuit`: a name (``"hee"``, ``"rx"``, ``"ry"``, ``"hrz"``, ``"ry-hee"``), a
:class:`~embtheory.qkernels.circuit.Circuit` (e.g. :func:`~embtheory.qkernels.circuit.zz_feature_map`),
or a PennyLane template ``f(x, wires)`` or QNode, converted to that form when every operation is
supported (:func:`embtheory.qkernels.circuits.to_circuit`).  ``layers`` repeats the circuit's layer
(a template: the whole template), re-uploading ``x``, on every backend:

- ``"native"`` (default): the batch-last simulator of :mod:`embtheory.qkernels.simulator`;
- ``"pennylane"``: ``jit(vmap)`` of a PennyLane state QNode (``default.qubit`` or ``default.mixed``),
  also the fallback, with a warning naming the operation, for a template that does not convert;
- ``"mps"``: matrix-product states (:mod:`embtheory.qkernels.mps`) of the named noiseless
  embeddings, exact at bond ``4^L`` at any ``n`` (100 qubits on a CPU); ``max_bond`` truncates.

Before any statevector run the cost is estimated (the states kept plus the simulator's working
copies of one chunk) and a run past the memory budget is refused with the sizes that would fit.
Points are simulated ``chunk_size`` at a time; the states do not depend on ``chunk_size``.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import warnings
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.algorithm import interruptible
from embtheory.core.memory import check_seconds, chunk_size_for, resolve_memory_budget
from embtheory.core.validation import (
    as_matrix,
    check_choice,
    check_int,
    check_memory,
    check_positive,
    check_real,
    is_concrete,
    parse_dtype,
    x64_hint,
)
from embtheory.qkernels import simulator
from embtheory.qkernels.circuit import MAX_LAYERS, NAMED, Circuit, named_circuit

BACKENDS = ("native", "pennylane", "mps")

#: the most re-uploading layers accepted (far past any circuit the paper runs; a bound keeps
#: a mistyped huge value from reaching the int32 layer counter of the compiled scan).

__all__ = ["EMBEDDINGS", "EmbeddingSpec", "embed", "memory_budget", "resolve"]

#: Named embeddings: name -> (rotation, CNOT ring, trainable RY prefix); each is a
#: :func:`~embtheory.qkernels.circuit.named_circuit`.
EMBEDDINGS = NAMED


class EmbeddingSpec(NamedTuple):
    """A resolved, validated embedding request (see :func:`resolve`).

    Attributes:
        circuit: the native circuit with ``layers`` set to the total repetitions (None only for a
            PennyLane template that did not convert).
        template: the PennyLane template run by ``backend="pennylane"``, or None.
        name: the named embedding, or None (the MPS backend runs named embeddings).
        layers: the total repetitions of the circuit's layer.
        params: the trainable parameters, or None.
        noise: the depolarising probability, or None.
        backend: ``"native"``, ``"pennylane"`` or ``"mps"``.
        dtype: the complex state dtype.
        max_bond: the MPS backend's bond dimension (None: exact).
    """

    circuit: Circuit | None
    template: Callable | None
    name: str | None
    layers: int
    params: jax.Array | None
    noise: float | None
    backend: str
    dtype: np.dtype
    max_bond: int | None = None

    @property
    def rotation(self) -> str:
        return NAMED[self.name][0]

    @property
    def entangle(self) -> bool:
        return NAMED[self.name][1]


def memory_budget() -> float:
    """Bytes the states may use: :func:`embtheory.core.memory.resolve_memory_budget` (the project's one
    budget: ``EMBTHEORY_MEMORY_BUDGET``, else 80% of the accelerator, else half the host's memory)."""
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
    dt = parse_dtype(dtype, "dtype", expected="complex64 or complex128 (the state dtype)")
    if dt not in (np.dtype(np.complex64), np.dtype(np.complex128)):
        raise ValueError(f"dtype must be complex64 or complex128 (the state dtype), got {dtype!r}")
    if dt == np.complex128 and not jax.config.jax_enable_x64:
        raise ValueError("dtype=complex128 needs float64: set JAX_ENABLE_X64=1 or "
                         "jax.config.update('jax_enable_x64', True)")
    return dt


@functools.lru_cache(maxsize=256)  # per call it rebuilt the named circuit to compare (most of the host time)
def _named_of(circuit: Circuit) -> str | None:
    """The name of a named embedding equal to ``circuit`` (the MPS backend runs those), else None."""
    if circuit.name in NAMED and circuit == named_circuit(circuit.name, circuit.n_qubits,
                                                          layers=circuit.layers):
        return circuit.name
    return None


def _to_circuit(embedding, n: int, backend):
    """A template or QNode as a native circuit, or ``(None, reason)`` when an operation is unsupported."""
    from embtheory.qkernels.circuits import UnsupportedCircuit, to_circuit

    try:
        return to_circuit(embedding, n), None
    except UnsupportedCircuit as err:
        if backend == "native":
            raise ValueError(f"embedding: {err}; pass backend='pennylane' to run it there") from None
        return None, str(err)


def _check_params(params, circuit: Circuit):
    k = circuit.n_params
    if k == 0:
        if params is not None:
            raise ValueError("params: this embedding has no trainable parameters (bind them with "
                             "circuit.param(j), or use embedding='ry-hee'); pass params=None")
        return None
    if params is None:
        raise ValueError(f"params: the embedding has {k} trainable parameter(s): pass params of shape ({k},)")
    params = jnp.asarray(params)
    if not jnp.issubdtype(params.dtype, jnp.floating):
        params = params.astype(jnp.result_type(float))
    if params.shape != (k,):
        raise ValueError(f"params must have shape ({k},) (one value per trainable parameter), got "
                         f"{params.shape}")
    if is_concrete(params) and not bool(jnp.all(jnp.isfinite(params))):
        raise ValueError("params contains NaN or inf: every gate angle must be finite")
    return params


def resolve(X, *, embedding, layers, params, noise, backend, dtype,
            max_bond=None) -> tuple[jax.Array, EmbeddingSpec]:
    """Validates the arguments shared by every kernel and returns ``(X, spec)``."""
    X = as_matrix(X, "X")
    n = X.shape[1]
    if backend is not None:
        check_choice(backend, "backend", BACKENDS)
    if max_bond is not None:
        max_bond = check_int(max_bond, "max_bond", minimum=1)
        if backend != "mps":
            raise ValueError(f"max_bond is the MPS backend's bond dimension: pass backend='mps' with it "
                             f"(got backend={backend!r})")
    layers = check_int(layers, "layers", minimum=1, maximum=MAX_LAYERS)
    if noise is not None:
        noise = check_positive(noise, "noise", allow_zero=True)
        if noise > 1:
            raise ValueError(f"noise is a depolarising probability in [0, 1], got {noise}")
    template = None
    if isinstance(embedding, str):
        check_choice(embedding, "embedding", EMBEDDINGS)
        circuit = named_circuit(embedding, n)
    elif isinstance(embedding, Circuit):
        circuit = embedding
        if circuit.n_features != n:
            raise ValueError(f"X has {n} columns but the circuit reads {circuit.n_features} features: pass X "
                             f"of shape (N, {circuit.n_features})")
    elif callable(embedding):
        template = embedding
        # on PennyLane a noiseless template runs as written; noise needs its data gates (the conversion)
        circuit, reason = ((None, None) if backend == "pennylane" and noise is None
                           else _to_circuit(embedding, n, backend))
        if circuit is None and reason is not None and backend != "pennylane":
            warnings.warn(f"embedding runs on backend='pennylane' (not natively): {reason}", stacklevel=3)
    else:
        raise TypeError(f"embedding must be a name ({sorted(EMBEDDINGS)}), a Circuit or a PennyLane template "
                        f"f(x, wires), got {type(embedding).__name__}")
    if circuit is None:  # a template on PennyLane
        if backend == "mps":
            raise ValueError("backend='mps' runs circuits of the native form, and this template does not "
                             f"convert to it ({reason}): pass backend='pennylane'")
        if params is not None:
            raise ValueError("params: a PennyLane template binds its own parameters (e.g. "
                             "functools.partial); "
                             "pass params=None")
        if noise is not None:
            raise ValueError("noise: a template that does not convert to the native form runs noiselessly on "
                             "PennyLane: pass noise=None")
        return X, EmbeddingSpec(None, template, None, layers, None, None, "pennylane",
                                _complex_dtype(dtype, X))
    circuit = circuit.repeat(layers)
    params = _check_params(params, circuit)
    backend = "native" if backend is None else backend
    name = _named_of(circuit)
    if backend == "mps":
        if noise is not None:
            raise ValueError(f"backend='mps' simulates pure states; noise={noise} inserts "
                             "DepolarizingChannel, a non-unitary channel an MPS of states cannot "
                             "represent: use backend='native' (density matrices) or noise=None")
    spec = EmbeddingSpec(circuit, template, name, circuit.layers, params, noise, backend,
                         _complex_dtype(dtype, X, backend=backend), max_bond)
    return X, spec


def state_nbytes(n_points: int, n_qubits: int, *, mixed: bool, dtype) -> int:
    """Bytes of ``n_points`` states (statevectors, or density matrices when ``mixed``)."""
    dim = 2 ** (2 * n_qubits if mixed else n_qubits)
    return n_points * dim * np.dtype(dtype).itemsize


#: environment variable: seconds a statevector call may take by its a-priori estimate
MAX_SECONDS_ENV = "EMBTHEORY_MAX_SECONDS"

#: the default of :data:`MAX_SECONDS_ENV` (an hour, as a sign-rank run's default limit)
DEFAULT_MAX_SECONDS = 3600.0


def check_time(n_points: int, n_qubits: int, *, mixed: bool, layers: int, pairs: int = 0, what: str) -> float:
    """Refuses, before any work, a statevector call whose a-priori time is past ``$EMBTHEORY_MAX_SECONDS``.

    The estimate is a lower bound at :func:`embtheory.core.memory.assumed_flops`: one pass over
    every state per layer (8 real operations per complex amplitude) and one complex product per
    amplitude for each of ``pairs`` kernel entries, so a refusal is never wrong about a call that
    would have fitted.  Returns the estimate in seconds.
    """
    env = os.environ.get(MAX_SECONDS_ENV)
    try:
        limit = DEFAULT_MAX_SECONDS if not env else check_real(float(env), MAX_SECONDS_ENV, low=0,
                                                               low_open=True)
    except ValueError:
        raise ValueError(f"{MAX_SECONDS_ENV} must be a positive number of seconds, got {env!r}") from None
    dim = 2.0 ** (2 * n_qubits if mixed else n_qubits)
    flops = 8.0 * dim * (n_points * max(int(layers), 1) + pairs)
    return check_seconds(flops, limit, f"{what} ({n_points:,} points, {n_qubits} qubits, {layers} layers"
                         + (f", {pairs:,} kernel entries)" if pairs else ")"),
                         "fewer points or qubits, or backend='mps' for noiseless circuits of many qubits",
                         limit_name=MAX_SECONDS_ENV)


#: working copies of a chunk's states the simulator holds at once (input, output, the slices)
WORK_COPIES = 4


def plan_memory(n_points: int, n_qubits: int, *, mixed: bool, dtype, chunk_size: int | None, kept: int,
                what: str, copies: int = 1) -> int:
    """The chunk size, after refusing a run whose states and working copies exceed the budget.

    ``kept``: points whose states stay alive (0 when only a reduction of each state is kept), each
    in ``copies`` copies at the run's peak.
    The refusal names the sizes that would fit: points, qubits and chunk.
    """
    budget = memory_budget()
    one = state_nbytes(1, n_qubits, mixed=mixed, dtype=dtype)
    chunk = chunk_size_for(n_points, bytes_per_item=WORK_COPIES * one, memory_budget=budget,
                           chunk_size=chunk_size)
    need = one * (copies * kept + WORK_COPIES * chunk)
    if need > budget:
        if chunk >= n_points:  # the chunk is every point: both terms shrink with the points
            fit_points = int(budget // (one * (copies + WORK_COPIES))) if kept else 0
        else:
            fit_points = int((budget // one - WORK_COPIES * chunk) // copies) if kept else 0
        fit_n = n_qubits
        held = copies * kept + WORK_COPIES * chunk
        while fit_n > 1 and state_nbytes(1, fit_n, mixed=mixed, dtype=dtype) * held > budget:
            fit_n -= 1
        hint = (f"at most {max(fit_points, 0)} points fit at n = {n_qubits}, " if kept else "") + \
            f"{fit_n} qubits fit for these points"
        check_memory(need, f"{what} ({n_points} points, {n_qubits} qubits, chunk {chunk})",
                     memory_budget=budget,
                     fix=f"{hint}; use backend='mps' (noiseless circuits, 100 qubits), fewer "
                         "qubits or "
                         "points, a smaller chunk_size, dtype=complex64, or a larger EMBTHEORY_MEMORY_BUDGET")
    return chunk


def chunked(fn: Callable, X: jax.Array, chunk: int, *, batch_last: bool):
    """``fn(X)`` evaluated ``chunk`` rows at a time (``lax.map`` over padded chunks).

    ``fn`` maps ``(B, f)`` rows to a pytree whose batch axis is last (``batch_last``) or first.
    The padding repeats the last row; padded results are dropped.
    """
    n_points = X.shape[0]
    if chunk >= n_points:
        return fn(X)
    n_chunks = -(-n_points // chunk)
    chunk = -(-n_points // n_chunks)  # as many chunks, evened out: padded rows are computed for nothing
    pad = n_chunks * chunk - n_points
    Xp = jnp.concatenate([X, jnp.broadcast_to(X[-1:], (pad, X.shape[1]))]) if pad else X
    out = jax.lax.map(fn, Xp.reshape(n_chunks, chunk, X.shape[1]))

    def join(a):
        if batch_last:
            a = jnp.moveaxis(a, 0, -2)
            return a.reshape((*a.shape[:-2], n_chunks * chunk))[..., :n_points]
        return a.reshape((n_chunks * chunk, *a.shape[2:]))[:n_points]

    return jax.tree.map(join, out)


def native_states(X, spec: EmbeddingSpec, *, chunk: int, layers=None, post: Callable | None = None,
                  upto_constant: bool = False, at_least: int = 0):
    """Traceable: the native states of ``X`` batch last (or ``post(states)``, batch first), chunked.

    ``upto_constant``: up to a unitary shared by every point (for fidelities; see ``simulator.simulate``);
    ``at_least``: a lower bound of a traced ``layers`` (see ``simulator.simulate``).
    """
    mixed = spec.noise is not None
    noise = None if spec.noise is None else jnp.asarray(spec.noise, X.dtype)
    depth = spec.layers if layers is None else layers
    circuit = spec.circuit

    def run(Xc):
        S = simulator.simulate(circuit, Xc, spec.params, noise, depth, mixed=mixed, dtype=spec.dtype,
                               upto_constant=upto_constant, at_least=at_least)
        return S if post is None else post(S)

    return chunked(run, X, chunk, batch_last=post is None)


@functools.cache
def _native_fn(circuit: Circuit, mixed: bool, dtype, chunk: int, static_layers: int | None,
               post: Callable | None) -> Callable:
    """A jitted ``(X, params, noise, layers) -> states`` (batch last) or ``post(states)`` (batch first).

    Cached per static configuration; see :func:`static_depth` for when the depth is a run-time
    argument (``static_layers`` None: one compiled program serves every ``L >= RUNTIME_DEPTH_FROM``).
    """

    def run(X, params, noise, layers):
        depth = layers if static_layers is None else static_layers
        spec = EmbeddingSpec(circuit, None, None, 1, params, noise if mixed else None, "native", dtype)
        return native_states(X, spec, chunk=chunk, layers=depth, post=post,
                             at_least=runtime_floor(static_layers))

    return jax.jit(run)


@functools.lru_cache(maxsize=256)
def _layer_key(circuit: Circuit) -> Circuit:
    return dataclasses.replace(circuit, layers=1)


#: depths from which a circuit without trainable parameters runs one program with the depth as a
#: run-time argument (a sweep over ``L`` compiles once); a smaller depth is compiled in (each of
#: them is its own simulation: the product state, the rewritten last two layers)
RUNTIME_DEPTH_FROM = 3


def runtime_floor(static_layers: int | None) -> int:
    """The lower bound of a run-time depth (``static_layers`` None, see :func:`static_depth`)."""
    return RUNTIME_DEPTH_FROM if static_layers is None else 0


def static_depth(spec: EmbeddingSpec) -> int | None:
    """The depth to compile into a program, or None for a run-time depth of at least
    :data:`RUNTIME_DEPTH_FROM` (one program for every such ``L``).

    Static with trainable parameters (reverse-mode gradients), below :data:`RUNTIME_DEPTH_FROM`
    and where the depth decides the simulation (a cut simulation,
    :func:`~embtheory.qkernels.simulator.cut_plan`)."""
    if spec.params is not None or spec.layers < RUNTIME_DEPTH_FROM:
        return spec.layers
    if spec.noise is None and simulator.cut_plan(_layer_key(spec.circuit), spec.layers) is not None:
        return spec.layers
    return None


def run_native(X, spec: EmbeddingSpec, *, chunk: int, post: Callable | None = None):
    """The native states of ``X`` (batch last), or ``post`` of them (batch first), compiled once per shape."""
    mixed = spec.noise is not None
    if not is_concrete(spec.params):  # inside a caller's trace (alignment gradients): no nested jit cache
        return native_states(X, spec, chunk=chunk, post=post)
    fn = _native_fn(_layer_key(spec.circuit), mixed, spec.dtype, chunk, static_depth(spec), post)
    noise = jnp.asarray(0.0 if spec.noise is None else spec.noise, X.dtype)
    return fn(X, spec.params, noise, np.int32(spec.layers))


@functools.cache
def _pennylane_fn(template: Callable, n: int, mixed: bool, chunk: int) -> Callable:
    from embtheory.qkernels.circuits import state_qnode

    qnode = state_qnode(template, n, mixed=mixed)
    return jax.jit(lambda X: chunked(jax.vmap(qnode), X, chunk, batch_last=False))


def _pennylane_template(spec: EmbeddingSpec) -> Callable:
    from embtheory.qkernels.circuits import circuit_template, repeated_template

    if spec.circuit is None:
        return repeated_template(spec.template, spec.layers)
    if not is_concrete(spec.params):
        raise TypeError("backend='pennylane' cannot differentiate or trace params: use backend='native'")
    params = None if spec.params is None else tuple(float(t) for t in np.asarray(spec.params))
    return circuit_template(spec.circuit, params=params, noise=spec.noise)


def pennylane_states(X, spec: EmbeddingSpec, *, chunk: int) -> jax.Array:
    """``(N, 2^n)`` or ``(N, 2^n, 2^n)`` states from PennyLane (batch first)."""
    n = X.shape[1] if spec.circuit is None else spec.circuit.n_qubits
    mixed = spec.noise is not None
    if mixed and n > 23:
        raise ValueError(f"default.mixed simulates at most 23 qubits, got n = {n}: use backend='native' "
                         "or noise=None")
    return _pennylane_fn(_pennylane_template(spec), n, mixed, chunk)(X).astype(spec.dtype)


def n_qubits_of(X, spec: EmbeddingSpec) -> int:
    return X.shape[1] if spec.circuit is None else spec.circuit.n_qubits


def states_batch_last(X, spec: EmbeddingSpec, *, chunk_size, extra_points: int = 0) -> jax.Array:
    """``(2^n, N)`` statevectors or ``(4^n, N)`` flattened density matrices, batch last, after the cost "
      "check."""
    n = n_qubits_of(X, spec)
    mixed = spec.noise is not None
    chunk = plan_memory(X.shape[0], n, mixed=mixed, dtype=spec.dtype, chunk_size=chunk_size,
                        kept=X.shape[0] + extra_points, what="the states")
    seconds = check_time(X.shape[0], n, mixed=mixed, layers=spec.layers, what="the states")
    if spec.backend == "pennylane":
        S = pennylane_states(X, spec, chunk=chunk)
        return S.reshape(S.shape[0], -1).T
    if seconds > HOST_CHUNKS_PAST and is_concrete(spec.params):
        return _in_host_chunks(X, spec, chunk, axis=1)
    return run_native(X, spec, chunk=chunk)


def reduced_batch(X, spec: EmbeddingSpec, post: Callable, *, chunk_size) -> jax.Array:
    """``post`` of every point's state (batch-last states in, batch-first values out); states not kept."""
    n = n_qubits_of(X, spec)
    mixed = spec.noise is not None
    chunk = plan_memory(X.shape[0], n, mixed=mixed, dtype=spec.dtype, chunk_size=chunk_size, kept=0,
                        what="the states")
    seconds = check_time(X.shape[0], n, mixed=mixed, layers=spec.layers, what="the states")
    if spec.backend == "pennylane":
        S = pennylane_states(X, spec, chunk=chunk)
        return post(S.reshape(S.shape[0], -1).T)
    if seconds > HOST_CHUNKS_PAST and is_concrete(spec.params):
        return _in_host_chunks(X, spec, chunk, axis=0, post=post)
    return run_native(X, spec, chunk=chunk, post=post)


#: a states call whose a-priori time (a lower bound, :func:`check_time`) is past this many seconds
#: runs in host chunks, so that a Ctrl-C returns between them
HOST_CHUNKS_PAST = 0.5

#: operations (of the estimate's one pass per layer) one host chunk aims at: a two-hundredth of a
#: second at the assumed rate; a layer of n qubits makes several passes, so on a CPU a chunk takes
#: a second or less
HOST_CHUNK_FLOPS = 5e8


def host_chunks(fn: Callable, X: jax.Array, c: int) -> list:
    """``fn`` of every ``c`` rows of ``X``, each call waited for (a Ctrl-C returns between them, after
    the call in flight); the last chunk is filled up with its final row, so ``fn`` sees one shape."""
    out, last = [], [None]
    with interruptible(lambda: last[0]):
        for start in range(0, X.shape[0], c):
            Xc = X[start:start + c]
            if Xc.shape[0] < c:
                Xc = jnp.concatenate([Xc, jnp.broadcast_to(Xc[-1:], (c - Xc.shape[0], Xc.shape[1]))])
            last[0] = fn(Xc)
            out.append(jax.block_until_ready(last[0]))
    return out


def host_chunk_points(X, spec: EmbeddingSpec, chunk: int, flops: float = HOST_CHUNK_FLOPS) -> int:
    """Points per host chunk: about ``flops`` operations of the estimate's one pass per layer, at
    most ``chunk`` (the memory plan's)."""
    n = n_qubits_of(X, spec)
    dim = 2.0 ** (2 * n if spec.noise is not None else n)
    return int(max(1, min(chunk, flops / (8.0 * dim * max(spec.layers, 1)))))


def _in_host_chunks(X, spec: EmbeddingSpec, chunk: int, *, axis: int, post: Callable | None = None):
    """:func:`run_native` over :func:`host_chunks` of points, joined along ``axis`` (1: batch-last
    states, 0: ``post`` values)."""
    c = host_chunk_points(X, spec, chunk)
    out = host_chunks(lambda Xc: run_native(Xc, spec, chunk=c, post=post), X, c)
    keep = (slice(None),) * axis + (slice(X.shape[0]),)
    return jax.tree.map(lambda *a: jnp.concatenate(a, axis=axis)[keep], *out)


def run_mps(X: jax.Array, spec: EmbeddingSpec, *, chunk_size: int | None, extra_points: int = 0):
    """The MPS of every point of ``X`` (:class:`embtheory.qkernels.mps.MPS`), after the memory check."""
    from embtheory.qkernels import mps

    if spec.name is None:
        return _run_mps_gates(X, spec, chunk_size=chunk_size)
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
    params = jnp.zeros((n,), X.dtype) if spec.params is None else spec.params
    if chunk >= n_points:  # one costed call, which runs in host chunks of its own
        fn = mps.mps_embed_fn(spec.rotation, spec.entangle, spec.layers, n, chi, trainable, spec.dtype)
        return fn(X, params)
    run = mps._embed_jit(spec.rotation, spec.entangle, spec.layers, n, chi, trainable, np.dtype(spec.dtype),
                         False)  # the kernel under the costed call: chunks of a lax.map are traced
    return chunked(lambda Xc: run(Xc, params), X, chunk, batch_last=False)


def _run_mps_gates(X: jax.Array, spec: EmbeddingSpec, *, chunk_size: int | None):
    """A circuit other than a named embedding as MPS: its gates at every point, as one batched matrix
    per gate, through :func:`embtheory.qkernels.mps_gates.mps_gate_states` (any pairs of wires, routed
    with swaps; costed and refused past the budget or the time limit before it runs)."""
    from embtheory.qkernels.circuit import _gate_unitaries
    from embtheory.qkernels.mps_gates import mps_gate_states

    params = spec.params  # X and params were checked by resolve

    def matrices(x):
        return tuple(u for _, u in _gate_unitaries(spec.circuit, x, params, spec.dtype))

    wires = [g.wires for g in spec.circuit.gates]
    mats = jax.vmap(matrices)(X)
    return mps_gate_states(list(zip(wires, mats)), n=spec.circuit.n_qubits, max_bond=spec.max_bond,
                           dtype=spec.dtype, chunk_size=chunk_size)


def embed(X, *, embedding="hee", layers: int = 1, params=None, noise: float | None = None,
          backend: str | None = None, chunk_size: int | None = None, dtype=None, max_bond: int | None = None):
    """The embedding's state of every point, each computed once.

    Args:
        X: ``(N, n)`` angles (``n`` features; the named embeddings use ``n`` qubits).
        embedding: a name: ``"hee"`` (RX + CNOT ring), ``"rx"``, ``"ry"``, ``"hrz"`` (product
            embeddings), ``"ry-hee"`` (trainable ``RY(theta)`` layer then the HEE); a
            :class:`~embtheory.qkernels.circuit.Circuit`; or a PennyLane template ``f(x, wires)``
            (or a QNode of ``x``), run natively when every operation converts.
        layers: ``L``: the circuit's layer (a template: the whole template) runs ``L`` times as often,
            re-uploading ``x``.
        params: the trainable parameters (``"ry-hee"``: ``(n,)``; a circuit: ``(n_params,)``);
            differentiable on the native backend.
        noise: ``DepolarizingChannel(p)`` after every gate that reads ``x``, on each of its wires;
            density matrices are returned.
        backend: ``"native"``, ``"pennylane"`` or ``"mps"``; None: native (PennyLane, with a warning,
            for a template that does not convert).
        chunk_size: points simulated at once (default: what a quarter of the budget allows); never
            changes a state.
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
    if spec.backend == "mps":
        return run_mps(X, spec, chunk_size=chunk_size)
    S = states_batch_last(X, spec, chunk_size=chunk_size)
    n = n_qubits_of(X, spec)
    return S.T.reshape(X.shape[0], 2**n, 2**n) if spec.noise is not None else S.T

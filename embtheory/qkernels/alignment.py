"""Kernel-target alignment: the value, its variance over parameters, and training with optax.

``TA(K, y) = sum_ij y_i y_j K_ij / sqrt(sum_ij K_ij^2 * sum_ij (y_i y_j)^2)`` (Cristianini et al.),
the cosine between ``K`` and ``y y^T`` in Frobenius inner product.  For the trainable embedding
``RY(theta) + HEE`` the paper shows ``Var_theta[TA]`` shrinks exponentially with ``n`` (Fig. 9): a
concentrated kernel gives a flat alignment landscape, so training it by gradient ascent stalls.

Training is an ``init``/``step`` pair over a :class:`AlignmentState`, plus :func:`train_alignment`
which runs the steps in one ``lax.scan`` (no host sync per step).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from embtheory.core.validation import as_matrix, check_int, check_labels, is_concrete
from embtheory.qkernels.circuit import named_circuit
from embtheory.qkernels.embeddings import MAX_LAYERS, EmbeddingSpec, _check_params, resolve
from embtheory.qkernels.kernels import fidelity_from_spec

__all__ = ["AlignmentState", "alignment_init", "alignment_landscape", "alignment_step", "alignment_values",
           "alignment_variance", "target_alignment", "train_alignment"]


def _ta(K, y):
    """The pure formula (no checks; traceable): ``y^T K y / (||K||_F |y|^2)``, diagonal included."""
    return (y @ K @ y) / (jnp.sqrt(jnp.sum(K * K)) * jnp.sum(y * y))


def target_alignment(K, y) -> jax.Array:
    """Kernel-target alignment of the Gram matrix ``K`` ``(N, N)`` with labels ``y`` ``(N,)`` (e.g. +-1).

    The sums run over all ``i, j`` (diagonal included, as in the paper's script).  Concrete inputs
    are checked: a NaN/inf, an all-zero ``K`` or all-zero labels (``TA`` undefined, 0/0) raise
    ``ValueError``; under ``jit``/``vmap``/``grad`` the formula runs unchecked.

    Returns:
        A scalar in ``[-1, 1]``: ``y^T K y / (||K||_F ||y y^T||_F)``, with ``||y y^T||_F = |y|^2``.
    """
    K = jnp.asarray(K)
    y = jnp.asarray(y, K.dtype)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square Gram matrix (N, N), got shape {K.shape}")
    if y.shape != (K.shape[0],):
        raise ValueError(f"y must have shape ({K.shape[0]},) to match K, got {y.shape}")
    if is_concrete(K):
        if not bool(jnp.all(jnp.isfinite(K))):
            raise ValueError("K contains NaN or inf: the alignment of such a kernel is undefined; "
                             "check the Gram matrix's inputs")
        if not bool(jnp.any(K != 0)):
            raise ValueError("K is all zeros: ||K||_F = 0 and the alignment is 0/0 (undefined)")
    if is_concrete(y):
        if not bool(jnp.all(jnp.isfinite(y))):
            raise ValueError("y contains NaN or inf: labels must be finite (e.g. +-1)")
        if not bool(jnp.any(y != 0)):
            raise ValueError("y is all zeros: ||y y^T||_F = 0 and the alignment is 0/0; pass labels +-1")
    return _ta(K, y)


def _prepare(X, y, layers, embedding):
    """Validates once, outside any trace; returns ``(X, y, spec)`` whose ``params`` are replaced per call."""
    X = as_matrix(X, "X")
    y = jnp.asarray(check_labels(y, "y", n=X.shape[0]), X.dtype)
    if y.shape != (X.shape[0],):  # a traced y skips check_labels
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if not _trainable(embedding):
        raise ValueError(f"embedding={embedding!r} has no trainable parameters: alignment needs "
                         "'ry-hee' or a "
                         "Circuit with param(j) angles")
    k = _n_params(embedding, X.shape[1])
    X, spec = resolve(X, embedding=embedding, layers=layers, params=jnp.zeros((k,), X.dtype),
                      noise=None, backend="native", dtype=None)
    return X, y, spec


def _trainable(embedding) -> bool:
    from embtheory.qkernels.circuit import Circuit

    if isinstance(embedding, Circuit):
        return embedding.n_params > 0
    return embedding == "ry-hee"


def _n_params(embedding, n: int) -> int:
    from embtheory.qkernels.circuit import Circuit

    return embedding.n_params if isinstance(embedding, Circuit) else n


def _ta_of_theta(theta, X, y, spec):
    return _ta(fidelity_from_spec(X, None, spec._replace(params=theta)), y)


@functools.cache
def _landscape_fn(layers: int, batch_size: int):
    def one(X, y, thetas):
        cdtype = np.dtype(np.complex128 if X.dtype == jnp.float64 else np.complex64)
        n = X.shape[1]
        spec = EmbeddingSpec(named_circuit("ry-hee", n, layers=layers), None, "ry-hee", layers, thetas[0],
                             None,
                             "native", cdtype)
        return jax.lax.map(lambda t: _ta_of_theta(t, X, y, spec), thetas, batch_size=batch_size)

    return jax.jit(lambda Xs, ys, thetas: jax.lax.map(lambda a: one(*a), (Xs, ys, thetas)))


def alignment_landscape(Xs, ys, thetas, *, layers: int = 1, batch_size: int = 16) -> jax.Array:
    """``TA`` of the ``RY(theta) + HEE`` kernel for many data sets at once (one compiled program).

    Fig. 9's ``Var_theta[TA]`` varies a hundredfold from one random data set to the next, so its
    spread over data sets is the honest comparison; this evaluates ``D`` data sets x ``T`` thetas.

    Args:
        Xs: ``(D, N, n)`` data sets; ys: ``(D, N)`` labels (each row not all zero).
        thetas: ``(D, T, n)`` parameter samples per data set (or ``(T, n)`` shared by all).
        layers: HEE layers after the RY layer.
        batch_size: parameter samples simulated at once.

    Returns:
        ``(D, T)`` alignments; ``jnp.var(..., axis=1)`` gives one Fig. 9 value per data set.
    """
    Xs = jnp.asarray(Xs)
    if Xs.ndim != 3:
        raise ValueError(f"Xs must be (D, N, n) data sets, got shape {Xs.shape}")
    D, N, n = Xs.shape
    as_matrix(Xs.reshape(D * N, n), "Xs")  # finite, real
    ys = jnp.asarray(ys, Xs.dtype)
    if ys.shape != (D, N):
        raise ValueError(f"ys must have shape ({D}, {N}) to match Xs, got {ys.shape}")
    if not bool(jnp.all(jnp.any(ys != 0, axis=1))):
        raise ValueError("ys has a data set whose labels are all zero: its alignment is 0/0; pass labels +-1")
    thetas = jnp.asarray(thetas, Xs.dtype)
    if thetas.ndim == 2:
        thetas = jnp.broadcast_to(thetas, (D, *thetas.shape))
    if thetas.ndim != 3 or thetas.shape[0] != D or thetas.shape[2] != n:
        raise ValueError(f"thetas must be (T, {n}) or ({D}, T, {n}), got {thetas.shape}")
    as_matrix(thetas.reshape(-1, n), "thetas")
    layers = check_int(layers, "layers", minimum=1, maximum=MAX_LAYERS)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    return _landscape_fn(layers, batch_size)(Xs, ys, thetas)


def alignment_values(X, y, thetas, *, embedding="ry-hee", layers: int = 1, batch_size: int = 16) -> jax.Array:
    """``TA`` of the ``RY(theta) + HEE`` kernel for every row of ``thetas``.

    Args:
        X: ``(N, n)`` data; y: ``(N,)`` labels.
        thetas: ``(T, n_params)`` parameter samples (e.g. uniform on ``[-2 pi, 2 pi]^n`` as in Fig. 9).
        embedding: ``"ry-hee"`` or a :class:`~embtheory.qkernels.circuit.Circuit` with trainable angles.
        layers: layers after the prefix (``"ry-hee"``: HEE layers after the RY layer).
        batch_size: parameter samples simulated at once (memory: ``batch_size * N`` states).

    Returns:
        ``(T,)``; ``Var`` of it is the quantity of Fig. 9.
    """
    X, y, spec = _prepare(X, y, layers, embedding)
    thetas = as_matrix(thetas, "thetas", cols=spec.params.shape[0], dtype=X.dtype)
    batch_size = min(check_int(batch_size, "batch_size", minimum=1), thetas.shape[0])
    return _values(thetas, X, y, spec=spec._replace(params=None), batch_size=batch_size)


@functools.partial(jax.jit, static_argnames=("spec", "batch_size"))
def _values(thetas, X, y, *, spec, batch_size):
    """``TA`` of each row of ``thetas`` (``spec``: the embedding without its parameters).

    A module-level ``jit``: an eager ``lax.map`` whose batches run in a ``lax.scan`` over a closure
    made per call is compiled again at every call; this is compiled once per shape and configuration.
    """
    return jax.lax.map(lambda t: _ta_of_theta(t, X, y, spec), thetas, batch_size=batch_size)


def alignment_variance(X, y, thetas, *, embedding="ry-hee", layers: int = 1,
                       batch_size: int = 16) -> jax.Array:
    """``Var_theta[TA]`` over the rows of ``thetas`` (population variance): the y-axis of Fig. 9."""
    return jnp.var(alignment_values(X, y, thetas, embedding=embedding, layers=layers, batch_size=batch_size))


class AlignmentState(NamedTuple):
    """Training state: parameters, the optimiser's state and the step count."""

    params: jax.Array
    opt_state: optax.OptState
    step: jax.Array


def alignment_init(params, optimizer: optax.GradientTransformation) -> AlignmentState:
    """The initial :class:`AlignmentState` for ``params`` ``(n,)``."""
    params = jnp.asarray(params)
    return AlignmentState(params, optimizer.init(params), jnp.zeros((), jnp.int32))


def alignment_step(state: AlignmentState, X, y, optimizer: optax.GradientTransformation, *,
                   embedding="ry-hee", layers: int = 1) -> tuple[AlignmentState, jax.Array]:
    """One gradient-ascent step on ``TA`` (the optimiser minimises ``-TA``); returns ``(state, TA)``."""
    X, y, spec = _prepare(X, y, layers, embedding)
    return _step(state, X, y, spec=spec._replace(params=None), optimizer=optimizer)


@functools.partial(jax.jit, static_argnames=("spec", "optimizer"))
def _step(state, X, y, *, spec, optimizer):
    """One step of :func:`alignment_step`, compiled once per shape, embedding and optimiser object."""
    ta, grad = jax.value_and_grad(_ta_of_theta)(state.params, X, y, spec)
    updates, opt_state = optimizer.update(-grad, state.opt_state, state.params)
    return AlignmentState(optax.apply_updates(state.params, updates), opt_state, state.step + 1), ta


def train_alignment(X, y, params, *, optimizer: optax.GradientTransformation | None = None, steps: int = 100,
                    embedding="ry-hee", layers: int = 1) -> tuple[jax.Array, jax.Array]:
    """Maximises ``TA`` over ``theta`` with ``optimizer`` (default ``optax.adam(0.05)``) for ``steps`` steps.

    The run is compiled once per shape, ``steps``, ``layers`` and optimiser object: to repeat it
    without compiling again, pass the same ``optimizer`` object (or the default).

    ``embedding`` is ``"ry-hee"`` (``params`` ``(n,)``) or a
    :class:`~embtheory.qkernels.circuit.Circuit` with trainable angles (``params`` ``(n_params,)``).

    Returns:
        ``(params, ta_history)``: the final parameters and ``(steps,)`` TA before each step.
    """
    X, y, spec = _prepare(X, y, layers, embedding)
    steps = check_int(steps, "steps", minimum=1)
    optimizer = _DEFAULT_OPTIMIZER if optimizer is None else optimizer
    params = _check_params(params, spec.circuit).astype(X.dtype)
    state = alignment_init(params, optimizer)
    state, history = _train(state, X, y, spec=spec._replace(params=None), optimizer=optimizer, steps=steps)
    return state.params, history


#: ``optax.adam(0.05)``, made once: an optimiser is a static argument of the compiled run, so a
#: new object per call would compile the run again
_DEFAULT_OPTIMIZER = optax.adam(0.05)


@functools.partial(jax.jit, static_argnames=("spec", "optimizer", "steps"))
def _train(state, X, y, *, spec, optimizer, steps):
    """``steps`` steps of :func:`train_alignment` in one ``lax.scan``, compiled once per shape,
    embedding (``spec`` without its parameters), optimiser object and step count."""

    def step(s, _):
        ta, grad = jax.value_and_grad(_ta_of_theta)(s.params, X, y, spec)
        updates, opt_state = optimizer.update(-grad, s.opt_state, s.params)
        return AlignmentState(optax.apply_updates(s.params, updates), opt_state, s.step + 1), ta

    return jax.lax.scan(step, state, None, length=steps)

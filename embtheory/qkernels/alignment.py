"""Kernel-target alignment: the value, its variance over parameters, and training with optax.

``TA(K, y) = sum_ij y_i y_j K_ij / sqrt(sum_ij K_ij^2 * sum_ij (y_i y_j)^2)`` (Cristianini et al.),
the cosine between ``K`` and ``y y^T`` in Frobenius inner product.  For the trainable embedding
``RY(theta) + HEE`` the paper shows ``Var_theta[TA]`` shrinks exponentially with ``n`` (Fig. 9): a
concentrated kernel gives a flat alignment landscape, so training it by gradient ascent stalls.

Training is an ``init``/``step`` pair over a :class:`AlignmentState`, plus :func:`train_alignment`
which runs the steps in one ``lax.scan`` (no host sync per step).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from embtheory.core.validation import as_matrix, check_int
from embtheory.qkernels.embeddings import resolve
from embtheory.qkernels.kernels import fidelity_from_spec

__all__ = ["AlignmentState", "alignment_init", "alignment_step", "alignment_values", "alignment_variance",
           "target_alignment", "train_alignment"]


def target_alignment(K, y) -> jax.Array:
    """Kernel-target alignment of the Gram matrix ``K`` ``(N, N)`` with labels ``y`` ``(N,)`` (e.g. +-1).

    Returns:
        A scalar in ``[-1, 1]``: ``y^T K y / (||K||_F ||y y^T||_F)``, with ``||y y^T||_F = |y|^2``.
    """
    K = jnp.asarray(K)
    y = jnp.asarray(y, K.dtype)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square Gram matrix (N, N), got shape {K.shape}")
    if y.shape != (K.shape[0],):
        raise ValueError(f"y must have shape ({K.shape[0]},) to match K, got {y.shape}")
    num = y @ K @ y
    return num / (jnp.sqrt(jnp.sum(K * K)) * jnp.sum(y * y))


def _prepare(X, y, layers):
    """Validates once, outside any trace; returns ``(X, y, spec)`` whose ``params`` are replaced per call."""
    X = as_matrix(X, "X")
    y = jnp.asarray(y, X.dtype)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    X, spec = resolve(X, embedding="ry-hee", layers=layers, params=jnp.zeros((X.shape[1],), X.dtype),
                      noise=None, backend="native", dtype=None)
    return X, y, spec


def _ta_of_theta(theta, X, y, spec):
    return target_alignment(fidelity_from_spec(X, None, spec._replace(params=theta)), y)


def alignment_values(X, y, thetas, *, layers: int = 1, batch_size: int = 16) -> jax.Array:
    """``TA`` of the ``RY(theta) + HEE`` kernel for every row of ``thetas``.

    Args:
        X: ``(N, n)`` data; y: ``(N,)`` labels.
        thetas: ``(T, n)`` parameter samples (e.g. uniform on ``[-2 pi, 2 pi]^n`` as in Fig. 9).
        layers: HEE layers after the RY layer.
        batch_size: parameter samples simulated at once (memory: ``batch_size * N`` states).

    Returns:
        ``(T,)``; ``Var`` of it is the quantity of Fig. 9.
    """
    X, y, spec = _prepare(X, y, layers)
    thetas = as_matrix(thetas, "thetas", cols=X.shape[1], dtype=X.dtype)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    return jax.lax.map(lambda t: _ta_of_theta(t, X, y, spec), thetas, batch_size=batch_size)


def alignment_variance(X, y, thetas, *, layers: int = 1, batch_size: int = 16) -> jax.Array:
    """``Var_theta[TA]`` over the rows of ``thetas`` (population variance): the y-axis of Fig. 9."""
    return jnp.var(alignment_values(X, y, thetas, layers=layers, batch_size=batch_size))


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
                   layers: int = 1) -> tuple[AlignmentState, jax.Array]:
    """One gradient-ascent step on ``TA`` (the optimiser minimises ``-TA``); returns ``(state, TA)``."""
    X, y, spec = _prepare(X, y, layers)
    ta, grad = jax.value_and_grad(_ta_of_theta)(state.params, X, y, spec)
    updates, opt_state = optimizer.update(-grad, state.opt_state, state.params)
    return AlignmentState(optax.apply_updates(state.params, updates), opt_state, state.step + 1), ta


def train_alignment(X, y, params, *, optimizer: optax.GradientTransformation | None = None, steps: int = 100,
                    layers: int = 1) -> tuple[jax.Array, jax.Array]:
    """Maximises ``TA`` over ``theta`` with ``optimizer`` (default ``optax.adam(0.05)``) for ``steps`` steps.

    Returns:
        ``(params, ta_history)``: the final ``(n,)`` parameters and ``(steps,)`` TA before each step.
    """
    X, y, spec = _prepare(X, y, layers)
    steps = check_int(steps, "steps", minimum=1)
    optimizer = optax.adam(0.05) if optimizer is None else optimizer
    state = alignment_init(jnp.asarray(params, X.dtype), optimizer)

    def step(s, _):
        ta, grad = jax.value_and_grad(_ta_of_theta)(s.params, X, y, spec)
        updates, opt_state = optimizer.update(-grad, s.opt_state, s.params)
        return AlignmentState(optax.apply_updates(s.params, updates), opt_state, s.step + 1), ta

    @jax.jit
    def run(state):
        return jax.lax.scan(step, state, None, length=steps)

    state, history = run(state)
    return state.params, history

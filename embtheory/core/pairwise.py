"""Pairwise maps and row normalisation: Gram matrices from single-pair functions, unit rows.

``k(x, y) -> scalar`` is written for one pair; :func:`map_product` lifts it to all pairs with
two vmaps, and :func:`gram` does the same in row chunks with ``lax.map`` so that only a
``chunk_size x len(Y)`` block of intermediates exists at once.

:func:`normalize_rows` is the one row normalisation of the package (cosine similarities,
directions, TTE depth): ``x / |x|`` along the last axis, robust to under- and overflow.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from embtheory.core.validation import as_matrix, check_int

__all__ = ["gram", "inverse_row_norms", "map_product", "normalize_rows", "unit_rows"]


def map_product(f: Callable[[jax.Array, jax.Array], jax.Array]) -> Callable:
    """``f(x, y)`` -> ``F(X, Y)[i, j] = f(X[i], Y[j])``."""
    return jax.vmap(jax.vmap(f, in_axes=(None, 0)), in_axes=(0, None))


def gram(f: Callable[[jax.Array, jax.Array], jax.Array], X: jax.Array, Y: jax.Array | None = None,
         *, chunk_size: int | None = None) -> jax.Array:
    """The matrix ``f(X[i], Y[j])`` (``Y`` defaults to ``X``), built ``chunk_size`` rows at a time."""
    Y = X if Y is None else Y
    chunk_size = None if chunk_size is None else check_int(chunk_size, "chunk_size", minimum=1)
    if chunk_size is None or chunk_size >= X.shape[0]:
        return map_product(f)(X, Y)
    return _chunked_gram(f, X, Y, chunk_size)


@functools.partial(jax.jit, static_argnums=(0, 3))  # eager calls: one compile per (f, shapes, chunk)
def _chunked_gram(f, X, Y, chunk_size):
    row = jax.vmap(f, in_axes=(None, 0))
    return jax.lax.map(lambda x: row(x, Y), X, batch_size=chunk_size)


@jax.jit  # see unit_rows
def inverse_row_norms(X: jax.Array) -> jax.Array:
    """``1 / |x|`` of each row (last axis) of ``X`` ``[..., d]`` -> ``[...]``; robust to scale.

    The plain ``1 / sqrt(sum x^2)`` is used when every squared norm is a normal, finite number;
    otherwise (rows of size 1e-30 or 1e30 in float32, whose squares under- or overflow) the rows
    whose squares are not are first divided by their largest absolute entry.  ``lax.cond`` runs
    the extra pass only then.  Pure, jittable, vmappable and differentiable; a zero row gives inf.
    """
    sq = jnp.sum(X * X, axis=-1)
    info = jnp.finfo(X.dtype)
    ok = (sq >= info.tiny / info.eps) & (sq <= info.max / 4)

    def rescaled(X, sq):
        s = jnp.max(jnp.abs(X), axis=-1, keepdims=True)
        Y = X / s
        slow = 1.0 / (s[..., 0] * jnp.sqrt(jnp.sum(Y * Y, axis=-1)))
        return jnp.where(ok, 1.0 / jnp.sqrt(jnp.where(ok, sq, 1.0)), slow)

    return jax.lax.cond(jnp.all(ok), lambda X, sq: 1.0 / jnp.sqrt(sq), rescaled, X, sq)


@jax.jit  # eager calls hit one compiled program per shape (an eager lax.cond recompiles every call)
def unit_rows(X: jax.Array) -> jax.Array:
    """The unchecked kernel of :func:`normalize_rows`: rows (last axis) of ``X`` ``[..., d]``
    scaled to unit Euclidean norm.

    ``x / |x|``, robust to under- and overflow (see :func:`inverse_row_norms`); pure, jittable,
    vmappable and differentiable, for use inside jitted code whose inputs were checked on the
    host.  Nothing is checked here: a zero row gives NaN.

    Example:
        >>> import jax.numpy as jnp
        >>> unit_rows(jnp.array([[3.0, 4.0], [1e-30, 0.0]])).tolist()
        [[0.6000000238418579, 0.800000011920929], [1.0, 0.0]]
    """
    sq = jnp.sum(X * X, axis=-1, keepdims=True)
    info = jnp.finfo(X.dtype)
    safe = jnp.all((sq >= info.tiny / info.eps) & (sq <= info.max / 4))

    def scaled(A):
        s = jnp.max(jnp.abs(A), axis=-1, keepdims=True)
        B = A / s
        return B / jnp.sqrt(jnp.sum(B * B, axis=-1, keepdims=True))

    return jax.lax.cond(safe, lambda A: A / jnp.sqrt(jnp.sum(A * A, axis=-1, keepdims=True)), scaled, X)


def normalize_rows(X: Any) -> jax.Array:
    """The rows of a matrix ``X`` ``[n, d]`` scaled to unit Euclidean norm, checked.

    ``X`` must be 2-D with at least one row and one column, real, finite and without zero
    rows (a zero row has no direction); these are checked on the host, with a ValueError or
    TypeError naming ``X``.  Integer input is cast to the default float dtype; a float array
    keeps its dtype.  Under ``jit``/``vmap`` (a tracer) only the shape and dtype are checked
    (by :func:`embtheory.core.as_matrix`, which checks values where they exist).
    The computation is :func:`unit_rows` (the unchecked kernel, for any ``[..., d]``, which
    jitted library code calls directly).

    Example:
        >>> import jax.numpy as jnp
        >>> normalize_rows(jnp.array([[3.0, 4.0], [1e-30, 0.0]])).tolist()
        [[0.6000000238418579, 0.800000011920929], [1.0, 0.0]]
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(f"X must be an array of shape (rows, dim), got a {type(X).__name__}")
    return unit_rows(as_matrix(X, "X", nonzero_rows=True))

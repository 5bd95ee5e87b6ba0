"""Gram-matrix builders from single-pair functions, chunked so memory stays bounded.

``k(x, y) -> scalar`` is written for one pair; :func:`map_product` lifts it to all pairs with
two vmaps, and :func:`gram` does the same in row chunks with ``lax.map`` so that only a
``chunk_size x len(Y)`` block of intermediates exists at once.
"""

from __future__ import annotations

from collections.abc import Callable

import jax

__all__ = ["gram", "map_product"]


def map_product(f: Callable[[jax.Array, jax.Array], jax.Array]) -> Callable:
    """``f(x, y)`` -> ``F(X, Y)[i, j] = f(X[i], Y[j])``."""
    return jax.vmap(jax.vmap(f, in_axes=(None, 0)), in_axes=(0, None))


def gram(f: Callable[[jax.Array, jax.Array], jax.Array], X: jax.Array, Y: jax.Array | None = None,
         *, chunk_size: int | None = None) -> jax.Array:
    """The matrix ``f(X[i], Y[j])`` (``Y`` defaults to ``X``), built ``chunk_size`` rows at a time."""
    Y = X if Y is None else Y
    if chunk_size is None or chunk_size >= X.shape[0]:
        return map_product(f)(X, Y)
    row = jax.vmap(f, in_axes=(None, 0))
    return jax.lax.map(lambda x: row(x, Y), X, batch_size=chunk_size)

"""Distance-based depths: spatial depth and lens depth, with respect to the empirical ``F``.

*Spatial depth* (Vardi & Zhang 2000; Serfling 2002), with ``u(v) = v / |v|`` and ``u(0) = 0``:

.. math::

    SD(x; F) = 1 - \\Big| \\frac1m \\sum_{k=1}^m u(x - f_k) \\Big|,

in ``[0, 1]``; 1 at a centre of central symmetry; invariant under translations, orthogonal
maps and scalings (not general affine maps).  It is computed by tiles: with weights
``w_k = 1/|x - f_k|`` the sum is ``x sum_k w_k - sum_k w_k f_k``, two matrix products per tile.
Distances come from inner products of data centred at ``F``'s mean; a pair closer than
``4 sqrt(eps)`` of the points' scale counts as coincident (``u = 0``).

*Lens depth* (Liu & Modarres 2011) is the fraction of pairs of ``F`` whose lens (the
intersection of the two balls of radius ``|f_i - f_j|`` centred at ``f_i`` and ``f_j``)
contains ``x``:

.. math::

    LD(x; F) = \\binom m2^{-1} \\sum_{i < j} 1\\big[\\max(|x - f_i|, |x - f_j|) \\le |f_i - f_j|\\big].

It costs ``O(n m^2)`` by nature; queries are tiled so that ``chunk x m x m`` booleans exist
at once.  Both depths treat a point of ``F`` like any other query point (the empirical
distribution of ``F`` includes it).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from embtheory.core import check_memory
from embtheory.depth._common import (
    HIGHEST,
    auto_chunk,
    budget,
    chunked_rows,
    itemsize,
    prepare_pair,
    self_mask,
)

__all__ = ["lens_depth", "spatial_depth"]


def _sq_dists(Q: jax.Array, F: jax.Array, fn: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Squared distances ``[c, m]`` and their rounding scale, from inner products."""
    qn = jnp.sum(Q * Q, axis=1)
    scale = qn[:, None] + fn[None, :]
    d2 = scale - 2.0 * jnp.matmul(Q, F.T, precision=HIGHEST)
    return d2, scale


@partial(jax.jit, static_argnames=("chunk", "own"))
def _spatial(F: jax.Array, Q: jax.Array, *, chunk: int, own: bool) -> jax.Array:
    m = F.shape[0]
    centre = jnp.mean(F, axis=0, keepdims=True)
    Fc = F - centre
    fn = jnp.sum(Fc * Fc, axis=1)
    tol = 16.0 * jnp.finfo(F.dtype).eps

    def block(q, start):
        q = q - centre
        d2, scale = _sq_dists(q, Fc, fn)
        same = d2 <= tol * scale
        if own:
            same = same | self_mask(start, q.shape[0], m)
        w = jnp.where(same, 0.0, 1.0 / jnp.sqrt(jnp.where(same, 1.0, d2)))
        v = q * jnp.sum(w, axis=1, keepdims=True) - jnp.matmul(w, Fc, precision=HIGHEST)
        return 1.0 - jnp.linalg.norm(v, axis=1) / m

    return chunked_rows(block, Q, chunk)


def spatial_depth(F: Any, G: Any = None, *, chunk_size: int | None = None,
                  memory_budget: float | str | None = None) -> jax.Array:
    """Spatial (L1) depth of ``G``'s points (default: ``F``'s own) with respect to ``F``.

    Args:
        F: reference sample ``[m, d]``, ``m >= 2``, finite.
        G: query points ``[n, d]`` or None.
        chunk_size: query rows per tile; default: what fits a quarter of ``memory_budget``.
        memory_budget: bytes the call may use (default: the core's budget; tiles use a quarter of it).

    Returns:
        ``[n]`` (or ``[m]``) depths in ``[0, 1]``.

    Example:
        >>> import jax.numpy as jnp
        >>> F = jnp.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
        >>> [round(float(v), 3) for v in spatial_depth(F, jnp.array([[0.0, 0.0], [2.0, 0.0]]))]
        [1.0, 0.053]
    """
    F, G = prepare_pair(F, G, directional=False)
    own = G is None
    Q = F if own else G
    chunk = auto_chunk(chunk_size, Q.shape[0], 4.0 * F.shape[0] * itemsize(F), memory_budget=memory_budget)
    return _spatial(F, Q, chunk=chunk, own=own)


@partial(jax.jit, static_argnames=("chunk", "own"))
def _lens(F: jax.Array, Q: jax.Array, *, chunk: int, own: bool) -> jax.Array:
    m = F.shape[0]
    centre = jnp.mean(F, axis=0, keepdims=True)
    Fc = F - centre
    fn = jnp.sum(Fc * Fc, axis=1)
    DFF = jnp.sqrt(jnp.maximum(_sq_dists(Fc, Fc, fn)[0], 0.0))
    DFF = jnp.where(jnp.eye(m, dtype=bool), 0.0, DFF)
    off_diag = ~jnp.eye(m, dtype=bool)
    pairs = m * (m - 1) / 2.0

    def block(q, start):
        if own:
            a = jax.lax.dynamic_slice_in_dim(DFF, start, q.shape[0], 0)
        else:
            a = jnp.sqrt(jnp.maximum(_sq_dists(q - centre, Fc, fn)[0], 0.0))
        far = jnp.maximum(a[:, :, None], a[:, None, :])
        inside = (far <= DFF[None, :, :]) & off_diag[None, :, :]
        return jnp.sum(inside, axis=(1, 2)).astype(F.dtype) / 2.0 / pairs

    return chunked_rows(block, Q, chunk)


def lens_depth(F: Any, G: Any = None, *, chunk_size: int | None = None,
               memory_budget: float | str | None = None) -> jax.Array:
    """Lens depth of ``G``'s points (default: ``F``'s own) with respect to ``F``.

    Args:
        F: reference sample ``[m, d]``, ``m >= 2``, finite.
        G: query points ``[n, d]`` or None.
        chunk_size: query points per tile (each holds an ``m x m`` boolean matrix).
        memory_budget: bytes the call may use (default: the core's budget; tiles use a quarter of it).

    Returns:
        ``[n]`` (or ``[m]``) depths in ``[0, 1]``.

    Raises:
        MemoryError: the ``m x m`` distance matrix of ``F`` (and one tile) exceed ``memory_budget``.

    Example:
        >>> import jax.numpy as jnp
        >>> F = jnp.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
        >>> [round(float(v), 3) for v in lens_depth(F, jnp.array([[0.0, 0.0], [3.0, 0.0]]))]
        [1.0, 0.0]
    """
    F, G = prepare_pair(F, G, directional=False)
    m = F.shape[0]
    limit = budget(memory_budget)
    check_memory(float(m) ** 2 * (itemsize(F) + 2.0), f"lens_depth's distance matrix of F (m={m})",
                 memory_budget=limit,
                 fix="subsample F (lens depth costs O(n m^2) by nature) or use spatial_depth")
    own = G is None
    Q = F if own else G
    chunk = auto_chunk(chunk_size, Q.shape[0], 2.0 * m * m, memory_budget=memory_budget)
    return _lens(F, Q, chunk=chunk, own=own)

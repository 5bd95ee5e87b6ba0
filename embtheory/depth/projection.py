"""Projection depth and halfspace (Tukey) depth, approximated over random directions.

Both are infima over unit directions ``u`` of a one-dimensional quantity of the projections
``u . F``, and both are affine invariant when the infimum runs over all directions.  Here it
runs over ``K`` directions drawn uniformly on the sphere from an explicit ``key`` (or given),
which is how these depths scale to embedding dimensions (exact halfspace depth is practical
only in very low dimension).  Over a subset of directions the halfspace depth can only be
over-estimated, the outlyingness under-estimated.

*Projection depth* (Zuo & Serfling 2000), with ``med`` and ``MAD`` (median absolute
deviation, unscaled) of the projected sample:

.. math::

    PD(x; F) = \\Big(1 + \\sup_u \\frac{|u\\cdot x - \\mathrm{med}(u\\cdot F)|}
                                       {\\mathrm{MAD}(u\\cdot F)}\\Big)^{-1}.

*Halfspace depth* (Tukey 1975): the smallest fraction of ``F`` in a closed halfspace whose
boundary passes through ``x``:

.. math::

    HD(x; F) = \\min_u \\frac1m \\min\\big(\\#\\{k: u\\cdot f_k \\ge u\\cdot x\\},\\;
                                         \\#\\{k: u\\cdot f_k \\le u\\cdot x\\}\\big).

Directions are processed in blocks (a ``(m + n) x block`` tile of projections at a time) with
a running max / min, so the cost is ``O((m + n) d K + K m log m)`` and memory is bounded.
Exact invariance of the construction: for ``x -> A x + b`` with directions ``U``, the depths
equal those of the untransformed data with directions ``U A`` (row-normalised).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from embtheory.core import as_matrix, check_bool, check_float_dtype, check_int, check_key, check_memory
from embtheory.core.memory import chunk_size_for, chunked_reduce
from embtheory.depth._common import (
    HIGHEST,
    block_size,
    budget,
    itemsize,
    plan_tiles,
    prepare_pair,
    run_blocks,
    unit_rows,
)
from embtheory.depth.exact import halfspace_2d, halfspace_3d

__all__ = ["halfspace_depth", "projection_depth", "random_directions"]


def random_directions(n_directions: int, d: int, *, key: jax.Array, dtype=None) -> jax.Array:
    """``[K, d]`` directions uniform on the unit sphere (normalised Gaussians).

    The Gaussians are drawn in float32 and then cast to ``dtype``, so one key gives the same
    directions (up to rounding) in float32 and float64.

    Args:
        n_directions: ``K >= 1``.
        d: the dimension, ``>= 1``.
        key: PRNG key (typed or raw), keyword-only.
        dtype: float32 or float64 (float64 needs x64); default JAX's default float.

    Example:
        >>> import jax
        >>> random_directions(3, 2, key=jax.random.key(0)).shape
        (3, 2)
    """
    d = check_int(d, "d", minimum=1)
    dtype = jnp.result_type(float) if dtype is None else check_float_dtype(dtype)
    return _draw(check_key(key, "key"), _check_count(n_directions, d, None), d, dtype)


def _check_count(n_directions: Any, d: int, memory_budget: float | str | None) -> int:
    n_directions = check_int(n_directions, "n_directions", minimum=1)
    check_memory(n_directions * d * 8.0, f"{n_directions} random directions in dimension {d}",
                 memory_budget=budget(memory_budget), fix="lower n_directions")
    return n_directions


def _draw(key: jax.Array, n_directions: int, d: int, dtype) -> jax.Array:
    return unit_rows(jax.random.normal(key, (n_directions, d), jnp.float32).astype(dtype))


def _resolve_directions(key, directions, n_directions, d, dtype, memory_budget) -> jax.Array:
    if directions is not None:
        U = as_matrix(directions, "directions", cols=d, nonzero_rows=True).astype(dtype)
        return unit_rows(U)
    if key is None:
        raise TypeError(
            "key must be a PRNG key (jax.random.key(seed)) to draw the random directions, got None; "
            "or pass directions=[K, d] explicitly"
        )
    return _draw(check_key(key, "key"), _check_count(n_directions, d, memory_budget), d, dtype)


@partial(jax.jit, static_argnames=("chunk", "own"))
def _projection(F: jax.Array, Q: jax.Array, U: jax.Array, *, chunk: int, own: bool) -> jax.Array:
    def block(u, _):
        PF = jnp.matmul(F, u.T, precision=HIGHEST)
        med = jnp.median(PF, axis=0)
        mad = jnp.median(jnp.abs(PF - med[None, :]), axis=0)
        PQ = PF if own else jnp.matmul(Q, u.T, precision=HIGHEST)
        dev = jnp.abs(PQ - med[None, :])
        safe = jnp.where(mad > 0, mad, 1.0)[None, :]
        out = jnp.where((mad > 0)[None, :], dev / safe, jnp.where(dev > 0, jnp.inf, 0.0))
        return jnp.max(out, axis=1)

    return 1.0 / (1.0 + chunked_reduce(block, U, chunk, jnp.maximum))


@partial(jax.jit, static_argnames=("chunk", "own"))
def _halfspace(F: jax.Array, Q: jax.Array, U: jax.Array, *, chunk: int, own: bool) -> jax.Array:
    m = F.shape[0]

    def block(u, _):
        PF = jnp.matmul(F, u.T, precision=HIGHEST)
        PQ = PF if own else jnp.matmul(Q, u.T, precision=HIGHEST)
        srt = jnp.sort(PF, axis=0)
        count = jax.vmap(lambda s, q: jnp.searchsorted(s, q, side="right", method="sort"), in_axes=1)
        le = count(srt, PQ)
        lt = jax.vmap(lambda s, q: jnp.searchsorted(s, q, side="left", method="sort"), in_axes=1)(srt, PQ)
        return jnp.min(jnp.minimum(le, m - lt), axis=0)

    return chunked_reduce(block, U, chunk, jnp.minimum).astype(F.dtype) / m


def _prepare(F, G, key, directions, n_directions, chunk_size, memory_budget):
    F, G = prepare_pair(F, G, directional=False)
    U = _resolve_directions(key, directions, n_directions, F.shape[1], F.dtype, memory_budget)
    own = G is None
    Q = F if own else G
    rows = F.shape[0] + (0 if own else Q.shape[0])
    chunk = chunk_size_for(U.shape[0], bytes_per_item=4.0 * rows * itemsize(F),
                           chunk_size=chunk_size, memory_budget=memory_budget)
    return F, Q, U, own, chunk


def projection_depth(F: Any, G: Any = None, *, key: jax.Array | None = None, n_directions: int = 1000,
                     directions: Any = None, chunk_size: int | None = None,
                     memory_budget: float | str | None = None) -> jax.Array:
    """Projection depth of ``G``'s points (default: ``F``'s own) over random directions.

    Args:
        F: reference sample ``[m, d]``, ``m >= 2``, finite.
        G: query points ``[n, d]`` or None.
        key: PRNG key for the directions (required unless ``directions`` is given).
        n_directions: ``K``, the number of random directions.
        directions: explicit directions ``[K, d]`` (normalised here) instead of a key.
        chunk_size: directions per block (default: what fits a quarter of ``memory_budget``).
        memory_budget: bytes the call may use (default: the core's budget; tiles use a quarter of it).

    Returns:
        ``[n]`` (or ``[m]``) depths in ``[0, 1]``; an upper bound of the exact depth that
        decreases to it as ``K`` grows.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> F = jnp.array([[-2.0, 0.0], [-1.0, 1.0], [0.0, 0.0], [1.0, -1.0], [2.0, 0.0]])
        >>> d = projection_depth(F, jnp.array([[0.0, 0.0], [2.0, 0.0]]), directions=[[1.0, 0.0]])
        >>> [round(float(v), 3) for v in d]  # med 0, MAD 1 along the x-axis
        [1.0, 0.333]
        >>> d = projection_depth(F, key=jax.random.key(0), n_directions=500)
        >>> int(jnp.argmax(d))  # the centre is deepest
        2
    """
    F, Q, U, own, chunk = _prepare(F, G, key, directions, n_directions, chunk_size, memory_budget)
    return _projection(F, Q, U, chunk=chunk, own=own)


def halfspace_depth(F: Any, G: Any = None, *, key: jax.Array | None = None, n_directions: int = 1000,
                    directions: Any = None, exact: bool = False, chunk_size: int | None = None,
                    memory_budget: float | str | None = None) -> jax.Array:
    """Halfspace (Tukey) depth of ``G``'s points (default: ``F``'s own) over random directions, or exact.

    Args:
        F: reference sample ``[m, d]``, ``m >= 2``, finite.
        G: query points ``[n, d]`` or None.
        key: PRNG key for the directions (required unless ``directions`` is given or ``exact``).
        n_directions: ``K``, the number of random directions.
        directions: explicit directions ``[K, d]`` instead of a key.
        exact: the exact depth, for ``d <= 3`` (:mod:`embtheory.depth.exact`: an angular sweep,
            ``O(m log m)`` per query in 2-D and ``O(m^2 log m)`` in 3-D; in 1-D the two
            directions); then no ``key`` or ``directions``.
        chunk_size: directions per block (default: what fits a quarter of ``memory_budget``);
            with ``exact``, queries per block.
        memory_budget: bytes the call may use (default: the core's budget; tiles use a quarter of it).

    Returns:
        ``[n]`` (or ``[m]``) depths in ``{0, 1/m, ..., 1/2 + 1/m}``; over random directions an
        upper bound of the exact halfspace depth, equal to it once the directions include a
        minimising one.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> F = jnp.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
        >>> d = halfspace_depth(F, jnp.array([[0.0, 0.0], [2.0, 0.0]]), key=jax.random.key(0))
        >>> [round(float(v), 3) for v in d]
        [0.5, 0.0]
        >>> [round(float(v), 3) for v in halfspace_depth(F, jnp.array([[0.2, 0.1]]), exact=True)]
        [0.25]
    """
    if check_bool(exact, "exact"):
        return _exact_halfspace(F, G, key, directions, chunk_size, memory_budget)
    F, Q, U, own, chunk = _prepare(F, G, key, directions, n_directions, chunk_size, memory_budget)
    return _halfspace(F, Q, U, chunk=chunk, own=own)


def _exact_halfspace(F, G, key, directions, chunk_size, memory_budget) -> jax.Array:
    if key is not None or directions is not None:
        raise ValueError("exact=True uses no random directions: drop key= and directions=, or pass "
                         "exact=False")
    F, G = prepare_pair(F, G, directional=False)
    m, d = F.shape
    Q = F if G is None else G
    if d == 1:
        U = jnp.ones((1, 1), F.dtype)  # the two directions +1 and -1 are both in one projection
        return _halfspace(F, Q, U, chunk=1, own=G is None)
    if d > 3:
        raise ValueError(f"exact=True is implemented for d <= 3, got d={d}: exact halfspace depth costs "
                         "O(m^(d-1) log m) per point; use random directions (exact=False, key=...)")
    per_query = (6.0 if d == 2 else 6.0 * m) * m * itemsize(F)
    chunk = plan_tiles(per_query, f"exact halfspace depth of one query against m={m} points in d={d}",
                       fix="subsample F", rows=Q.shape[0], bytes_per_item=per_query, chunk_size=chunk_size,
                       memory_budget=memory_budget)
    # a long run goes in host blocks of queries (counts per query: blocks change no result), so a
    # Ctrl-C returns between them; a sweep costs about 200 m log2 m operations per plane (measured
    # on a CPU core: sorting and arctan dominate)
    lg = math.log2(max(m, 2))
    block = block_size(chunk, 200.0 * m * lg * (1 if d == 2 else m), chunk_size is not None)
    kernel = halfspace_2d if d == 2 else halfspace_3d
    return run_blocks(lambda q: kernel(F, q, chunk=min(chunk, block)), Q, block, time_limit=None,
                      what="exact halfspace depth", fix="")

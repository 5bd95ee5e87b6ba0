"""Transformer-based text-embedding (TTE) depth, Seegmiller & Preum (EMNLP 2023).

For a reference corpus ``F`` of ``m`` embeddings and a distance ``delta`` bounded by 2,

.. math::

    D(x; F) = 2 - \\mathbb{E}_{H \\sim F}\\, \\delta(x, H),

where a point of ``F`` itself is averaged over the *other* ``m - 1`` points and a query point
over all ``m``.

*Cosine* distance ``delta = 1 - cos(x, h)`` has a closed form.  With ``x^ = x / |x|`` and
``mu = (1/m) sum_k f^_k`` (the mean of the normalised reference embeddings),

.. math::

    D(y; F) = 1 + \\hat y \\cdot \\mu, \\qquad
    D(f_i; F) = 1 + \\frac{m\\, \\hat f_i \\cdot \\mu - |\\hat f_i|^2}{m - 1},

so all depths cost ``O((m + n) d)`` and no pairwise matrix is formed; ranking by depth is
ranking by the dot product with ``mu``.  *Chord* distance ``|x^ - h^| = sqrt(2 - 2 x^.h^)``
has no such form and is computed by tiles of ``chunk x m`` inner products.  A user distance
``distance(x, h) -> scalar`` (symmetric, written for one pair) is lifted to tiles with the
core Gram builder.

Unlike the reference package (tte_depth 1.0.0), the query depths are right when
``|F| = |G|``, and chord distance normalises its inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from embtheory.core import check_choice, gram
from embtheory.core.memory import chunk_size_for, chunked_map, resolve_memory_budget
from embtheory.core.pairwise import inverse_row_norms
from embtheory.core.validation import is_concrete
from embtheory.depth._common import (
    HIGHEST,
    itemsize,
    prepare_pair,
    self_mask,
    unit_rows,
)

__all__ = [
    "DISTANCES",
    "check_distance",
    "check_distance_range",
    "cosine_mean_direction",
    "inverse_norms",
    "paired_depths",
    "tte_depth",
]

#: Built-in distances of :func:`tte_depth`.
DISTANCES = ("cosine", "chord")



def check_distance(distance: Any, d: int, dtype) -> str | Callable:
    """Validates ``distance``: a built-in name, or a traceable ``f(x, h) -> scalar``."""
    if callable(distance):
        probe = jax.ShapeDtypeStruct((d,), dtype)
        try:
            out = jax.eval_shape(distance, probe, probe)
        except Exception as e:  # the user's function failed on one pair of vectors
            raise TypeError(
                f"distance must be a JAX-traceable function distance(x, h) -> scalar of two "
                f"[{d}] vectors; calling it on abstract vectors failed with {type(e).__name__}: {e}"
            ) from None
        if getattr(out, "shape", None) != ():
            raise TypeError(
                f"distance(x, h) must return a scalar for two [{d}] vectors, got shape "
                f"{getattr(out, 'shape', type(out).__name__)}: reduce over the last axis"
            )
        return distance
    if not isinstance(distance, str):
        raise TypeError(f"distance must be one of {list(DISTANCES)} or a callable, got {distance!r}")
    return check_choice(distance, "distance", DISTANCES)


#: ``1 / |x_i|`` of each row, robust to under- and overflow (the core's one implementation).
inverse_norms = inverse_row_norms


def _mean_direction(F: jax.Array, r: jax.Array) -> jax.Array:
    return jnp.matmul(r, F, precision=HIGHEST) / F.shape[0]


@jax.jit
def cosine_mean_direction(F: jax.Array) -> jax.Array:
    """``mu = (1/m) sum_k f_k / |f_k|`` without a normalised copy of ``F``.

    Two passes over ``F``: the inverse norms ``r``, then the vector-matrix product ``r^T F``.

    Args:
        F: ``[m, d]`` without zero rows.

    Returns:
        ``[d]``, the mean of the normalised rows.
    """
    return _mean_direction(F, inverse_norms(F))


def _cosine_from_mu(Q: jax.Array, r: jax.Array, mu: jax.Array, m: int, own: bool) -> jax.Array:
    """Depths of the rows of ``Q`` (inverse norms ``r``): ``1 + q^.mu`` or the leave-one-out form."""
    s = jnp.matmul(Q, mu, precision=HIGHEST) * r
    if own:  # remove the self-term cos(x, x) = 1 from the m terms of m q^.mu
        return 1.0 + (m * s - 1.0) / (m - 1)
    return 1.0 + s


@partial(jax.jit, static_argnames=("own",))
def _cosine_depths(F: jax.Array, Q: jax.Array, *, own: bool) -> jax.Array:
    rF = inverse_norms(F)
    mu = _mean_direction(F, rF)
    return _cosine_from_mu(Q, rF if own else inverse_norms(Q), mu, F.shape[0], own)


@jax.jit
def _cosine_both(F: jax.Array, G: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Own depths of ``F`` and depths of ``G``, sharing ``mu``, ``1/|f|`` and one dispatch."""
    rF = inverse_norms(F)
    mu = _mean_direction(F, rF)
    m = F.shape[0]
    return _cosine_from_mu(F, rF, mu, m, True), _cosine_from_mu(G, inverse_norms(G), mu, m, False)


def paired_depths(F: jax.Array, G: jax.Array, *, distance: str | Callable, chunk_size: int | None,
                  memory_budget: float | str | None = None) -> tuple[jax.Array, jax.Array]:
    """``(tte_depth(F), tte_depth(F, G))`` for checked inputs, in one pass for cosine."""
    if distance == "cosine":
        return _cosine_both(F, G)
    return (_dispatch(F, F, distance, chunk_size, True, memory_budget),
            _dispatch(F, G, distance, chunk_size, False, memory_budget))


@partial(jax.jit, static_argnames=("chunk", "own"))
def _chord_depths(F: jax.Array, Q: jax.Array, *, chunk: int, own: bool) -> jax.Array:
    m = F.shape[0]
    Fh = unit_rows(F)

    def block(q, start):
        sim = jnp.matmul(unit_rows(q), Fh.T, precision=HIGHEST)
        dist = jnp.sqrt(jnp.maximum(2.0 - 2.0 * sim, 0.0))
        if own:
            dist = jnp.where(self_mask(start, q.shape[0], m), 0.0, dist)
        return 2.0 - jnp.sum(dist, axis=1) / (m - 1 if own else m)

    return chunked_map(block, Q, chunk)


@partial(jax.jit, static_argnames=("distance", "chunk", "own"))
def _callable_depths(F: jax.Array, Q: jax.Array, *, distance: Callable, chunk: int,
                     own: bool) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Depths, and per query row the least and largest distance (self-pairs excluded)."""
    m = F.shape[0]

    def block(q, start):
        dist = gram(distance, q, F)
        if own:
            mine = self_mask(start, q.shape[0], m)
            lo = jnp.min(jnp.where(mine, jnp.inf, dist), axis=1)
            hi = jnp.max(jnp.where(mine, -jnp.inf, dist), axis=1)
            dist = jnp.where(mine, 0.0, dist)
        else:
            lo, hi = jnp.min(dist, axis=1), jnp.max(dist, axis=1)
        return 2.0 - jnp.sum(dist, axis=1) / (m - 1 if own else m), lo, hi

    return chunked_map(block, Q, chunk)


def check_distance_range(lo: Any, hi: Any, dtype) -> None:
    """Refuses a user distance whose values leave ``[0, 2]`` (or are NaN), on the host.

    TTE depth ``2 - E delta`` lies in ``[0, 2]`` only for a distance bounded by 2; outside that
    range the depths would be negative or above 2, silently.  A rounding margin of ``100 eps``
    is allowed (``1 - cos`` computed in float32 can be ``-1e-7``).
    """
    lo, hi = float(jnp.min(lo)), float(jnp.max(hi))
    tol = 100 * float(jnp.finfo(dtype).eps)
    if not (lo >= -tol and hi <= 2.0 + tol):
        raise ValueError(
            f"distance returned values in [{lo:.6g}, {hi:.6g}], outside [0, 2]: TTE depth "
            "2 - E delta(x, H) needs a distance bounded by 2 (and no NaN); rescale it, "
            "e.g. 2 * d / (1 + d) for an unbounded metric d, or use distance='cosine'"
        )


@partial(jax.jit, static_argnames=("distance", "chunk"))
def distance_matrix(X: jax.Array, Y: jax.Array, *, distance: str | Callable, chunk: int) -> jax.Array:
    """``[len(X), len(Y)]`` matrix of a non-cosine TTE distance, built by row tiles."""
    if distance == "chord":
        Yh = unit_rows(Y)

        def block(x, _):
            sim = jnp.matmul(unit_rows(x), Yh.T, precision=HIGHEST)
            return jnp.sqrt(jnp.maximum(2.0 - 2.0 * sim, 0.0))
    else:
        def block(x, _):
            return gram(distance, x, Y)
    return chunked_map(block, X, chunk)


def tte_depth(F: Any, G: Any = None, *, distance: str | Callable = "cosine",
              chunk_size: int | None = None, memory_budget: float | str | None = None) -> jax.Array:
    """TTE depths of ``F``'s own points, or of ``G``'s points with respect to ``F``.

    ``D(x; F) = 2 - mean_h delta(x, h)`` over the reference points ``h`` of ``F``, excluding
    ``x`` itself when ``x`` is a point of ``F`` (``G=None``).  Depths lie in ``[0, 2]``; the
    deepest points are the most typical of ``F``.

    Args:
        F: reference embeddings ``[m, d]``, ``m >= 2``, finite, no zero rows (for the
            built-in distances).
        G: query embeddings ``[n, d]`` (any ``n``, including ``n = m``), or None for the
            depths of ``F``'s own points.
        distance: ``"cosine"`` (closed form, ``O((m + n) d)``: two passes over ``F``, one over
            ``G``, only ``O(m + n)`` intermediates),
            ``"chord"`` (``|x^ - h^|`` on normalised vectors, tiled ``O(m n d)``), or a
            symmetric JAX function ``distance(x, h) -> scalar`` of two ``[d]`` vectors with
            values in ``[0, 2]`` (tiled through :func:`embtheory.core.gram`).
        chunk_size: query rows per tile of the pairwise distances (chord, callable);
            default: what fits a quarter of ``memory_budget``.  Not needed by the cosine
            closed form.
        memory_budget: bytes the call may use (default: the core's budget,
            ``EMBTHEORY_MEMORY_BUDGET`` or a share of the machine's memory; tiles use a quarter
            of it, or 256 MiB by default).

    Returns:
        ``[m]`` (``G=None``) or ``[n]`` depths, in the inputs' floating dtype.

    Raises:
        ValueError: ``m < 2``, NaN/inf, zero vectors, mismatched dimensions, unknown distance,
            a user distance with values outside ``[0, 2]`` (or NaN).
        TypeError: non-array input or a distance that is not a scalar function of two vectors.

    Example:
        >>> import jax.numpy as jnp
        >>> F = jnp.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> [round(float(v), 4) for v in tte_depth(F)]
        [1.3536, 1.3536, 1.7071]
        >>> [round(float(v), 4) for v in tte_depth(F, jnp.array([[-1.0, 0.0]]))]
        [0.431]
    """
    resolve_memory_budget(memory_budget)  # checked even where the cosine closed form does not use it
    directional = not callable(distance)
    F, G = prepare_pair(F, G, directional=directional)
    distance = check_distance(distance, F.shape[1], F.dtype)
    own = G is None
    return _dispatch(F, F if own else G, distance, chunk_size, own, memory_budget)


def _dispatch(F: jax.Array, Q: jax.Array, distance: str | Callable, chunk_size: int | None,
              own: bool, memory_budget: float | str | None = None) -> jax.Array:
    m, d = F.shape
    if distance == "cosine":
        if chunk_size is not None:
            chunk_size_for(Q.shape[0], bytes_per_item=0.0,
                           chunk_size=chunk_size)  # checked; the closed form needs no tiles
        return _cosine_depths(F, Q, own=own)
    if distance == "chord":
        chunk = chunk_size_for(Q.shape[0], bytes_per_item=3.0 * m * itemsize(F),
                               chunk_size=chunk_size, memory_budget=memory_budget)
        return _chord_depths(F, Q, chunk=chunk, own=own)
    chunk = chunk_size_for(Q.shape[0], bytes_per_item=3.0 * m * d * itemsize(F),
                           chunk_size=chunk_size, memory_budget=memory_budget)
    depths, lo, hi = _callable_depths(F, Q, distance=distance, chunk=chunk, own=own)
    if is_concrete(depths):  # a traced call has no values to read: the range is checked eagerly only
        check_distance_range(lo, hi, F.dtype)
    return depths

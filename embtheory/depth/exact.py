"""Exact halfspace (Tukey) depth in dimensions 2 and 3, by angular sweeps.

With ``v_k = f_k - x`` and ``c`` the number of points of ``F`` equal to ``x`` (they lie in
every closed halfspace through ``x``), the halfspace depth is

.. math::

    HD(x; F) = \\frac1m \\Big(c + \\min_{u} \\#\\{k: u \\cdot v_k > 0\\}\\Big),

the minimum running over directions ``u`` orthogonal to no ``v_k`` (a closed halfspace whose
boundary holds points can be turned slightly so that they leave it, which only lowers its
count).

*Two dimensions* (Rousseeuw & Ruts 1996): with ``a_k`` the angle of ``v_k``, an open half-plane
``{u . v > 0}`` is an open half-circle of angles; the count is smallest just after the
half-circle's trailing end passes an angle, so the minimum is
``min_k #{j: 0 < a_j - a_k <= pi (mod 2 pi)}``: one sort and running counts, ``O(m log m)`` per
query.

*Three dimensions* (Rousseeuw & Struyf 1998): a smallest open halfspace can be turned until
its boundary plane holds some ``v_k``; inside the pencil of planes through the line of
``v_k`` the count is the two-dimensional one of the ``v_j`` projected on the plane orthogonal
to ``v_k`` (``v_k`` itself projects to 0 and is left out).  So the depth is the minimum over
``k`` of a two-dimensional sweep: ``O(m^2 log m)`` per query.

Both are exact for points in general position, and in 2-D for points exactly opposite one
another about ``x`` (such as a sample symmetric about ``x``); other ties (several points
collinear with ``x`` at different angles' roundings, or coplanar with it in 3-D) are decided by
angles compared in floating point.
Queries are processed in tiles (:func:`embtheory.core.memory.chunked_map`).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from embtheory.core.memory import chunked_map

__all__ = ["halfspace_2d", "halfspace_3d"]

def _min_open_count(P: jax.Array, valid: jax.Array) -> jax.Array:
    """``min_u #{j valid: u . P_j > 0}`` over generic directions of the plane; ``P`` ``[m, 2]``.

    Each vector is written as ``s (cos h, sin h)`` with ``h`` in ``[0, pi)`` and a half
    ``s = +-1``; ``h`` is computed from the vector of the upper half, so that a vector and its
    exact opposite get the same ``h`` and their tie is decided exactly.  The window
    ``(a_k, a_k + pi]`` of angles then holds the points of ``k``'s half with a larger ``h`` and
    the points of the other half with ``h`` at most ``h_k``.  One sort of ``h`` gives both
    counts: running counts of each half, read at the last entry of ``h_k``'s run of ties.
    """
    m = P.shape[0]
    x, y = P[:, 0], P[:, 1]
    upper = (y > 0) | ((y == 0) & (x > 0))
    h = jnp.arctan2(jnp.where(upper, y, -y), jnp.where(upper, x, -x))
    h = jnp.where(valid, h, jnp.inf)  # left out: sorted last, never counted
    s, up = jax.lax.sort((h, upper), num_keys=1)
    ok = s < jnp.inf
    n_up, n_down = jnp.sum(up & ok), jnp.sum(~up & ok)
    c_up, c_down = jnp.cumsum(up & ok), jnp.cumsum(~up & ok)
    pos = jnp.arange(m)
    run_end = jnp.concatenate([s[1:] != s[:-1], jnp.ones((1,), bool)])
    last = jax.lax.cummin(jnp.where(run_end, pos, m - 1), reverse=True)
    r_up, r_down = c_up[last], c_down[last]
    counts = jnp.where(up, n_up - r_up + r_down, n_down - r_down + r_up)
    counts = jnp.where(ok, counts, m)
    return jnp.where(jnp.any(valid), jnp.min(counts), 0)


def _depth_2d(F: jax.Array, x: jax.Array) -> jax.Array:
    V = F - x[None, :]
    valid = jnp.any(V != 0, axis=1)
    return jnp.sum(~valid) + _min_open_count(V, valid)


def _plane_basis(v: jax.Array) -> jax.Array:
    """``[3, 2]`` orthonormal basis of the plane orthogonal to ``v`` (any basis if ``v = 0``)."""
    axis = jax.nn.one_hot(jnp.argmin(jnp.abs(v)), 3, dtype=v.dtype)
    e1 = jnp.cross(v, axis)
    e1 = e1 / jnp.maximum(jnp.linalg.norm(e1), jnp.finfo(v.dtype).tiny)
    e2 = jnp.cross(v / jnp.maximum(jnp.linalg.norm(v), jnp.finfo(v.dtype).tiny), e1)
    return jnp.stack([e1, e2], axis=1)


def _depth_3d(F: jax.Array, x: jax.Array) -> jax.Array:
    m = F.shape[0]
    V = F - x[None, :]
    valid = jnp.any(V != 0, axis=1)
    idx = jnp.arange(m)

    def through(k):
        P = V @ _plane_basis(V[k])
        return jnp.where(valid[k], _min_open_count(P, valid & (idx != k)), m)

    counts = jax.vmap(through)(idx)
    return jnp.sum(~valid) + jnp.where(jnp.any(valid), jnp.min(counts), 0)


@partial(jax.jit, static_argnames=("chunk",))
def halfspace_2d(F: jax.Array, Q: jax.Array, *, chunk: int) -> jax.Array:
    """Exact halfspace depths ``[n]`` of the queries ``Q`` ``[n, 2]`` with respect to ``F`` ``[m, 2]``."""
    counts = chunked_map(lambda q, _: jax.vmap(lambda x: _depth_2d(F, x))(q), Q, chunk)
    return counts.astype(F.dtype) / F.shape[0]


@partial(jax.jit, static_argnames=("chunk",))
def halfspace_3d(F: jax.Array, Q: jax.Array, *, chunk: int) -> jax.Array:
    """Exact halfspace depths ``[n]`` of the queries ``Q`` ``[n, 3]`` with respect to ``F`` ``[m, 3]``."""
    counts = chunked_map(lambda q, _: jax.vmap(lambda x: _depth_3d(F, x))(q), Q, chunk)
    return counts.astype(F.dtype) / F.shape[0]

"""Distance-based depths: spatial depth and lens depth, with respect to the empirical ``F``.

*Spatial depth* (Vardi & Zhang 2000; Serfling 2002), with ``u(v) = v / |v|`` and ``u(0) = 0``:

.. math::

    SD(x; F) = 1 - \\Big| \\frac1m \\sum_{k=1}^m u(x - f_k) \\Big|,

in ``[0, 1]``; 1 at a centre of central symmetry; invariant under translations, orthogonal
maps and scalings (not general affine maps).  It is computed by tiles: with weights
``w_k = 1/|x - f_k|`` the sum is ``x sum_k w_k - sum_k w_k f_k``, two matrix products per tile.
Distances come from inner products of data centred at ``F``'s mean; a pair closer than
``4 sqrt(eps)`` of the points' scale counts as coincident (``u = 0``).

*Affine-invariant spatial depth* (Serfling 2002, with the sample covariance ``Sigma`` of ``F``,
divisor ``m - 1``, as the scatter matrix) is the same depth of the whitened data
``Sigma^{-1/2} x`` and ``Sigma^{-1/2} f_k``:

.. math::

    SD_\\Sigma(x; F) = 1 - \\Big| \\frac1m \\sum_{k=1}^m u\\big(\\Sigma^{-1/2}(x - f_k)\\big) \\Big|,

invariant under every invertible affine map.  This is what R's ddalpha (``depth.spatial``) and
Python's data-depth (``DepthEucl.spatial``, default ``mah_estimate="moment"``) compute; it
needs ``m > d`` and a nonsingular covariance.  Any square root of ``Sigma^{-1}`` gives the same
norms; the eigenvectors scaled by the inverse square roots of the eigenvalues are used.

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

from embtheory.core import check_bool, check_memory
from embtheory.core.memory import chunk_size_for, chunked_map
from embtheory.depth._common import (
    HIGHEST,
    block_size,
    budget,
    itemsize,
    plan_tiles,
    prepare_pair,
    run_blocks,
    self_mask,
)

__all__ = ["lens_depth", "spatial_depth"]


def _sq_dists(Q: jax.Array, F: jax.Array, fn: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Squared distances ``[c, m]`` and their rounding scale, from inner products."""
    qn = jnp.sum(Q * Q, axis=1)
    scale = qn[:, None] + fn[None, :]
    d2 = scale - 2.0 * jnp.matmul(Q, F.T, precision=HIGHEST)
    return d2, scale


def _centred(F: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """``F``'s mean ``[1, d]``, ``F`` about it, and the squared norms of those rows: distances are
    taken between centred points, where the inner-product form loses the least to rounding."""
    centre = jnp.mean(F, axis=0, keepdims=True)
    Fc = F - centre
    return centre, Fc, jnp.sum(Fc * Fc, axis=1)


@partial(jax.jit, static_argnames=("chunk", "own"))
def _spatial(F: jax.Array, Q: jax.Array, *, chunk: int, own: bool) -> jax.Array:
    m = F.shape[0]
    centre, Fc, fn = _centred(F)
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

    return chunked_map(block, Q, chunk)


@jax.jit
def whitening(F: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``W`` ``[d, d]`` with ``W^T Sigma W = I`` for the sample covariance of ``F``, and whether
    ``Sigma`` is safely nonsingular (smallest eigenvalue above ``d eps`` times the largest)."""
    m, d = F.shape
    Fc = F - jnp.mean(F, axis=0, keepdims=True)
    S = jnp.matmul(Fc.T, Fc, precision=HIGHEST) / (m - 1)
    w, V = jnp.linalg.eigh(S)
    ok = w[0] > d * jnp.finfo(F.dtype).eps * w[-1]
    return V / jnp.sqrt(jnp.where(w > 0, w, 1.0))[None, :], ok


def spatial_depth(F: Any, G: Any = None, *, affine_invariant: bool = False, chunk_size: int | None = None,
                  memory_budget: float | str | None = None) -> jax.Array:
    """Spatial (L1) depth of ``G``'s points (default: ``F``'s own) with respect to ``F``.

    Args:
        F: reference sample ``[m, d]``, ``m >= 2``, finite.
        G: query points ``[n, d]`` or None.
        affine_invariant: the depth of the data whitened by ``F``'s sample covariance
            (Serfling 2002; R ddalpha's and data-depth's definition); needs ``m > d``.
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
    affine_invariant = check_bool(affine_invariant, "affine_invariant")
    F, G = prepare_pair(F, G, directional=False)
    own = G is None
    Q = F if own else G
    m, d = F.shape
    chunk = chunk_size_for(Q.shape[0], bytes_per_item=4.0 * m * itemsize(F),
                           chunk_size=chunk_size, memory_budget=memory_budget)
    if affine_invariant:
        if m <= d:
            raise ValueError(f"affine_invariant=True needs more points than dimensions, got m={m} in d={d}: "
                             "the covariance of F is singular; reduce the dimension (e.g. PCA) or pass "
                             "affine_invariant=False")
        check_memory(3.0 * d * d * itemsize(F), f"spatial_depth's covariance in dimension d={d}",
                     memory_budget=budget(memory_budget), fix="reduce the dimension (e.g. PCA) first")
        W, ok = whitening(F)
        if not bool(ok):
            raise ValueError("the covariance of F is singular or too ill-conditioned to whiten (collinear or "
                             "duplicated coordinates): reduce the dimension or pass affine_invariant=False")
        F = jnp.matmul(F, W, precision=HIGHEST)
        Q = F if own else jnp.matmul(Q, W, precision=HIGHEST)
    return _spatial(F, Q, chunk=chunk, own=own)


@jax.jit
def _lens_prepare(F: jax.Array) -> tuple[jax.Array, ...]:
    """``(centre, Fc, |Fc|^2, DFF)``: what every tile of queries needs, computed once."""
    centre, Fc, fn = _centred(F)
    DFF = jnp.sqrt(jnp.maximum(_sq_dists(Fc, Fc, fn)[0], 0.0))
    return centre, Fc, fn, jnp.where(jnp.eye(F.shape[0], dtype=bool), 0.0, DFF)


@partial(jax.jit, static_argnames=("chunk", "own"))
def _lens_rows(prep: tuple[jax.Array, ...], rows: jax.Array, *, chunk: int, own: bool) -> jax.Array:
    """Lens depths of ``rows``: query points, or (``own``) indices of ``F``'s own points."""
    centre, Fc, fn, DFF = prep
    m = Fc.shape[0]
    off_diag = ~jnp.eye(m, dtype=bool)
    pairs = m * (m - 1) / 2.0

    def block(r, start):
        # F's own points read their distances from DFF (exactly 0 to themselves)
        a = DFF[r] if own else jnp.sqrt(jnp.maximum(_sq_dists(r - centre, Fc, fn)[0], 0.0))
        far = jnp.maximum(a[:, :, None], a[:, None, :])
        inside = (far <= DFF[None, :, :]) & off_diag[None, :, :]
        return jnp.sum(inside, axis=(1, 2)).astype(Fc.dtype) / 2.0 / pairs

    return chunked_map(block, rows, chunk)


def _lens(F: jax.Array, Q: jax.Array, *, chunk: int, own: bool) -> jax.Array:
    """Lens depths of ``Q`` (``own``: of ``F`` itself) in one traceable call."""
    rows = jnp.arange(F.shape[0]) if own else Q
    return _lens_rows(_lens_prepare(F), rows, chunk=chunk, own=own)


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
    own = G is None
    Q = F if own else G
    chunk = plan_tiles(float(m) ** 2 * (itemsize(F) + 2.0), f"lens_depth's distance matrix of F (m={m})",
                       fix="subsample F (lens depth costs O(n m^2) by nature) or use spatial_depth",
                       rows=Q.shape[0], bytes_per_item=2.0 * m * m, chunk_size=chunk_size,
                       memory_budget=memory_budget)
    # O(n m^2) work goes in host blocks of queries (each depth is a count: blocks change no
    # result), so a Ctrl-C returns between them; about three operations per pair of F
    block = block_size(chunk, 3.0 * m * m, chunk_size is not None)
    prep = _lens_prepare(F)
    rows = jnp.arange(m) if own else Q
    return run_blocks(lambda r: _lens_rows(prep, r, chunk=min(chunk, block), own=own), rows, block,
                      time_limit=None, what="lens depth", fix="")

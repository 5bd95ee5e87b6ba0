"""Mahalanobis depth (Mahalanobis 1936; Liu 1992; Zuo & Serfling 2000).

.. math::

    MD(x; F) = \\frac{1}{1 + (x - \\mu)^\\top \\Sigma^{-1} (x - \\mu)},

with ``mu`` the mean and ``Sigma`` the sample covariance (divisor ``m - 1``) of ``F``.  It is
affine invariant: ``MD(A x + b; A F + b) = MD(x; F)`` for any invertible ``A``.  Embeddings
often have ``m <= d`` or a near-singular covariance; ``shrinkage = lambda`` replaces
``Sigma`` by ``(1 - lambda) Sigma + lambda (tr Sigma / d) I`` (which gives up exact affine
invariance, keeping invariance under orthogonal maps, translations and scalings).
The cost is ``O(m d^2 + d^3 + n d^2)``: one Cholesky factor and triangular solves by tiles.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
from jax.scipy.linalg import cho_factor, cho_solve

from embtheory.core import check_real
from embtheory.core.memory import chunked_map
from embtheory.depth._common import HIGHEST, itemsize, plan_tiles, prepare_pair

__all__ = ["mahalanobis_depth"]


@partial(jax.jit, static_argnames=("chunk",))
def _mahalanobis(F: jax.Array, Q: jax.Array, shrinkage: jax.Array, *, chunk: int):
    m, d = F.shape
    mu = jnp.mean(F, axis=0, keepdims=True)
    Fc = F - mu
    S = jnp.matmul(Fc.T, Fc, precision=HIGHEST) / (m - 1)
    target = jnp.trace(S) / d
    S = (1.0 - shrinkage) * S + shrinkage * target * jnp.eye(d, dtype=F.dtype)
    factor = cho_factor(S, lower=True)

    def block(q, _):
        diff = q - mu
        sol = cho_solve(factor, diff.T)
        return 1.0 / (1.0 + jnp.sum(diff.T * sol, axis=0))

    ok = jnp.all(jnp.isfinite(factor[0]))
    return chunked_map(block, Q, chunk), ok


def mahalanobis_depth(F: Any, G: Any = None, *, shrinkage: float = 0.0,
                      chunk_size: int | None = None, memory_budget: float | str | None = None) -> jax.Array:
    """Mahalanobis depth of ``G``'s points (default: ``F``'s own) with respect to ``F``.

    Args:
        F: reference sample ``[m, d]``; ``m > d`` unless ``shrinkage > 0``.
        G: query points ``[n, d]`` or None.
        shrinkage: ``lambda`` in ``[0, 1]``, weight of the scaled identity in the covariance.
        chunk_size: query rows per tile.
        memory_budget: bytes the call may use (default: the core's budget; tiles use a
            quarter of it); the ``d x d`` covariance must fit.

    Returns:
        ``[n]`` (or ``[m]``) depths in ``(0, 1]``.

    Raises:
        ValueError: ``m <= d`` without shrinkage, a singular covariance, bad ``shrinkage``.

    Example:
        >>> import jax.numpy as jnp
        >>> F = jnp.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
        >>> [round(float(v), 3) for v in mahalanobis_depth(F, jnp.array([[0.0, 0.0], [1.0, 2.0]]))]
        [1.0, 0.25]
    """
    F, G = prepare_pair(F, G, directional=False)
    m, d = F.shape
    shrinkage = check_real(shrinkage, "shrinkage", low=0.0, high=1.0)
    if shrinkage == 0 and m <= d:
        raise ValueError(
            f"F has m={m} points in dimension d={d}: its covariance is singular (needs m > d); "
            "pass shrinkage > 0 (e.g. 0.1) or reduce the dimension"
        )
    Q = F if G is None else G
    chunk = plan_tiles(3.0 * d * d * itemsize(F), f"mahalanobis_depth's covariance in dimension d={d}",
                       fix="reduce the dimension (e.g. PCA) first", rows=Q.shape[0],
                       bytes_per_item=4.0 * d * itemsize(F), chunk_size=chunk_size,
                       memory_budget=memory_budget)
    depths, ok = _mahalanobis(F, Q, jnp.asarray(shrinkage, F.dtype), chunk=chunk)
    if not bool(ok) or not bool(jnp.all(jnp.isfinite(depths))):
        raise ValueError(
            "the covariance of F is singular or too ill-conditioned for a Cholesky factor "
            "(collinear or duplicated coordinates): pass shrinkage > 0 (e.g. 0.1)"
        )
    return depths

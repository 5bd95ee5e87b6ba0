"""The depth rank-sum test of "G is more outlying than F", with an exact permutation p-value.

Depths of ``F``'s and ``G``'s points are both taken with respect to ``F``; the Wilcoxon
rank-sum statistic of the two depth sets (:mod:`embtheory.depth.ranks`) is large when ``F``'s
own points are deeper than ``G``'s.  Its normal p-value is the reference package's test.  It
is only approximately valid, because ``F``'s depths are computed from ``F`` itself (leave one
out) while ``G``'s are not: the two samples of depths are not exchangeable under the null.

The permutation test is exact: under ``H0: F and G have one distribution`` the pooled
embeddings are exchangeable, so each relabelling (a random split of the ``N = m + n`` pooled
points into ``m`` and ``n``) recomputes *every* depth with respect to its new ``F`` and the
rank-sum ``z`` of the split.  With the cosine closed form a split costs two matrix products
of ``O(N d)``, one integer sort to draw the split and one to rank its ``N`` depths: for a
block of ``B`` splits with indicator matrix ``I`` (``B x N``), the sums ``S = (I Z) Z^T``
give every depth at once
(``Z`` = pooled normalised embeddings).  Other distances use the pooled ``N x N`` distance
matrix ``K`` and ``S = I K^T``.  The p-value is ``(1 + #{z_b >= z_obs}) / (1 + B)``
(Phipson & Smyth 2010), with a relative tolerance of ``100 eps`` on the comparison as in
``scipy.stats.permutation_test``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from embtheory.core import check_int, check_key, check_memory, check_real
from embtheory.core.memory import chunk_size_for, chunked_map
from embtheory.depth._common import (
    HIGHEST,
    block_size,
    budget,
    check_time,
    itemsize,
    prepare_pair,
    run_blocks,
    unit_rows,
)
from embtheory.depth.ranks import (
    _check_alternative,
    _q_liu_singh,
    _q_pooled,
    _rank_sum_z,
    pooled_rank_z,
    pvalue_from_z,
)
from embtheory.depth.tte import check_distance, check_distance_range, distance_matrix, paired_depths

__all__ = [
    "RankTestResult",
    "depth_rank_test",
    "permutation_pvalue",
    "random_subset",
    "split_z",
]

#: Bytes kept per relabelling besides its block tile: its key (two uint32) and its z.
_PER_PERMUTATION = 8


class RankTestResult(NamedTuple):
    """Result of :func:`depth_rank_test` (scalars are 0-d arrays).

    Attributes:
        statistic: the rank-sum ``z`` of ``depths_F`` against ``depths_G``.
        pvalue: its normal p-value for ``alternative`` (``scipy.stats.ranksums``).
        q: the reference package's pooled-rank ``q``.
        q_liu_singh: Liu & Singh's ``Q = P(D(X; F) <= D(Y; F))``.
        depths_F: ``[m]`` depths of ``F``'s points with respect to ``F`` (leave one out).
        depths_G: ``[n]`` depths of ``G``'s points with respect to ``F``.
        pvalue_permutation: the permutation p-value, or None when ``n_permutations == 0``.
        n_permutations: the number of random relabellings used.
    """

    statistic: jax.Array
    pvalue: jax.Array
    q: jax.Array
    q_liu_singh: jax.Array
    depths_F: jax.Array
    depths_G: jax.Array
    pvalue_permutation: jax.Array | None
    n_permutations: int


def split_z(sums: Callable[[jax.Array], jax.Array], self_terms: jax.Array, ind: jax.Array,
            m: int, *, c0: float, sign: float) -> jax.Array:
    """Rank-sum ``z`` of a block of relabellings, every depth recomputed from its new ``F``.

    Args:
        sums: ``I -> S`` with ``I`` the ``[B, N]`` 0/1 indicator of the new ``F`` and
            ``S[b, i] = sum_k I[b, k] K(z_i, z_k)`` for the pairwise kernel ``K``.
        self_terms: ``[N]``, ``K(z_i, z_i)`` (removed from the sums of ``F``'s own points).
        ind: ``[B, N]`` indicators (``m`` ones per row) in the dtype of ``self_terms``.
        m: size of ``F``.
        c0, sign: depth = ``c0 + sign * mean K``: ``(1, +1)`` for cosine similarity,
            ``(2, -1)`` for a distance.

    Returns:
        ``[B]`` rank-sum z of each split.
    """
    S = sums(ind)
    in_F = ind > 0
    D = jnp.where(in_F, c0 + sign * (S - self_terms[None, :]) / (m - 1), c0 + sign * S / m)
    return jax.vmap(pooled_rank_z)(D, in_F)


def random_subset(key: jax.Array, N: int, m: int) -> jax.Array:
    """``[N]`` boolean with ``m`` Trues at a uniformly random subset.

    The ``m`` smallest of ``N`` random 32-bit keys (one integer sort and a threshold); a tie
    at the threshold (probability about ``N / 2^32``) is broken by index.
    """
    bits = jax.random.bits(key, (N,), jnp.uint32)
    t = jax.lax.sort(bits, is_stable=False)[m - 1]
    below, tied = bits < t, bits == t
    need = m - jnp.sum(below)
    return below | (tied & (jnp.cumsum(tied) <= need))


def _indicators(keys: jax.Array, N: int, m: int, dtype) -> jax.Array:
    return jax.vmap(lambda k: random_subset(k, N, m))(keys).astype(dtype)


@partial(jax.jit, static_argnames=("m", "chunk"))
def permutation_z_cosine(Z: jax.Array, keys: jax.Array, *, m: int, chunk: int) -> jax.Array:
    """``[B]`` permutation z's for pooled normalised embeddings ``Z`` ``[N, d]`` (F first)."""
    self_terms = jnp.sum(Z * Z, axis=1)

    def sums(ind):
        return jnp.matmul(jnp.matmul(ind, Z, precision=HIGHEST), Z.T, precision=HIGHEST)

    def block(k, _):
        return split_z(sums, self_terms, _indicators(k, Z.shape[0], m, Z.dtype), m, c0=1.0, sign=1.0)

    return chunked_map(block, keys, chunk, pad=True)


@partial(jax.jit, static_argnames=("m", "chunk"))
def permutation_z_matrix(K: jax.Array, keys: jax.Array, *, m: int, chunk: int) -> jax.Array:
    """``[B]`` permutation z's from a pooled ``[N, N]`` distance matrix ``K``."""
    self_terms = jnp.diagonal(K)

    def sums(ind):
        return jnp.matmul(ind, K.T, precision=HIGHEST)

    def block(k, _):
        return split_z(sums, self_terms, _indicators(k, K.shape[0], m, K.dtype), m, c0=2.0, sign=-1.0)

    return chunked_map(block, keys, chunk, pad=True)


def permutation_flops(N: int, d: int, *, distance: Any = "cosine") -> float:
    """Floating-point operations of one relabelling of ``N`` pooled points in dimension ``d``.

    Cosine: two products with the ``[N, d]`` embeddings (``4 N d``); another distance: one
    product with the ``[N, N]`` matrix (``2 N^2``); both: drawing the split and ranking ``N``
    depths (two sorts, about ``40 N log2 N``).
    """
    import math

    products = 4.0 * N * d if distance == "cosine" else 2.0 * N * N
    return products + 40.0 * N * max(math.log2(N), 1.0)


def permutation_pvalue(z_obs: jax.Array, z_perm: jax.Array, alternative: str) -> jax.Array:
    """``(1 + #{z_b at least as extreme as z_obs}) / (1 + B)``, with a ``100 eps`` tolerance."""
    gamma = 100 * jnp.finfo(z_perm.dtype).eps * jnp.abs(z_obs)
    if alternative == "greater":
        hits = z_perm >= z_obs - gamma
    elif alternative == "less":
        hits = z_perm <= z_obs + gamma
    else:
        hits = jnp.abs(z_perm) >= jnp.abs(z_obs) - gamma
    return (1.0 + jnp.sum(hits)) / (1.0 + z_perm.shape[0])


def depth_rank_test(F: Any, G: Any, *, alternative: str = "greater", n_permutations: int = 0,
                    key: jax.Array | None = None, distance: str | Callable = "cosine",
                    chunk_size: int | None = None, permutation_chunk_size: int | None = None,
                    memory_budget: float | str | None = None,
                    time_limit: float | None = 3600.0) -> RankTestResult:
    """Tests whether ``G`` is more outlying than ``F`` by the ranks of their TTE depths.

    Depths of both samples are taken with respect to ``F`` (:func:`tte_depth`); the rank-sum
    ``z`` is ``scipy.stats.ranksums(depths_F, depths_G)``.  ``alternative="greater"``
    (the reference's) rejects when ``F``'s points are deeper, i.e. ``G`` is more outlying.

    Args:
        F: reference embeddings ``[m, d]``, ``m >= 2``.
        G: embeddings to test ``[n, d]``, ``n >= 1``.
        alternative: ``"greater"``, ``"less"`` or ``"two-sided"``.
        n_permutations: random relabellings for the exact permutation p-value (0: none).
            Each recomputes all ``N = m + n`` depths from its own ``F``.
        key: PRNG key (typed or raw), required when ``n_permutations > 0``; same key, same
            p-value, whatever ``permutation_chunk_size``.
        distance: as in :func:`tte_depth`.  Cosine permutations use the closed form;
            others build the ``N x N`` pooled distance matrix (refused above the budget).
        chunk_size: query rows per depth tile (see :func:`tte_depth`).
        permutation_chunk_size: relabellings per block;
            default: what fits a quarter of ``memory_budget``.
        memory_budget: bytes the call may use (default: the core's budget,
            ``EMBTHEORY_MEMORY_BUDGET`` or a share of the machine's memory); more permutations
            than fit are refused with a MemoryError that gives the size.
        time_limit: seconds the permutations may take (None: no limit).  A run whose a-priori
            estimate (:func:`permutation_flops` at a fast machine's rate) exceeds it is refused
            before any work; a run whose measured time per block projects past it stops after
            its second block.  Both errors say how many permutations would fit.

    Returns:
        A :class:`RankTestResult`.

    Raises:
        MemoryError: ``n_permutations`` (or the pooled matrix) needs more than ``memory_budget``.
        TimeoutError: ``n_permutations`` would take longer than ``time_limit``.

    Example:
        >>> import jax
        >>> kF, kG, kP = jax.random.split(jax.random.key(0), 3)
        >>> F = jax.random.normal(kF, (200, 16)) + 2.0
        >>> G = jax.random.normal(kG, (150, 16)) + 2.0
        >>> res = depth_rank_test(F, G, n_permutations=200, key=kP)
        >>> bool(res.pvalue > 0.01), bool(res.pvalue_permutation > 0.01)
        (True, True)
    """
    F, G = prepare_pair(F, G, directional=not callable(distance))
    if G is None:
        raise TypeError("G must be an array of shape (n, dim), got None")
    distance = check_distance(distance, F.shape[1], F.dtype)
    _check_alternative(alternative)
    n_permutations = check_int(n_permutations, "n_permutations", minimum=0)
    if key is not None:  # checked even when unused: a bad key is a caller's mistake either way
        key = check_key(key, "key")
    elif n_permutations:
        raise TypeError("key must be a PRNG key (jax.random.key(seed)) when n_permutations > 0, "
                        "got None: pass key=jax.random.key(0), or set n_permutations=0")
    if chunk_size is not None:
        check_int(chunk_size, "chunk_size", minimum=1)
    if permutation_chunk_size is not None:
        check_int(permutation_chunk_size, "permutation_chunk_size", minimum=1)
    if time_limit is not None:
        time_limit = check_real(time_limit, "time_limit", low=0, low_open=True)
    limit = budget(memory_budget)
    m, N = F.shape[0], F.shape[0] + G.shape[0]
    if n_permutations:
        what = f"depth_rank_test(n_permutations={n_permutations}) on N={N} pooled points"
        fix = "lower n_permutations (a few thousand resolve p-values to 1e-3)"
        per_split = 10.0 * N * itemsize(F)
        chunk = chunk_size_for(n_permutations, bytes_per_item=per_split, chunk_size=permutation_chunk_size,
                               name="permutation_chunk_size", memory_budget=memory_budget)
        matrix = 0.0 if distance == "cosine" else float(N) ** 2 * itemsize(F)
        check_memory(n_permutations * (_PER_PERMUTATION + itemsize(F)) + chunk * per_split + matrix, what,
                     memory_budget=limit,
                     fix=fix + ("" if distance == "cosine" else
                                ", use distance='cosine' (closed form, no N x N matrix), or fewer points"))
        flops = permutation_flops(N, F.shape[1], distance=distance)
        check_time(n_permutations, flops, time_limit, what, fix)
        chunk = block_size(chunk, flops, permutation_chunk_size is not None)
    dF, dG = paired_depths(F, G, distance=distance, chunk_size=chunk_size, memory_budget=memory_budget)
    z = _rank_sum_z(dF, dG)
    p_perm = None
    if n_permutations:
        keys = jax.random.split(key, n_permutations)
        pooled = jnp.concatenate([F, G])
        if distance == "cosine":
            Z = unit_rows(pooled)
            z_perm = run_blocks(lambda k: permutation_z_cosine(Z, k, m=m, chunk=chunk), keys, chunk,
                                time_limit=time_limit, what=what, fix=fix)
        else:
            per_row = 3.0 * N * itemsize(F) * (F.shape[1] if callable(distance) else 1)
            row_chunk = chunk_size_for(N, bytes_per_item=per_row,
                                       chunk_size=chunk_size, memory_budget=memory_budget)
            K = distance_matrix(pooled, pooled, distance=distance, chunk=row_chunk)
            if callable(distance):
                check_distance_range(jnp.min(K), jnp.max(K), K.dtype)
            z_perm = run_blocks(lambda k: permutation_z_matrix(K, k, m=m, chunk=chunk), keys, chunk,
                                time_limit=time_limit, what=what, fix=fix)
        p_perm = permutation_pvalue(z, z_perm, alternative)
    return RankTestResult(
        statistic=z,
        pvalue=pvalue_from_z(z, alternative),
        q=_q_pooled(dF, dG),
        q_liu_singh=_q_liu_singh(dF, dG),
        depths_F=dF,
        depths_G=dG,
        pvalue_permutation=p_perm,
        n_permutations=n_permutations,
    )

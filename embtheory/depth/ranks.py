"""Rank statistics of two depth samples: the Wilcoxon rank-sum z, its p-value, and two Q's.

With ``dF`` (``m`` depths of ``F``'s points) and ``dG`` (``n`` depths of ``G``'s points, both
with respect to ``F``), pooled ranks ``r`` (ties share their average rank) and
``N = m + n``:

.. math::

    z = \\frac{\\sum_{i \\in F} r_i - m (N + 1) / 2}{\\sqrt{m n (N + 1) / 12}},

exactly ``scipy.stats.ranksums(dF, dG)`` (normal approximation, no tie correction).  The sum
is accumulated as centred ranks ``r_i - (N + 1)/2``, so float32 keeps its precision for
``N`` in the millions.  One sort of the pooled depths gives every rank.

Liu & Singh's (1993) quality index is ``Q = P(D(X; F) <= D(Y; F))`` for ``X ~ F``,
``Y ~ G``; the reference package's ``q`` is instead the mean over ``G``'s points of the
fraction of *pooled* depths strictly below them, ``q = (m Q + (n - 1)/2) / (m + n)`` when
there are no ties.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.scipy.special import ndtr

from embtheory.core import check_choice, check_finite

__all__ = [
    "ALTERNATIVES",
    "pooled_rank_z",
    "pvalue_from_z",
    "q_liu_singh",
    "q_pooled",
    "rank_sum_z",
    "sortable_keys",
]

ALTERNATIVES = ("greater", "less", "two-sided")


def _check_alternative(alternative: str) -> str:
    return check_choice(alternative, "alternative", ALTERNATIVES)


def _depth_sample(x: Any, name: str) -> jax.Array:
    """A non-empty 1-D array of finite real depths (values checked when concrete)."""
    if x is None:
        raise TypeError(f"{name} must be a 1-D array of depths, got None")
    arr = x if isinstance(x, jax.Array) else np.asarray(x)
    if arr.dtype == object or not (jnp.issubdtype(arr.dtype, jnp.floating)
                                   or jnp.issubdtype(arr.dtype, jnp.integer)):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one depth per point), got shape {tuple(arr.shape)}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: the rank-sum test needs at least one depth on each side")
    check_finite(arr, name)  # values when concrete; a tracer's shape alone was checked above
    out = jnp.asarray(arr)
    return out if jnp.issubdtype(out.dtype, jnp.floating) else out.astype(jnp.result_type(float))


def _two_samples(dF: Any, dG: Any) -> tuple[jax.Array, jax.Array]:
    dF, dG = _depth_sample(dF, "dF"), _depth_sample(dG, "dG")
    dtype = jnp.result_type(dF.dtype, dG.dtype)
    return dF.astype(dtype), dG.astype(dtype)


def sortable_keys(x: jax.Array) -> jax.Array:
    """Integers ordered as the floats ``x`` (equal floats, ``-0.0`` and ``+0.0`` included, give
    equal integers): the float bits, with the negative half of the range reversed.

    Sorting one integer array is several times faster than sorting floats (or a key with a
    payload) on CPUs, and ties stay exact.
    """
    itype = {2: jnp.int16, 4: jnp.int32, 8: jnp.int64}[jnp.dtype(x.dtype).itemsize]
    x = jnp.where(x == 0, jnp.zeros((), x.dtype), x)
    b = lax.bitcast_convert_type(x, itype)
    return jnp.where(b < 0, b ^ jnp.array(jnp.iinfo(itype).max, itype), b)


def pooled_rank_z(depths: jax.Array, in_F: jax.Array) -> jax.Array:
    """Rank-sum z of the points flagged ``in_F`` against the others, from one pooled sort.

    The pooled depths are sorted once (as integers, :func:`sortable_keys`); a binary search
    gives each point's first position ``l`` among equal values and the end of its tie group
    ``r``, so its average (1-based) rank is ``(l + 1 + r) / 2``.

    Args:
        depths: ``[N]`` pooled depths.
        in_F: ``[N]`` boolean, True for the ``m`` points of the first sample (``0 < m < N``).

    Returns:
        Scalar ``z`` (see the module docstring).
    """
    N = depths.shape[0]
    keys = sortable_keys(depths)
    srt = lax.sort(keys, is_stable=False)
    idx = jnp.arange(N, dtype=jnp.int32)
    ends = jnp.concatenate([srt[1:] != srt[:-1], jnp.ones((1,), bool)])
    group_end = lax.cummin(jnp.where(ends, idx, N - 1), reverse=True) + 1
    left = jnp.searchsorted(srt, keys, side="left", method="scan").astype(jnp.int32)
    right = group_end[left]
    dt = depths.dtype
    centred = (left + right - N).astype(dt) / 2  # average rank - (N + 1)/2, exact in int32
    m = jnp.sum(in_F).astype(dt)
    n = N - m
    s = jnp.sum(jnp.where(in_F, centred, 0.0))
    return s / jnp.sqrt(m * n * (N + 1) / 12.0)


@jax.jit
def _rank_sum_z(dF: jax.Array, dG: jax.Array) -> jax.Array:
    """:func:`rank_sum_z` without input checks (:func:`embtheory.depth.kernels.rank_sum_z_kernel`)."""
    pooled = jnp.concatenate([dF, dG])
    flag = jnp.concatenate([jnp.ones(dF.shape, bool), jnp.zeros(dG.shape, bool)])
    return pooled_rank_z(pooled, flag)


def rank_sum_z(dF: Any, dG: Any) -> jax.Array:
    """``scipy.stats.ranksums(dF, dG).statistic``: ``[m]``, ``[n]`` -> scalar ``z``.

    Raises:
        ValueError: a side is empty (``z`` is undefined), not 1-D, or holds NaN/inf.
        TypeError: not an array of real numbers.
    """
    return _rank_sum_z(*_two_samples(dF, dG))


def pvalue_from_z(z: Any, alternative: str = "greater") -> jax.Array:
    """Normal p-value of ``z``: ``"greater"`` is ``P(Z >= z)`` (F deeper: G more outlying)."""
    _check_alternative(alternative)
    check_finite(z, "z")
    z = jnp.asarray(z)
    if not jnp.issubdtype(z.dtype, jnp.floating):
        z = z.astype(jnp.result_type(float))
    return _pvalue(z, alternative)


def _pvalue(z: jax.Array, alternative: str) -> jax.Array:
    """:func:`pvalue_from_z` without its checks: a floating ``z`` and a known ``alternative``."""
    if alternative == "greater":
        return ndtr(-z)
    if alternative == "less":
        return ndtr(z)
    return jnp.minimum(1.0, 2.0 * ndtr(-jnp.abs(z)))


@jax.jit
def _q_liu_singh(dF: jax.Array, dG: jax.Array) -> jax.Array:
    below = jnp.searchsorted(jnp.sort(dF), dG, side="right")
    return jnp.mean(below.astype(dF.dtype)) / dF.shape[0]


def q_liu_singh(dF: Any, dG: Any) -> jax.Array:
    """Liu & Singh's ``Q = (1/(m n)) #{(i, j): dF_i <= dG_j}``, in ``[0, 1]``; 1/2 when F = G."""
    return _q_liu_singh(*_two_samples(dF, dG))


@jax.jit
def _q_pooled(dF: jax.Array, dG: jax.Array) -> jax.Array:
    pooled = jnp.sort(jnp.concatenate([dF, dG]))
    below = jnp.searchsorted(pooled, dG, side="left")
    return jnp.mean(below.astype(dF.dtype)) / pooled.shape[0]


def q_pooled(dF: Any, dG: Any) -> jax.Array:
    """The reference package's ``q``: mean over ``dG`` of ``#{pooled < dG_j} / (m + n)``."""
    return _q_pooled(*_two_samples(dF, dG))

"""Calibration and power of the depth rank-sum test by simulation.

A *sampler* is a pure function ``key -> (F [m, d], G [n, d])``.  Two families are built by
factories whose structure (component means, shift directions) is fixed by their own key:

* :func:`gaussian_mixture_sampler`: ``F`` is a mixture of ``K`` isotropic Gaussians
  ``N(c_k, I)`` with ``c_k = offset e_1 + separation r_k`` (a common offset, as real
  embeddings share a dominant direction; ``r_k`` random unit vectors); ``G`` is the same
  mixture with every mean moved by ``shift`` along one random unit direction ``v``.
* :func:`spherical_mixture_sampler`: von Mises-Fisher-like directions
  ``x = (mu_k + noise z / sqrt(d)) / |.|`` around mean directions ``mu_k`` near a common pole;
  ``G`` rotates each ``mu_k`` by ``angle`` radians towards a random orthogonal direction.

``shift = 0`` / ``angle = 0`` is the null.  :func:`rejection_rates` runs ``n_trials``
independent trials (vmapped, in blocks), each one the cosine rank-sum test and optionally
the permutation test, and returns the fraction of p-values ``<= alpha``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from embtheory.core import check_int, check_key, check_memory, check_positive, check_probability, check_real
from embtheory.core.memory import chunk_size_for, chunked_map
from embtheory.core.validation import INT32_MAX
from embtheory.depth._common import block_size, budget, check_time, run_blocks, unit_rows
from embtheory.depth.ranks import _check_alternative, _pvalue, _rank_sum_z
from embtheory.depth.ranktest import permutation_flops, permutation_pvalue, permutation_z_cosine
from embtheory.depth.tte import _cosine_both

__all__ = [
    "MixtureSampler",
    "RejectionRates",
    "gaussian_mixture_sampler",
    "rejection_rates",
    "spherical_mixture_sampler",
]

Sampler = Callable[[jax.Array], tuple[jax.Array, jax.Array]]


@partial(jax.tree_util.register_dataclass, data_fields=["means_F", "means_G", "scale"],
         meta_fields=["m", "n", "spherical"])
@dataclasses.dataclass(frozen=True)
class MixtureSampler:
    """``key -> (F, G)``: ``x = means[label] + scale z`` (normalised when ``spherical``).

    A pytree whose arrays are data and whose sizes are static, so that changing the shift
    or angle does not recompile a jitted simulation.

    Attributes:
        means_F, means_G: ``[K, d]`` component means of ``F`` and ``G``.
        scale: scalar noise standard deviation per coordinate.
        m, n: sample sizes.
        spherical: project the samples onto the unit sphere.
    """

    means_F: jax.Array
    means_G: jax.Array
    scale: jax.Array
    m: int
    n: int
    spherical: bool

    def _draw(self, key, size, means):
        k_lab, k_noise = jax.random.split(key)
        lab = jax.random.randint(k_lab, (size,), 0, means.shape[0])
        noise = jax.random.normal(k_noise, (size, means.shape[1]), jnp.float32).astype(means.dtype)
        x = means[lab] + self.scale * noise
        return unit_rows(x) if self.spherical else x

    def __call__(self, key: jax.Array) -> tuple[jax.Array, jax.Array]:
        kF, kG = jax.random.split(key)
        return self._draw(kF, self.m, self.means_F), self._draw(kG, self.n, self.means_G)


def _orthogonal_unit(key: jax.Array, base: jax.Array) -> jax.Array:
    """Random unit vectors orthogonal to the rows of ``base`` ``[K, d]``."""
    r = jax.random.normal(key, base.shape, jnp.float32).astype(base.dtype)
    r = r - jnp.sum(r * base, axis=1, keepdims=True) * base
    return unit_rows(r)


def _sizes(m, n, d, n_components):
    out = (check_int(m, "m", minimum=2), check_int(n, "n", minimum=2), check_int(d, "d", minimum=2),
           check_int(n_components, "n_components", minimum=1, maximum=INT32_MAX))
    check_memory((out[0] + out[1] + out[3]) * out[2] * 8.0, f"a sampler of m={out[0]} and n={out[1]} points "
                 f"in dimension d={out[2]}", memory_budget=budget(None), fix="lower m, n or d")
    return out


def gaussian_mixture_sampler(*, key: jax.Array, m: int, n: int, d: int, shift: float,
                             n_components: int = 3, offset: float = 3.0,
                             separation: float = 2.0) -> MixtureSampler:
    """A sampler of ``F`` and a shifted ``G`` from a Gaussian mixture (see the module doc).

    Args:
        key: fixes the mixture's structure (component directions, shift direction).
        m, n, d: sample sizes and dimension.
        shift: distance every component mean of ``G`` moves (noise s.d. is 1).
        n_components: ``K``.
        offset: norm of the common mean along ``e_1``.
        separation: distance of each component mean from the common mean.

    Returns:
        A :class:`MixtureSampler`: ``sampler(key) -> (F [m, d], G [n, d])``, pure, jittable.
    """
    m, n, d, K = _sizes(m, n, d, n_components)
    shift = check_positive(shift, "shift", allow_zero=True)
    offset = check_real(offset, "offset")
    separation = check_positive(separation, "separation", allow_zero=True)
    k_dirs, k_shift = jax.random.split(check_key(key, "key"))
    dtype = jnp.result_type(float)
    centre = jnp.zeros((1, d), dtype).at[0, 0].set(offset)
    # drawn in float32 and cast: one key, one mixture, with x64 on or off
    means = centre + separation * unit_rows(jax.random.normal(k_dirs, (K, d), jnp.float32).astype(dtype))
    v = unit_rows(jax.random.normal(k_shift, (1, d), jnp.float32).astype(dtype))
    return MixtureSampler(means, means + shift * v, jnp.asarray(1.0), m, n, False)


def spherical_mixture_sampler(*, key: jax.Array, m: int, n: int, d: int, angle: float,
                              n_components: int = 3, noise: float = 1.0,
                              spread: float = 0.6) -> MixtureSampler:
    """A sampler of unit-norm ``F`` and a rotated ``G`` from a vMF-like mixture.

    Args:
        key: fixes the mean directions and the rotation directions.
        m, n, d: sample sizes and dimension.
        angle: rotation of every mean direction of ``G``, in radians.
        n_components: ``K``.
        noise: norm of the Gaussian perturbation relative to the unit mean direction
            (``E cos(x, mu_k) ~ 1 / sqrt(1 + noise^2)``).
        spread: angle (radians) of the mean directions from the common pole ``e_1``.

    Returns:
        A :class:`MixtureSampler` whose samples have unit norm.
    """
    m, n, d, K = _sizes(m, n, d, n_components)
    angle = check_positive(angle, "angle", allow_zero=True)
    noise = check_positive(noise, "noise")
    spread = check_real(spread, "spread")
    k_dirs, k_rot = jax.random.split(check_key(key, "key"))
    pole = jnp.zeros((K, d), jnp.result_type(float)).at[:, 0].set(1.0)
    mu = jnp.cos(spread) * pole + jnp.sin(spread) * _orthogonal_unit(k_dirs, pole)
    mu_G = jnp.cos(angle) * mu + jnp.sin(angle) * _orthogonal_unit(k_rot, mu)
    return MixtureSampler(mu, mu_G, jnp.asarray(noise / d**0.5), m, n, True)


class RejectionRates(NamedTuple):
    """Result of :func:`rejection_rates`.

    Attributes:
        asymptotic: fraction of trials whose normal p-value is ``<= alpha``.
        permutation: the same for the permutation p-value (NaN without permutations).
        pvalues: ``[T]`` normal p-values.
        pvalues_permutation: ``[T]`` permutation p-values (NaN without permutations).
        n_trials: ``T``.
    """

    asymptotic: float
    permutation: float
    pvalues: jax.Array
    pvalues_permutation: jax.Array
    n_trials: int


def _cosine_trial(F: jax.Array, G: jax.Array, key: jax.Array, *, alternative: str, n_permutations: int,
                  permutation_chunk: int) -> tuple[jax.Array, jax.Array]:
    """One cosine depth rank-sum test (:func:`embtheory.depth.kernels.cosine_trial`)."""
    m = F.shape[0]
    dF, dG = _cosine_both(F, G)  # the closed form of embtheory.depth.tte, not a copy
    z = _rank_sum_z(dF, dG)
    p = _pvalue(z, alternative)
    if not n_permutations:
        return p, jnp.full_like(p, jnp.nan)
    keys = jax.random.split(key, n_permutations)
    pooled = unit_rows(jnp.concatenate([F, G]))
    z_perm = permutation_z_cosine(pooled, keys, m=m, chunk=permutation_chunk)
    return p, permutation_pvalue(z, z_perm, alternative)


@partial(jax.jit, static_argnames=("alternative", "n_permutations", "permutation_chunk", "trial_chunk"))
def _trials(keys, sampler, *, alternative, n_permutations, permutation_chunk, trial_chunk):
    def one(k):
        k_data, k_perm = jax.random.split(k)
        F, G = sampler(k_data)
        return _cosine_trial(F, G, k_perm, alternative=alternative, n_permutations=n_permutations,
                            permutation_chunk=permutation_chunk)

    return chunked_map(lambda kb, _: jax.vmap(one)(kb), keys, trial_chunk, pad=True)


def rejection_rates(sampler: Sampler, *, key: jax.Array, n_trials: int, alpha: float = 0.05,
                    alternative: str = "greater", n_permutations: int = 0,
                    chunk_size: int | None = None,
                    memory_budget: float | str | None = None,
                    time_limit: float | None = 3600.0) -> RejectionRates:
    """Rejection rates of the cosine depth rank-sum test over ``n_trials`` simulated pairs.

    Args:
        sampler: ``key -> (F, G)`` (e.g. from :func:`gaussian_mixture_sampler`); pure, with
            ``F`` ``[m, d]`` (``m >= 2``) and ``G`` ``[n, d]`` floating.
        key: PRNG key (typed or raw); trial ``t`` uses the ``t``-th split, so results do not
            depend on ``chunk_size``.
        n_trials: ``T``.
        alpha: the level, in ``(0, 1)``.
        alternative: as in :func:`embtheory.depth.depth_rank_test`.
        n_permutations: relabellings per trial for the permutation p-value (0: none).
        chunk_size: trials vmapped together; default: what fits a
            quarter of ``memory_budget``.
        memory_budget: bytes the call may use (default: the core's budget; tiles use a
            quarter of it); more trials or permutations than fit are refused with a
            MemoryError that gives the size.
        time_limit: seconds the trials may take (None: no limit).  A run whose a-priori
            estimate (:func:`embtheory.depth.ranktest.permutation_flops` per test and
            relabelling, at a fast machine's rate) exceeds it is refused before any work; a run
            whose measured time per block projects past it stops after its second block.  Both
            errors say how many trials would fit.  Trials run in host blocks of a few tenths of
            a second, so a Ctrl-C returns between blocks.

    Returns:
        A :class:`RejectionRates`.

    Raises:
        MemoryError: the trials need more than ``memory_budget``.
        TimeoutError: the trials would take longer than ``time_limit``.
    """
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    alpha = check_probability(alpha, "alpha")
    _check_alternative(alternative)
    n_permutations = check_int(n_permutations, "n_permutations", minimum=0)
    key = check_key(key, "key")
    if chunk_size is not None:
        check_int(chunk_size, "chunk_size", minimum=1)
    if time_limit is not None:
        time_limit = check_real(time_limit, "time_limit", low=0, low_open=True)
    if not callable(sampler):
        raise TypeError(f"sampler must be a function key -> (F, G), got {type(sampler).__name__}")
    F, G = _sample_shapes(sampler, key)
    N, d = F.shape[0] + G.shape[0], F.shape[1]
    itemsize = jnp.dtype(F.dtype).itemsize
    limit = budget(memory_budget)
    per_perm = 10.0 * N * itemsize
    perm_chunk = chunk_size_for(max(n_permutations, 1), bytes_per_item=per_perm, memory_budget=memory_budget)
    per_trial = 4.0 * N * d * itemsize + per_perm * min(perm_chunk, max(n_permutations, 1)) \
        + 8.0 * n_permutations
    chunk = chunk_size_for(n_trials, bytes_per_item=per_trial,
                           chunk_size=chunk_size, memory_budget=memory_budget)
    what = (f"rejection_rates(n_trials={n_trials}, n_permutations={n_permutations}) with N={N} points "
            "per trial")
    check_memory(n_trials * (8.0 + 2 * itemsize) + chunk * per_trial, what, memory_budget=limit,
                 fix="lower n_trials or n_permutations, or pass a larger memory_budget")
    flops = permutation_flops(N, d) * (n_permutations + 1)  # the observed test and each relabelling
    fix = "lower n_trials or n_permutations"
    check_time(n_trials, flops, time_limit, what, fix)
    block = block_size(chunk, flops, chunk_size is not None)
    keys = jax.random.split(key, n_trials)
    if not isinstance(sampler, MixtureSampler):  # a plain function: a pytree without leaves
        sampler = jax.tree_util.Partial(sampler)
    p, p_perm = run_blocks(
        lambda kb: _trials(kb, sampler, alternative=alternative, n_permutations=n_permutations,
                           permutation_chunk=perm_chunk, trial_chunk=min(chunk, block)),
        keys, block, time_limit=time_limit, what=what, fix=fix)
    rate = float(jnp.mean(p <= alpha))
    rate_perm = float(jnp.mean(p_perm <= alpha)) if n_permutations else float("nan")
    return RejectionRates(rate, rate_perm, p, p_perm, n_trials)


def _sample_shapes(sampler: Sampler, key: jax.Array):
    """The shapes of one draw, checked before anything runs."""
    try:
        out = jax.eval_shape(sampler, key)
    except Exception as e:  # the user's sampler failed on a key
        raise TypeError(f"sampler must be a pure JAX function key -> (F, G); calling it on a key failed "
                        f"with {type(e).__name__}: {e}") from None
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"sampler(key) must return a pair (F, G), got {type(out).__name__}")
    F, G = out
    for name, a in (("F", F), ("G", G)):
        if len(getattr(a, "shape", ())) != 2 or not jnp.issubdtype(a.dtype, jnp.floating):
            raise TypeError(f"sampler(key) must return floating 2-D arrays (F [m, d], G [n, d]); its {name} "
                            f"has shape {getattr(a, 'shape', None)} and dtype {getattr(a, 'dtype', None)}")
    if F.shape[0] < 2 or G.shape[0] < 1 or F.shape[1] != G.shape[1]:
        raise ValueError(f"sampler(key) must return F [m >= 2, d] and G [n >= 1, d] of one dimension, got "
                         f"{F.shape} and {G.shape}")
    return F, G

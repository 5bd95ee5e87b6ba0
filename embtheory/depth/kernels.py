"""The pure kernels under the public depth functions: no checks, jittable, vmappable.

Each public function of :mod:`embtheory.depth` checks its arguments on the host and calls one
of these.  Call them directly to jit or vmap a depth yourself, e.g. the depths of ``B`` query
sets with respect to ``B`` reference sets at once::

    depths = jax.vmap(kernels.cosine_depths)(Fs, Gs)        # [B, m, d], [B, n, d] -> [B, n]

They assume what the wrappers check: 2-D floating arrays of one dtype and dimension, finite,
``m >= 2`` reference rows, nonzero rows for the directional (cosine, chord) depths.  ``G=None``
gives the depths of ``F``'s own points (leave-one-out for TTE).  ``chunk_size`` (rows or
directions per block) is static and never changes a result.
"""

from __future__ import annotations

import jax

from embtheory.depth.exact import halfspace_2d, halfspace_3d
from embtheory.depth.projection import _halfspace, _projection
from embtheory.depth.ranks import _rank_sum_z
from embtheory.depth.simulate import _cosine_trial
from embtheory.depth.spatial import _lens, _spatial
from embtheory.depth.tte import _chord_depths, _cosine_depths

__all__ = [
    "chord_depths",
    "cosine_depths",
    "cosine_trial",
    "exact_halfspace_depths",
    "halfspace_depths",
    "lens_depths",
    "projection_depths",
    "rank_sum_z_kernel",
    "spatial_depths",
]


def _q(F: jax.Array, G: jax.Array | None) -> tuple[jax.Array, bool]:
    return (F, True) if G is None else (G, False)


def cosine_depths(F: jax.Array, G: jax.Array | None = None) -> jax.Array:
    """The cosine TTE-depth closed form: ``[n]`` (or ``[m]``).

    ``1 + g^.mu`` for the rows of ``G``, or the leave-one-out ``1 + (m f^_i.mu - 1)/(m - 1)``
    for ``F``'s own points (``G=None``), with ``mu`` the mean of ``F``'s normalised rows: the
    closed form that :func:`embtheory.depth.tte_depth` computes after its checks.
    """
    return _cosine_depths(F, F if G is None else G, own=G is None)


def chord_depths(F: jax.Array, G: jax.Array | None = None, *, chunk_size: int = 1024) -> jax.Array:
    """TTE depths with the chord distance ``|x^ - h^|``: ``[n]`` (or ``[m]``)."""
    Q, own = _q(F, G)
    return _chord_depths(F, Q, chunk=min(chunk_size, Q.shape[0]), own=own)


def spatial_depths(F: jax.Array, G: jax.Array | None = None, *, chunk_size: int = 1024) -> jax.Array:
    """Spatial depths (see :func:`embtheory.depth.spatial_depth`)."""
    Q, own = _q(F, G)
    return _spatial(F, Q, chunk=min(chunk_size, Q.shape[0]), own=own)


def lens_depths(F: jax.Array, G: jax.Array | None = None, *, chunk_size: int = 64) -> jax.Array:
    """Lens depths (see :func:`embtheory.depth.lens_depth`)."""
    Q, own = _q(F, G)
    return _lens(F, Q, chunk=min(chunk_size, Q.shape[0]), own=own)


def projection_depths(F: jax.Array, G: jax.Array | None, U: jax.Array, *, chunk_size: int = 256) -> jax.Array:
    """Projection depths over the unit directions ``U`` ``[K, d]``."""
    Q, own = _q(F, G)
    return _projection(F, Q, U, chunk=min(chunk_size, U.shape[0]), own=own)


def halfspace_depths(F: jax.Array, G: jax.Array | None, U: jax.Array, *, chunk_size: int = 256) -> jax.Array:
    """Halfspace depths over the unit directions ``U`` ``[K, d]``."""
    Q, own = _q(F, G)
    return _halfspace(F, Q, U, chunk=min(chunk_size, U.shape[0]), own=own)


def exact_halfspace_depths(F: jax.Array, G: jax.Array | None = None, *, chunk_size: int = 256) -> jax.Array:
    """Exact halfspace depths in dimension 2 or 3 (see :func:`embtheory.depth.halfspace_depth` with
    ``exact=True``); ``chunk_size`` queries per block."""
    Q, _ = _q(F, G)
    kernel = {2: halfspace_2d, 3: halfspace_3d}.get(F.shape[1])
    if kernel is None:
        raise ValueError(f"exact_halfspace_depths needs d = 2 or 3, got d={F.shape[1]}")
    return kernel(F, Q, chunk=min(chunk_size, Q.shape[0]))


def rank_sum_z_kernel(dF: jax.Array, dG: jax.Array) -> jax.Array:
    """The rank-sum ``z`` of depths ``[m]`` against ``[n]`` (see :func:`embtheory.depth.rank_sum_z`)."""
    return _rank_sum_z(dF, dG)


def cosine_trial(F: jax.Array, G: jax.Array, key: jax.Array, *, alternative: str, n_permutations: int,
                 permutation_chunk: int) -> tuple[jax.Array, jax.Array]:
    """One cosine-depth rank-sum test of ``G`` against ``F``: ``(p, p_perm)``, the normal p-value
    and, with ``n_permutations > 0``, the permutation p-value (NaN otherwise) drawn from ``key``;
    ``alternative`` one of ``"greater"``, ``"less"``, ``"two-sided"`` (see
    :func:`embtheory.depth.rejection_rates`)."""
    return _cosine_trial(F, G, key, alternative=alternative, n_permutations=n_permutations,
                         permutation_chunk=permutation_chunk)

"""Statistical depth of embeddings: TTE depth, the depth rank-sum test, classical depths, tools.

Public API:

* :func:`tte_depth` -- TTE depth (cosine closed form, chord, or a user distance).
* :func:`depth_rank_test` -- the depth rank-sum test with an exact permutation p-value.
* :func:`spatial_depth`, :func:`mahalanobis_depth`, :func:`projection_depth`,
  :func:`halfspace_depth`, :func:`lens_depth` -- classical depths, batched and tiled.
* :func:`dd_plot`, :func:`plot_dd`, :func:`most_central`, :func:`most_outlying`,
  :func:`select_examples` -- tools.
* :func:`rejection_rates` and the samplers -- calibration and power by simulation.
* :mod:`embtheory.depth.kernels` -- the pure kernels under these functions, without checks,
  to jit and vmap (e.g. depths with respect to many reference sets at once).
"""

from embtheory.depth import kernels  # noqa: F401  (a submodule: embtheory.depth.kernels)
from embtheory.depth.mahalanobis import mahalanobis_depth
from embtheory.depth.projection import halfspace_depth, projection_depth, random_directions
from embtheory.depth.ranks import pvalue_from_z, q_liu_singh, q_pooled, rank_sum_z
from embtheory.depth.ranktest import RankTestResult, depth_rank_test
from embtheory.depth.simulate import (
    MixtureSampler,
    RejectionRates,
    gaussian_mixture_sampler,
    rejection_rates,
    spherical_mixture_sampler,
)
from embtheory.depth.spatial import lens_depth, spatial_depth
from embtheory.depth.tools import (
    DDPlot,
    Selection,
    dd_plot,
    most_central,
    most_outlying,
    plot_dd,
    select_examples,
)
from embtheory.depth.tte import tte_depth

__all__ = [
    "DDPlot",
    "MixtureSampler",
    "RankTestResult",
    "RejectionRates",
    "Selection",
    "dd_plot",
    "depth_rank_test",
    "gaussian_mixture_sampler",
    "halfspace_depth",
    "lens_depth",
    "mahalanobis_depth",
    "most_central",
    "most_outlying",
    "plot_dd",
    "projection_depth",
    "pvalue_from_z",
    "q_liu_singh",
    "q_pooled",
    "random_directions",
    "rank_sum_z",
    "rejection_rates",
    "select_examples",
    "spatial_depth",
    "spherical_mixture_sampler",
    "tte_depth",
]

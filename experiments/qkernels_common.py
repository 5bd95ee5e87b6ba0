"""Shared pieces of the quantum-kernel experiments (no experiments of its own).

- :func:`seed_key`: a typed key from a unit's stored seed and purpose names;
- :func:`depth_unit`: kernel statistics at several depths of one (data, n) set-up, the unit of
  Figs. 6a, 6b, 7 (HEE panel) and the bandwidth extension;
- :data:`POSTED_FIG6A`, :data:`PAPER_FIG6B_VAR_D`: the authors' stored values.
"""

from __future__ import annotations

import zlib

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core import root_key
from embtheory.qkernels import mnist_pca, pair_statistics, uniform_angles
from embtheory.qkernels.profiles import kernels_by_depth

#: The authors' posted fig6a script (N_s = 60, MNIST): stored mean and variance at L = 2, n = 2, 4, ..., 12.
POSTED_FIG6A_MEAN_L2 = {2: 0.387, 4: 0.100, 6: 0.039, 8: 0.0215, 10: 0.0145, 12: 0.0095}
POSTED_FIG6A_VAR_L2 = {2: 0.0767, 4: 0.0258, 6: 0.0096, 8: 0.0064, 10: 0.0045, 12: 0.0030}
#: Fig. 6a as published (N_s = 40, a sample that was never published): L = 2 means.
PAPER_FIG6A_MEAN_L2 = {2: 0.39, 4: 0.094, 6: 0.032, 8: 0.013, 10: 0.0072, 12: 0.0048, 14: 0.0035}
#: Fig. 6b as stored: Var over pairs of D = sum_k ||rho_k - rho'_k||_F^2 at L = 2 (plotted as "Var[k^PQ]").
PAPER_FIG6B_VAR_D_L2 = {2: 0.221, 4: 0.094, 6: 0.040, 8: 0.032, 10: 0.033, 12: 0.033}


def seed_key(seed: int, *purpose) -> jax.Array:
    """A typed key from a unit's stored integer seed and purpose names (plus integer tags such as ``n``).

    A unit config holds the seed as an int, so the key is rebuilt here rather than taken from ``ctx``.
    """
    key = root_key(seed)
    for p in purpose:
        tag = zlib.crc32(p.encode()) if isinstance(p, str) else int(p)
        key = jax.random.fold_in(key, tag)
    return key


def stats(grams, mu) -> dict:
    """Mean, variance, mean |k - mu| and the largest value over the pairs of each Gram matrix."""
    out = [pair_statistics(K, mu=mu) for K in grams]
    iu = np.triu_indices(np.asarray(grams[0]).shape[0], k=1)
    return {
        "mean": [float(s.mean) for s in out],
        "var": [float(s.var) for s in out],
        "abs_dev": [float(s.abs_dev) for s in out],
        "max": [float(np.max(np.asarray(K)[iu])) for K in grams],
    }


def unit_data(cfg: dict) -> jax.Array:
    """The ``(N_s, n)`` angles of a unit: MNIST PCA or uniform random angles, float64."""
    n = cfg["n"]
    if cfg["data"] == "mnist":
        X, _ = mnist_pca(n, cfg["n_samples"], dtype=jnp.float64)
        return X
    return uniform_angles(cfg["n_samples"], n, key=seed_key(cfg["seed"], "data", n), dtype=jnp.float64)


def depth_unit(cfg: dict) -> dict:
    """Fidelity kernel, projected kernel and its exponent D over the pairs of N_s points, at every depth."""
    with jax.enable_x64(True):
        n = cfg["n"]
        X = unit_data(cfg)
        out = kernels_by_depth(cfg.get("scale", 1.0) * X, layers=cfg["layers"], embedding=cfg["embedding"])
        return {
            "fidelity": stats(out.fidelity, 2.0**-n),
            "projected": stats(out.projected, 1.0),
            "distance": stats(out.distance, 0.0),
        }


def percentile_of(value: float, sample) -> float:
    """The percentile (0-100) at which ``value`` sits in ``sample`` (fraction strictly below, ties half)."""
    s = np.asarray(sample, float)
    return float(100 * (np.sum(s < value) + 0.5 * np.sum(s == value)) / s.size)

"""Benchmark: the whole Fig. 6a sweep (n = 2..14, L in the ten depths up to 200, N_s = 40), compile included.

Two native routes, both float64, both timed end to end in one fresh process:
``--route depth`` (default): :func:`kernels_by_depth`, all ten depths in one pass per n (200 layers);
``--route gram``: :func:`fidelity_gram` per (n, L), the depth a run-time argument (one compile per n).

Usage: ``python benchmarks/qkernels_sweep.py [--route depth|gram] [--nmax 14] [--points 40] [--complex64]``
"""

from __future__ import annotations

import argparse
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from embtheory.qkernels import fidelity_gram, pair_statistics  # noqa: E402
from embtheory.qkernels.profiles import kernels_by_depth  # noqa: E402

LAYERS = [2, 4, 8, 16, 25, 50, 75, 100, 150, 200]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--route", choices=("depth", "gram"), default="depth")
    ap.add_argument("--nmax", type=int, default=14)
    ap.add_argument("--points", type=int, default=40)
    ap.add_argument("--complex64", action="store_true")
    args = ap.parse_args()
    dtype = jnp.complex64 if args.complex64 else jnp.complex128
    rng = np.random.default_rng(0)
    t_all = time.perf_counter()
    for n in range(2, args.nmax + 1):
        X = jnp.asarray(rng.uniform(0, 2 * np.pi, (args.points, n)))
        t0 = time.perf_counter()
        if args.route == "depth":
            grams = kernels_by_depth(X, layers=LAYERS, dtype=dtype).fidelity
        else:
            grams = [fidelity_gram(X, layers=L, dtype=dtype) for L in LAYERS]
        var = [float(pair_statistics(K).var) for K in grams]
        print(f"n = {n:2d}: {time.perf_counter() - t0:6.2f} s; Var at L = 200: {var[-1]:.3g}", flush=True)
    print(f"whole sweep ({args.route}): {time.perf_counter() - t_all:.1f} s")


if __name__ == "__main__":
    main()

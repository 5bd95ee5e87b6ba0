"""MPS backend: validation against the statevector (n <= 16, L <= 3) and the 40-point Gram at n = 64.

Run by hand (x64 is switched on here):
    python benchmarks/qkernels_mps.py                 # validation table + timings
    python benchmarks/qkernels_mps.py --skip-validation

Prints, for each (n, L): the largest |K_mps - K_statevector| of a fidelity Gram (8 x 8 MNIST-like random
angles) and of the projected exponent D; then the steady-state and first-call time of a 40-point fidelity
Gram at n = 64, L = 2 with its peak resident memory, and the statevector Gram at n = 20 for comparison.
"""

from __future__ import annotations

import argparse
import resource
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from embtheory.qkernels import fidelity_gram, projected_gram  # noqa: E402


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def validate(ns, layers):
    rng = np.random.default_rng(0)
    for n in ns:
        X = rng.uniform(0, 2 * np.pi, (8, n))
        for L in layers:
            f = float(
                jnp.max(jnp.abs(fidelity_gram(X, layers=L, backend="mps") - fidelity_gram(X, layers=L)))
            )
            d = float(
                jnp.max(
                    jnp.abs(
                        projected_gram(X, layers=L, backend="mps", exponent=True)
                        - projected_gram(X, layers=L, exponent=True)
                    )
                )
            )
            print(f"validate n={n:2d} L={L}: max|dK| = {f:.2e}, max|dD| = {d:.2e}", flush=True)


def timed(fn, repeats=3):
    t0 = time.perf_counter()
    jax.block_until_ready(fn())
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t0)
    return first, float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-validation", action="store_true")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--points", type=int, default=40)
    args = ap.parse_args()
    if not args.skip_validation:
        validate([12, 14, 16], [1, 2, 3])
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 2 * np.pi, (args.points, args.n))
    first, steady = timed(lambda: fidelity_gram(X, layers=2, backend="mps"), repeats=2)
    print(
        f"MPS Gram n={args.n}, L=2, {args.points} points, x64: first {first:.1f} s, steady {steady:.1f} s, "
        f"peak RSS {_rss_mib():.0f} MiB",
        flush=True,
    )
    X20 = rng.uniform(0, 2 * np.pi, (args.points, 20))
    first, steady = timed(lambda: fidelity_gram(X20, layers=2), repeats=2)
    print(
        f"statevector Gram n=20, L=2, {args.points} points, complex128: first call {first:.1f} s, "
        f"steady {steady:.2f} s, peak RSS {_rss_mib():.0f} MiB",
        flush=True,
    )
    first, steady = timed(lambda: fidelity_gram(X20, layers=2, backend="mps"), repeats=2)
    print(
        f"MPS Gram n=20, L=2, {args.points} points: first call {first:.1f} s, steady {steady:.2f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()

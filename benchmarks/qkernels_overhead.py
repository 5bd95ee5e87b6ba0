"""Steady-state fidelity Gram against ``qml.kernels.square_kernel_matrix``, side by side (A B A B).

n = 8, N = 60, L = 2, complex64 (float32 angles).  In one process, ``--pairs`` times: one call of
PennyLane's per-pair loop over the Loschmidt-echo QNode (B), then the median of ``--repeats`` calls of
``embtheory.qkernels.fidelity_gram`` (A, after a warm-up call that compiles); the ratio B/A is taken
pair by pair, so a drift of the machine's speed during the run moves both sides.

Usage: ``python benchmarks/qkernels_overhead.py [--pairs 3] [--repeats 300]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import pennylane as qml

from embtheory.qkernels import fidelity_gram
from embtheory.qkernels.circuits import echo_qnode, layered_template


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--points", type=int, default=60)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=300)
    args = ap.parse_args()
    X = np.random.default_rng(0).uniform(0, 2 * np.pi, (args.points, args.n)).astype(np.float32)
    echo = echo_qnode(layered_template("rx", True, args.layers), args.n)
    ours = lambda: jax.block_until_ready(fidelity_gram(X, layers=args.layers, dtype=jnp.complex64))  # noqa: E731
    K = ours()  # compile
    ratios = []
    for p in range(args.pairs):
        t0 = time.perf_counter()
        ref = qml.kernels.square_kernel_matrix(X, echo, assume_normalized_kernel=False)
        b = time.perf_counter() - t0
        runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            ours()
            runs.append(time.perf_counter() - t0)
        a = statistics.median(runs)
        ratios.append(b / a)
        err = float(np.max(np.abs(np.asarray(K, np.float64) - np.asarray(ref, np.float64))))
        print(
            f"pair {p}: qml.kernels {b:.2f} s, ours median {a * 1e3:.3f} ms (min {min(runs) * 1e3:.3f}), "
            f"ratio {b / a:,.0f}x, max |diff| {err:.1e}",
            flush=True,
        )
    print(f"median ratio over {args.pairs} pairs: {statistics.median(ratios):,.0f}x")


if __name__ == "__main__":
    main()

"""Benchmark: the fidelity Gram matrix, ours against PennyLane's per-pair kernels.

Three ways to the same n = 8, N = 60, L = 2 HEE fidelity Gram matrix (float64, checked equal):

1. ``qml.kernels.square_kernel_matrix`` with the Loschmidt-echo QNode: one circuit per pair in a
   Python loop (the per-pair baseline; ~53 s on a 2-core CPU);
2. ``jax.jit(jax.vmap)`` of the echo QNode over all N^2 pairs (PennyLane traced into XLA);
3. ``embtheory.qkernels.fidelity_gram``: each state once (native simulator), then one product.

Compile time (first call) and steady state (median of repeats) are reported separately, plus the
compile time of PennyLane's jitted state QNode and of the native simulator for L up to 200.

Usage: ``python benchmarks/qkernels_gram.py [--n 8] [--points 60] [--layers 2] [--skip-loop]``
"""

from __future__ import annotations

import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pennylane as qml  # noqa: E402
from _common import gram_parser, timed  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

from embtheory.qkernels import fidelity_gram  # noqa: E402
from embtheory.qkernels.circuits import echo_qnode, layered_template, state_qnode  # noqa: E402


def main():
    ap = gram_parser(__doc__, repeats=20)
    ap.add_argument("--skip-loop", action="store_true", help="skip the slow qml.kernels loop")
    ap.add_argument("--compile-layers", type=int, nargs="*", default=[2, 50, 100, 200])
    args = ap.parse_args()
    X = jnp.asarray(np.random.default_rng(0).uniform(0, 2 * np.pi, (args.points, args.n)))
    tmpl = layered_template("rx", True, args.layers)
    echo = echo_qnode(tmpl, args.n)

    ours, ours_first, ours_steady = timed(lambda: fidelity_gram(X, layers=args.layers), args.repeats)
    print(f"embtheory fidelity_gram: first call {ours_first:.3f} s, steady {ours_steady * 1e3:.3f} ms")

    ii, jj = np.meshgrid(np.arange(args.points), np.arange(args.points), indexing="ij")
    pairs = jax.jit(jax.vmap(echo))
    vm, vm_first, vm_steady = timed(lambda: pairs(X[ii.ravel()], X[jj.ravel()]), max(1, args.repeats // 4))
    vm = vm.reshape(args.points, args.points)
    print(f"jit(vmap) echo over all pairs: first call {vm_first:.3f} s, steady {vm_steady * 1e3:.3f} ms "
          f"(ratio {vm_steady / ours_steady:.0f}x); max |diff| {float(jnp.max(jnp.abs(vm - ours))):.2e}")

    if not args.skip_loop:
        t0 = time.perf_counter()
        loop = qml.kernels.square_kernel_matrix(X, echo, assume_normalized_kernel=False)
        loop_time = time.perf_counter() - t0
        print(f"qml.kernels.square_kernel_matrix: {loop_time:.1f} s (ratio {loop_time / ours_steady:,.0f}x "
              f"steady, {loop_time / ours_first:.0f}x first call); max |diff| "
              f"{float(jnp.max(jnp.abs(jnp.asarray(loop) - ours))):.2e}")

    Xc = X[:40]
    for L in args.compile_layers:
        qn = jax.jit(jax.vmap(state_qnode(layered_template("rx", True, L), args.n)))
        t0 = time.perf_counter()
        qn.lower(Xc).compile()
        pl = time.perf_counter() - t0
        t0 = time.perf_counter()
        jax.block_until_ready(fidelity_gram(Xc, layers=L + 1000))  # a depth never compiled before
        nat = time.perf_counter() - t0
        print(f"compile, n = {args.n}, L = {L}: PennyLane state QNode {pl:.2f} s; native first call "
              f"(compile + run, L + 1000 layers) {nat:.2f} s")


if __name__ == "__main__":
    main()

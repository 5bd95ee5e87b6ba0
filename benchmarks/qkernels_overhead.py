"""Steady-state fidelity Gram against ``qml.kernels.square_kernel_matrix``, side by side (A B A B).

n = 8, N = 60, L = 2, complex64 (float32 angles).  In one process, ``--pairs`` times: one call of
PennyLane's per-pair loop over the Loschmidt-echo QNode (B), then the median of ``--repeats`` calls of
``embtheory.qkernels.fidelity_gram`` (A, after a warm-up call that compiles); the ratio B/A is taken
pair by pair, so a drift of the machine's speed during the run moves both sides.

Each pair also times the bare fused XLA program on pre-placed arrays (what ``fidelity_gram`` runs
after its host validation): the difference to A is the per-call overhead left on the host.  The
load average (``os.getloadavg``, as ``uptime`` shows it) is printed with every pair.

Usage: ``python benchmarks/qkernels_overhead.py [--pairs 3] [--repeats 300]``
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import pennylane as qml
from _common import gram_parser  # benchmarks/ is on sys.path when run as a script

from embtheory.qkernels import fidelity_gram, kernels
from embtheory.qkernels.circuits import echo_qnode, layered_template
from embtheory.qkernels.embeddings import _layer_key, resolve


def _median_ms(fn, repeats):
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), min(runs)


def _cpu():
    try:
        with open("/proc/cpuinfo") as f:
            return next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def _load():
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main():
    ap = gram_parser(__doc__, repeats=300)
    ap.add_argument("--pairs", type=int, default=3)
    args = ap.parse_args()
    X = np.random.default_rng(0).uniform(0, 2 * np.pi, (args.points, args.n)).astype(np.float32)
    echo = echo_qnode(layered_template("rx", True, args.layers), args.n)
    ours = lambda: jax.block_until_ready(fidelity_gram(X, layers=args.layers, dtype=jnp.complex64))  # noqa: E731
    K = ours()  # compile
    # the bare program: validated, device-resident inputs, no host checks, no budget lookup
    Xd, spec = resolve(X, embedding="hee", layers=args.layers, params=None, noise=None, backend=None,
                       dtype=jnp.complex64)
    dim = 2**args.n
    fused = kernels._native_gram_fn(_layer_key(spec.circuit), False, spec.dtype, args.points,
                                    kernels.gram_rows(args.points, dim, spec.dtype), None)
    depth, p0 = np.int32(args.layers), jnp.zeros((), Xd.dtype)
    bare = lambda: jax.block_until_ready(fused(Xd, None, None, p0, depth))  # noqa: E731
    bare()
    print(f"{_cpu()}, {os.cpu_count()} cores, JAX {jax.__version__}, PennyLane {qml.__version__}; {_load()}",
          flush=True)
    ratios, ours_ms = [], []
    for p in range(args.pairs):
        t0 = time.perf_counter()
        ref = qml.kernels.square_kernel_matrix(X, echo, assume_normalized_kernel=False)
        b = time.perf_counter() - t0
        a, a_min = _median_ms(ours, args.repeats)
        c, c_min = _median_ms(bare, args.repeats)
        ratios.append(b / a)
        ours_ms.append(a * 1e3)
        err = float(np.max(np.abs(np.asarray(K, np.float64) - np.asarray(ref, np.float64))))
        print(
            f"pair {p}: qml.kernels {b:.2f} s, ours median {a * 1e3:.3f} ms (min {a_min * 1e3:.3f}), "
            f"bare program median {c * 1e3:.3f} ms (min {c_min * 1e3:.3f}), ratio {b / a:,.0f}x, "
            f"max |diff| {err:.1e}; {_load()}",
            flush=True,
        )
    print(f"median ratio over {args.pairs} pairs: {statistics.median(ratios):,.0f}x "
          f"(pairs: {', '.join(f'{r:,.0f}x' for r in ratios)}); ours median of medians "
          f"{statistics.median(ours_ms):.3f} ms; {_load()}")


if __name__ == "__main__":
    main()

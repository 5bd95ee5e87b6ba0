"""MPS backend: validation against the statevector (n <= 16, L <= 3) and the 40-point Gram at n = 64.

Run by hand (x64 is switched on here):
    python benchmarks/qkernels_mps.py                      # validation table, then the timings
    python benchmarks/qkernels_mps.py --skip-validation    # timings only
    python benchmarks/qkernels_mps.py --case mps --n 64    # one timing case in this process

Validation prints, for each (n, L): the largest |K_mps - K_statevector| of a fidelity Gram matrix
(8 random points, angles uniform on [0, 2 pi]) and of the projected exponent D, with the time taken.

Timings: a 40-point fidelity Gram matrix (HEE, L = 2, complex128) for the MPS backend at n = 64 and
n = 20 and for the statevector backend at n = 20.  Each case runs in a fresh Python process, so its
peak resident memory (``ru_maxrss``) is its own and the first call includes compilation; the steady
state is the median of ``--repeats`` further calls.  The load average (``/proc/loadavg``) is printed
before and after each case: the machine is shared, record it with the numbers.

LAPACK threads: JAX's CPU SVD and QR call the OpenBLAS bundled with SciPy, which starts one thread per
core.  On a 2-core machine shared with other jobs those threads spin against each other: a 128 x 128
complex SVD took 1.13 s with the default threads and 13 ms with ``OPENBLAS_NUM_THREADS=1`` (load ~8.6,
separate processes).  This script therefore defaults to one OpenBLAS thread (set the variable to
override); it must be set before NumPy, SciPy or JAX load OpenBLAS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before OpenBLAS loads (see the docstring)

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from embtheory.qkernels import fidelity_gram, projected_gram  # noqa: E402


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def validate(ns, layers, points=8):
    rng = np.random.default_rng(0)
    for n in ns:
        X = rng.uniform(0, 2 * np.pi, (points, n))
        for L in layers:
            t0 = time.perf_counter()
            f = float(jnp.max(jnp.abs(fidelity_gram(X, layers=L, backend="mps")
                                      - fidelity_gram(X, layers=L))))
            d = float(jnp.max(jnp.abs(projected_gram(X, layers=L, backend="mps", exponent=True)
                                      - projected_gram(X, layers=L, exponent=True))))
            print(f"validate n={n:2d} L={L}: max|dK| = {f:.2e}, max|dD| = {d:.2e} "
                  f"({time.perf_counter() - t0:.1f} s, load {_load()})", flush=True)


def run_case(case: str, n: int, points: int, layers: int, repeats: int) -> dict:
    """Time one Gram matrix in this process: first call (compile included), then the steady state."""
    X = np.random.default_rng(1).uniform(0, 2 * np.pi, (points, n))
    backend = "mps" if case == "mps" else None
    load_before = _load()
    t0 = time.perf_counter()
    jax.block_until_ready(fidelity_gram(X, layers=layers, backend=backend))
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fidelity_gram(X, layers=layers, backend=backend))
        times.append(time.perf_counter() - t0)
    return dict(case=case, n=n, points=points, layers=layers, first_s=round(first, 2),
                steady_s=round(float(np.median(times)), 2), runs=[round(t, 2) for t in times],
                peak_rss_mib=round(_rss_mib()), load_before=load_before, load_after=_load())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-validation", action="store_true")
    ap.add_argument("--skip-timing", action="store_true")
    ap.add_argument("--case", choices=["mps", "statevector"], help="run one timing case here and print JSON")
    ap.add_argument("--n", type=int, default=64, help="qubits of the MPS timing case")
    ap.add_argument("--sv-n", type=int, default=20, help="qubits of the statevector comparison")
    ap.add_argument("--points", type=int, default=40)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--validate-n", type=int, nargs="+", default=[12, 14, 16])
    ap.add_argument("--validate-points", type=int, default=8)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.n, args.points, args.layers, args.repeats)), flush=True)
        return
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, JAX {jax.__version__}, "
          f"load {_load()}", flush=True)
    if not args.skip_validation:
        validate(args.validate_n, [1, 2, 3], points=args.validate_points)
    if args.skip_timing:
        return
    for case, n in (("mps", args.n), ("statevector", args.sv_n), ("mps", args.sv_n)):
        cmd = [sys.executable, __file__, "--case", case, "--n", str(n), "--points", str(args.points),
               "--layers", str(args.layers), "--repeats", str(args.repeats)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        r = json.loads(out)
        print(f"{case:11s} n={n:3d} L={args.layers} {args.points} points complex128: "
              f"first call {r['first_s']:.1f} s, "
              f"steady {r['steady_s']:.2f} s (runs {r['runs']}), peak RSS {r['peak_rss_mib']} MiB, "
              f"load {r['load_before']} -> {r['load_after']}", flush=True)


if __name__ == "__main__":
    main()

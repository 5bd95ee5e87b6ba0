"""Benchmark: ``certify`` of the neighbourly construction, n = 640, k = 2 (204,480 queries), float64.

Run by hand (x64 is turned on here)::

    python benchmarks/signrank_certify.py [--n 640] [--repeats 3]

Prints the build time, the first (compiling) and the warm certify times, the chunk, and the
peak resident memory the certificate added (``VmHWM`` of ``/proc/self/status`` before and after)
next to the size of the dense score matrix it never builds (C(n, 2) x n float64).
"""

from __future__ import annotations

import argparse
import math
import os
import time

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402

from embtheory.signrank import certify, neighbourly_embedding  # noqa: E402


def _hwm_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=640)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--memory-budget", type=float, default=None, help="bytes for one chunk (default 1 GiB)")
    args = p.parse_args()
    n = args.n
    t0 = time.perf_counter()
    q, d = neighbourly_embedding(n, 2, dtype=np.float64)
    build = time.perf_counter() - t0
    before = _hwm_bytes()
    t0 = time.perf_counter()
    c = certify(q, d, k=2, dtype=np.float64, memory_budget=args.memory_budget)
    first = time.perf_counter() - t0
    warm = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        c2 = certify(q, d, k=2, dtype=np.float64, memory_budget=args.memory_budget)
        warm.append(time.perf_counter() - t0)
        assert c2 == c
    after = _hwm_bytes()
    m = math.comb(n, 2)
    dense = m * n * 8
    print(f"n = {n}, k = 2: {m:,} queries, d = 4, float64, memory_budget {args.memory_budget}; "
          f"{os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"construction built in {build:.2f} s (queries {q.nbytes / 2**20:.1f} MiB)")
    print(f"certify: solved={c.solved} margin={c.margin:.3e} violations={c.violations} "
          f"worst_query={c.worst_query}")
    print(f"certify time: first call {first:.2f} s (with compile), warm {min(warm):.2f} s "
          f"(best of {len(warm)})")
    print(f"peak resident memory added by certify: {(after - before) / 2**20:.1f} MiB; the dense score "
          f"matrix would be {dense / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()

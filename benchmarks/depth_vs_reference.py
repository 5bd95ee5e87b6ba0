"""TTE depth side by side with the reference package (tte_depth 1.0.0 from PyPI), results compared.

The reference is installed in its own environment (never a dependency of embtheory); pass its
Python.  The same float64 data (m != n, so that the reference's |F| = |G| defect is not hit;
rows normalised, since its chord distance assumes unit vectors) go to both; the reference runs
``StatDepth(distance).depths_paired(F, G)`` once in a subprocess, we run ``tte_depth`` for F's and
G's depths (warm, median of repeats, validation included).  Printed: both times, the ratio, and
the largest absolute difference of the depths.

Command::

    python benchmarks/depth_vs_reference.py --reference-python /path/to/venv/bin/python \\
        --m 2000 --n 1900 --d 384 [--distances cosine chord] [--repeats 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

_REFERENCE_RUNNER = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    from tte_depth import StatDepth
    F, G = np.load(sys.argv[1]), np.load(sys.argv[2])
    sd = StatDepth(distance=sys.argv[3])
    t0 = time.perf_counter()
    if sys.argv[5] == "depths":
        dF, dG = sd.depths_paired(F, G)
        extra = []
    else:
        dF, dG, q, w, p = sd.depth_rank_test(F, G)
        extra = [q, w, p]
    elapsed = time.perf_counter() - t0
    np.save(sys.argv[4], np.concatenate([dF, dG, extra]))
    print(json.dumps({"seconds": elapsed}))
    """
)


def _reference(python: str, F: np.ndarray, G: np.ndarray, distance: str,
               what: str = "depths") -> tuple[float, np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, f) for f in ("F.npy", "G.npy", "out.npy")]
        np.save(paths[0], F)
        np.save(paths[1], G)
        out = subprocess.run([python, "-c", _REFERENCE_RUNNER, paths[0], paths[1], distance, paths[2], what],
                             check=True, capture_output=True, text=True)
        seconds = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
        return seconds, np.load(paths[2])


def _ours(F, G, distance: str, repeats: int, what: str = "depths") -> tuple[float, np.ndarray]:
    import jax

    from embtheory.depth import depth_rank_test, tte_depth

    def run():
        if what == "depths":
            dF, dG = tte_depth(F, distance=distance), tte_depth(F, G, distance=distance)
            return jax.block_until_ready((dF, dG))
        r = depth_rank_test(F, G, distance=distance)
        return jax.block_until_ready((r.depths_F, r.depths_G, r.q, r.statistic, r.pvalue))

    run()  # compile
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), np.concatenate([np.ravel(np.asarray(a)) for a in out])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reference-python", required=True, help="Python of the environment with tte_depth 1.0.0")
    p.add_argument("--m", type=int, default=2000)
    p.add_argument("--n", type=int, default=1900)
    p.add_argument("--d", type=int, default=384)
    p.add_argument("--distances", nargs="+", default=["cosine", "chord"])
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rank-test", type=int, default=1, help="also time depth_rank_test (1) or not (0)")
    p.add_argument("--x64", action="store_true", help="compute ours in float64 (JAX_ENABLE_X64)")
    args = p.parse_args(argv)
    if args.m == args.n:
        print("warning: m == n hits the reference's defect (G depths averaged over the wrong axis)",
              file=sys.stderr)
    if args.x64:
        import jax

        jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(args.seed)
    F = rng.normal(size=(args.m, args.d)) + 0.5
    G = rng.normal(size=(args.n, args.d)) + 0.5
    F /= np.linalg.norm(F, axis=1, keepdims=True)
    G /= np.linalg.norm(G, axis=1, keepdims=True)
    import jax

    Fd, Gd = jax.device_put(F.astype(jax.dtypes.canonicalize_dtype(F.dtype))), jax.device_put(
        G.astype(jax.dtypes.canonicalize_dtype(G.dtype)))
    jobs = [(dist, "depths") for dist in args.distances] + [("cosine", "test")] * args.rank_test
    for distance, what in jobs:
        t_ref, d_ref = _reference(args.reference_python, F, G, distance, what)
        for inputs, (a, b) in (("numpy", (F, G)), ("device", (Fd, Gd))):
            t_ours, d_ours = _ours(a, b, distance, args.repeats, what)
            row = {"what": what, "distance": distance, "inputs": inputs, "m": args.m, "n": args.n,
                   "d": args.d,
                   "reference_s": round(t_ref, 3), "ours_s": t_ours, "speedup": round(t_ref / t_ours, 1),
                   "max_abs_diff": float(np.max(np.abs(d_ref - d_ours))), "ours_dtype": str(d_ours.dtype)}
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

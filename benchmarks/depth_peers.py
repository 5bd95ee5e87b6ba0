"""Classical depths side by side with their peers: data-depth (Python) and, where installed, R's ddalpha.

For each case the same float64 data go to every implementation; the script reports the largest
absolute difference of the depths (accuracy) and the median warm time of each (speed).  Ours
and data-depth run in this process, alternately (A B A B), so their ratio is a side-by-side
figure; ours is compiled by a first call, reported apart.  R runs in one subprocess per case
right after, timing ``repeats`` calls inside R (``proc.time``), so its figure excludes R's start
and the CSV transfer.

Cases (m reference points, n queries):

* spatial depth, plain (data-depth ``mah_estimate="none"``) and affine-invariant
  (``spatial_depth(affine_invariant=True)`` against data-depth's default ``"moment"`` and
  ddalpha's ``depth.spatial``);
* Mahalanobis depth (moment estimates);
* exact halfspace depth in 2-D and 3-D (``halfspace_depth(exact=True)`` against data-depth's
  exact ``recursive``/``plane``/``line`` algorithms and ddalpha's ``depth.halfspace(exact=TRUE)``).

Needs ``pip install "embtheory[bench]"`` (data-depth); R with ddalpha is optional (Debian:
``apt-get install r-cran-ddalpha``).

Command::

    python benchmarks/depth_peers.py                 # the sizes of docs/bench_depth.md
    python benchmarks/depth_peers.py --quick         # a smoke run of seconds
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import jax
import numpy as np


def _ours(fn, *args):
    t0 = time.perf_counter()
    out = np.asarray(jax.block_until_ready(fn(*args)), np.float64)
    return out, time.perf_counter() - t0


def _peer(fn, *args):
    t0 = time.perf_counter()
    out = np.asarray(fn(*args), np.float64)
    return out, time.perf_counter() - t0


_R_CALLS = {
    "spatial_plain": 'depth.spatial(X, F, mah.estimate = "none")',
    "spatial_affine": "depth.spatial(X, F)",
    "mahalanobis": 'depth.Mahalanobis(X, F, mah.estimate = "moment")',
    "halfspace_2d": "depth.halfspace(X, F, exact = TRUE)",
    "halfspace_3d": "depth.halfspace(X, F, exact = TRUE)",
}


def _r_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    done = subprocess.run(["Rscript", "-e", "suppressMessages(library(ddalpha))"], capture_output=True)
    return done.returncode == 0


def _run_r(case: str, F: np.ndarray, X: np.ndarray, repeats: int) -> tuple[np.ndarray, float] | None:
    if case not in _R_CALLS:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        np.savetxt(os.path.join(tmp, "F.csv"), F, delimiter=",", fmt="%.17g")
        np.savetxt(os.path.join(tmp, "X.csv"), X, delimiter=",", fmt="%.17g")
        script = f"""
suppressMessages(library(ddalpha))
F <- as.matrix(read.csv("{tmp}/F.csv", header = FALSE))
X <- as.matrix(read.csv("{tmp}/X.csv", header = FALSE))
times <- numeric({repeats})
for (i in seq_len({repeats})) {{
  t0 <- proc.time()[["elapsed"]]
  d <- {_R_CALLS[case]}
  times[i] <- proc.time()[["elapsed"]] - t0
}}
write.table(d, "{tmp}/depths.csv", row.names = FALSE, col.names = FALSE)
cat(median(times), "\\n")
"""
        done = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
        if done.returncode != 0:
            print(json.dumps({"case": case, "R_error": done.stderr.strip()[-300:]}), flush=True)
            return None
        return np.loadtxt(os.path.join(tmp, "depths.csv")), float(done.stdout.split()[-1])


def _cases(quick: bool):
    from depth.model.multivariate import halfspace, mahalanobis, spatial

    from embtheory.depth import halfspace_depth, mahalanobis_depth, spatial_depth

    s = 0.1 if quick else 1.0
    big, d = max(int(2000 * s), 50), 10
    return [
        ("spatial_plain", big, big, d, lambda F, X: spatial_depth(F, X),
         {"data-depth": lambda F, X: spatial(X, F, mah_estimate="none")}),
        ("spatial_affine", big, big, d, lambda F, X: spatial_depth(F, X, affine_invariant=True),
         {"data-depth": lambda F, X: spatial(X, F, mah_estimate="moment")}),
        ("mahalanobis", big, big, d, lambda F, X: mahalanobis_depth(F, X),
         {"data-depth": lambda F, X: mahalanobis(X, F, mah_estimate="moment")}),
        ("halfspace_2d", max(int(1000 * s), 50), max(int(1000 * s), 50), 2,
         lambda F, X: halfspace_depth(F, X, exact=True),
         {f"data-depth {m}": (lambda F, X, m=m: halfspace(X, F, exact=True, method=m))
          for m in ("recursive", "plane", "line")}),
        ("halfspace_3d", max(int(300 * s), 30), max(int(100 * s), 10), 3,
         lambda F, X: halfspace_depth(F, X, exact=True),
         {f"data-depth {m}": (lambda F, X, m=m: halfspace(X, F, exact=True, method=m))
          for m in ("recursive", "plane", "line")}),
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a tenth of the sizes, one repeat")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-r", action="store_true", help="skip R's ddalpha even where installed")
    args = p.parse_args(argv)
    jax.config.update("jax_enable_x64", True)  # every implementation sees the same float64 data
    repeats = 1 if args.quick else args.repeats
    with_r = not args.no_r and _r_available()
    print(json.dumps({"device": str(jax.devices()[0]), "jax": jax.__version__, "R_ddalpha": with_r,
                      "load": os.getloadavg()[0]}), flush=True)
    rng = np.random.default_rng(0)
    for case, m, n, d, ours, peers in _cases(args.quick):
        A = rng.normal(size=(d, d)) + np.eye(d)
        F = rng.normal(size=(m, d)) @ A
        X = rng.normal(size=(n, d)) @ A * 1.2 + 0.1
        want, first = _ours(ours, F, X)
        times = {"ours": []} | {name: [] for name in peers}
        results = {}
        for _ in range(repeats):  # A B A B
            _, t = _ours(ours, F, X)
            times["ours"].append(t)
            for name, fn in peers.items():
                results[name], t = _peer(fn, F, X)
                times[name].append(t)
        row = {"case": case, "m": m, "n": n, "d": d, "ours_first_s": round(first, 4)}
        for name, ts in times.items():
            row[f"{name}_s"] = round(statistics.median(ts), 5)
        for name, got in results.items():
            row[f"max_abs_diff {name}"] = float(np.max(np.abs(got - want)))
        if with_r:
            r = _run_r(case, F, X, repeats)
            if r is not None:
                row["R ddalpha_s"] = round(r[1], 5)
                row["max_abs_diff R ddalpha"] = float(np.max(np.abs(r[0] - want)))
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

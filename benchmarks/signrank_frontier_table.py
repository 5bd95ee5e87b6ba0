"""Benchmark and driver: the frontier paper's smallest-d table with this package's recipe.

For each loss and each n (increasing), :func:`embtheory.signrank.min_dimension` runs every
dimension in ``--dims`` together (one vmapped launch) for ``--steps`` Adam steps and certifies
each run.  A wall-time budget stops the sweep between problems (the rest is reported as not
run).  Results go to ``--out`` as JSON and to stdout as a table next to the paper's.

    python benchmarks/signrank_frontier_table.py --ns 20 40 60 --steps 10000      # CPU, quick size
    python benchmarks/signrank_frontier_table.py --dry-run --out /tmp/t.json      # seconds (tests)

``benchmarks/gpu/frontier.sh`` runs the full table (n up to 240, d = 5..30, 100,000 steps) with
this script on one GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time


def _window(paper, n, width):
    c = paper.get(n)
    return None if c is None else list(range(max(2, c - width), c + width + 1))


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ns", type=int, nargs="+", default=[20, 40, 60])
    p.add_argument("--losses", nargs="+", default=["sigmoid", "infonce"])
    p.add_argument("--dims", type=int, nargs="+", default=None,
                   help="dims tried for every n (default: +-window around the paper's answer)")
    p.add_argument("--window", type=int, default=2)
    p.add_argument("--steps", type=int, default=10_000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--budget-seconds", type=float, default=float("inf"))
    p.add_argument("--out", default=None)
    p.add_argument("--dry-run", action="store_true", help="n = 6, 20 steps, dims 2 3: checks the set-up")
    args = p.parse_args(argv)
    if args.dry_run:
        args.ns, args.steps, args.dims, args.budget_seconds = [6], 20, [2, 3], 120.0

    import jax

    from embtheory.signrank import PAPER_MIN_DIMENSION, FrontierRecipe, min_dimension

    t_start = time.perf_counter()
    rows = []
    for loss in args.losses:
        paper = PAPER_MIN_DIMENSION[loss]
        for n in sorted(args.ns):
            dims = args.dims or _window(paper, n, args.window) or list(range(5, 31))
            row = {"loss": loss, "n": n, "dims": dims, "steps": args.steps, "paper": paper.get(n, "-")}
            if time.perf_counter() - t_start > args.budget_seconds:
                row["status"] = "not run (budget spent)"
                rows.append(row)
                continue
            t0 = time.perf_counter()
            res = min_dimension(n, loss=loss, dims=dims, seeds=tuple(args.seeds),
                                recipe=FrontierRecipe.of(loss, steps=args.steps))
            row.update(status="done", seconds=round(time.perf_counter() - t0, 2), query_dim=res.dim,
                       global_dim=res.global_dim,
                       margins={f"{r.dim}/{r.seed}": [round(r.margin, 5), round(r.global_margin, 5)]
                                for r in res.runs})
            rows.append(row)
            print(f"{loss:8s} n={n:4d} steps={args.steps:,}: smallest d query {res.dim}, "
                  f"global {res.global_dim} (paper {paper.get(n, '-')}), {row['seconds']:.1f} s", flush=True)
    out = {"rows": rows, "wall_seconds": round(time.perf_counter() - t_start, 2),
           "device": str(jax.devices()[0]), "platform": platform.platform(), "cpus": os.cpu_count(),
           "load": os.getloadavg()[0], "dry_run": args.dry_run}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1)
    print(f"total {out['wall_seconds']:.1f} s on {out['device']}")
    return out


if __name__ == "__main__":
    main()

"""Benchmark and driver: the frontier paper's smallest-d table with this package's recipe.

For each loss and each n (increasing), :func:`embtheory.signrank.min_dimension` runs every
dimension in ``--dims`` for every seed in ``--seeds`` (one vmapped launch, or one launch per
seed with ``--seed-by-seed``) for ``--steps`` Adam steps and certifies each run.  A wall-time
budget stops the sweep between launches (the rest is reported as not run).  Results go to
``--out`` as JSON (rewritten after every launch, so a long sweep leaves its finished part) and
to stdout as a table next to the paper's.

Two criteria, both from :func:`embtheory.signrank.certify`: *query* (each query's smallest
relevant score above its largest irrelevant one) and *global* (one threshold for all queries:
the smallest relevant score over all queries above the largest irrelevant one, the criterion
of the paper's table).  With several seeds each row also reports every seed's smallest d and
where the paper's single draw (seed 0 of their code) falls among our seeds: how many seeds
need fewer, as many, or more dimensions, and its mid-rank percentile
``100 (below + equal / 2) / seeds``.  A seed whose lowest tried d already certifies has
smallest d "<= min(dims)"; one with no certified d, "> max(dims)"; both are counted on the
side they certainly lie on, or reported as undecided.

    python benchmarks/signrank_frontier_table.py --ns 20 40 60 --steps 10000      # CPU, quick size
    python benchmarks/signrank_frontier_table.py --losses infonce --ns 60 --dims $(seq 14 21) \\
        --seeds 0 1 2 3 4 --seed-by-seed --steps 10000 --out /tmp/seeds.json   # a seed distribution
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


def smallest_dims(runs, dims):
    """``{seed: (query, global)}``: each seed's smallest tried d that certifies, as a string.

    ``"<=5"`` when the lowest tried d (5) certifies (the answer may lie below the window),
    ``">9"`` when no tried d certifies, else the d itself.
    """
    lo, hi = min(dims), max(dims)
    out = {}
    for seed in sorted({r.seed for r in runs}):
        mine = [r for r in runs if r.seed == seed]
        pair = []
        for ok in (lambda r: r.solved, lambda r: r.global_margin > 0):
            good = [r.dim for r in mine if ok(r)]
            if not good:
                pair.append(f">{hi}")
            else:
                pair.append(f"<={lo}" if min(good) == lo else str(min(good)))
        out[seed] = tuple(pair)
    return out


def place_paper(values, paper):
    """Where the paper's d falls among seed answers ``values`` (strings of :func:`smallest_dims`).

    Returns ``below``/``equal``/``above``/``undecided`` counts (seeds needing fewer, as many or
    more dimensions than the paper; undecided: a censored answer that straddles it) and the
    mid-rank percentile ``100 (below + equal / 2) / seeds`` (None if any seed is undecided or
    the paper has no value).
    """
    counts = {"below": 0, "equal": 0, "above": 0, "undecided": 0}
    if not isinstance(paper, int):
        counts["undecided"] = len(values)
    else:
        for v in values:
            if v.startswith("<="):  # the seed's d is at most this
                side = "below" if int(v[2:]) < paper else "undecided"
            elif v.startswith(">"):  # the seed's d is above this
                side = "above" if int(v[1:]) >= paper else "undecided"
            else:
                d = int(v)
                side = "below" if d < paper else ("equal" if d == paper else "above")
            counts[side] += 1
    total = len(values)
    pct = None
    if total and counts["undecided"] == 0:
        pct = round(100.0 * (counts["below"] + 0.5 * counts["equal"]) / total, 1)
    return dict(counts, seeds=total, percentile=pct)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ns", type=int, nargs="+", default=[20, 40, 60])
    p.add_argument("--losses", nargs="+", default=["sigmoid", "infonce"])
    p.add_argument("--dims", type=int, nargs="+", default=None,
                   help="dims tried for every n (default: +-window around the paper's answer)")
    p.add_argument("--window", type=int, default=2)
    p.add_argument("--steps", type=int, default=10_000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0],
                   help="trials per (n, d), key jax.random.key(seed); the paper's table is one draw")
    p.add_argument("--seed-by-seed", action="store_true",
                   help="one launch per seed (progress and partial JSON after each; default: all in one)")
    p.add_argument("--store", default=None,
                   help="a results directory: finished runs are stored and read back (resumable)")
    p.add_argument("--budget-seconds", type=float, default=float("inf"))
    p.add_argument("--out", default=None)
    p.add_argument("--dry-run", action="store_true",
                   help="n = 6, 20 steps, dims 2 3 (seeds as given): checks the set-up")
    args = p.parse_args(argv)
    if args.dry_run:
        args.ns, args.steps, args.dims, args.budget_seconds = [6], 20, [2, 3], 120.0
    if len(set(args.seeds)) != len(args.seeds):
        p.error(f"--seeds has repeated values {args.seeds}: list each seed once")

    import jax

    from embtheory.signrank import PAPER_MIN_DIMENSION, FrontierRecipe, min_dimension

    store = None
    if args.store:
        from embtheory.core.store import ResultStore

        store = ResultStore(args.store)
    t_start = time.perf_counter()
    load_start = os.getloadavg()
    rows = []
    out = {}

    def dump():
        out.update(rows=rows, wall_seconds=round(time.perf_counter() - t_start, 2),
                   device=str(jax.devices()[0]), jax=jax.__version__, platform=platform.platform(),
                   cpus=os.cpu_count(), load=os.getloadavg()[0], load_start=list(load_start),
                   load_end=list(os.getloadavg()), dry_run=args.dry_run, argv=argv)
        if args.out:
            with open(args.out, "w") as f:
                json.dump(out, f, indent=1)

    groups = [tuple(args.seeds)] if not args.seed_by_seed else [(s,) for s in args.seeds]
    for loss in args.losses:
        paper = PAPER_MIN_DIMENSION[loss]
        recipe = FrontierRecipe.of(loss, steps=args.steps)
        for n in sorted(args.ns):
            dims = args.dims or _window(paper, n, args.window) or list(range(5, 31))
            row = {"loss": loss, "n": n, "dims": dims, "steps": args.steps, "seeds": list(args.seeds),
                   "paper": paper.get(n, "-"), "margins": {}, "seconds": 0.0, "launches": []}
            rows.append(row)
            runs = []
            for group in groups:
                if time.perf_counter() - t_start > args.budget_seconds:
                    row["launches"].append({"seeds": list(group), "status": "not run (budget spent)"})
                    continue
                t0 = time.perf_counter()
                res = min_dimension(n, loss=loss, dims=dims, seeds=group, recipe=recipe, store=store)
                secs = round(time.perf_counter() - t0, 2)
                runs += res.runs
                row["seconds"] = round(row["seconds"] + secs, 2)
                row["launches"].append({"seeds": list(group), "status": "done", "seconds": secs,
                                        "load": os.getloadavg()[0]})
                row["margins"].update({f"{r.dim}/{r.seed}": [round(r.margin, 5), round(r.global_margin, 5)]
                                       for r in res.runs})
                row["temperature"] = {f"{r.dim}/{r.seed}": r.temperature for r in runs}
                per_seed = smallest_dims(runs, dims)
                row["per_seed"] = {str(s): {"query": q, "global": g} for s, (q, g) in per_seed.items()}
                if len(group) < len(args.seeds):
                    print(f"{loss:8s} n={n:4d} seeds {list(group)}: smallest d (query, global) "
                          f"{[per_seed[s] for s in group]}, {secs:.1f} s", flush=True)
                dump()
            done = runs
            row["status"] = "done" if len(done) == len(dims) * len(args.seeds) else (
                "partial" if done else "not run (budget spent)")
            if not done:
                dump()
                continue
            solved = [r.dim for r in done if r.solved]
            glob = [r.dim for r in done if r.global_margin > 0]
            row["query_dim"] = min(solved) if solved else None
            row["global_dim"] = min(glob) if glob else None
            row["paper_among_seeds"] = place_paper([v[1] for v in smallest_dims(done, dims).values()],
                                                   paper.get(n))
            dump()
            print(f"{loss:8s} n={n:4d} steps={args.steps:,}: smallest d query {row['query_dim']}, "
                  f"global {row['global_dim']} (paper {paper.get(n, '-')}), {row['seconds']:.1f} s",
                  flush=True)
            if len(args.seeds) > 1:
                pl = row["paper_among_seeds"]
                print(f"         per seed (query, global): {row['per_seed']}; "
                      f"the paper's {paper.get(n, '-')}: "
                      f"{pl['below']} seeds below, {pl['equal']} equal, {pl['above']} above, "
                      f"{pl['undecided']} undecided (percentile {pl['percentile']})", flush=True)
    dump()
    print(f"total {out['wall_seconds']:.1f} s on {out['device']}")
    return out


if __name__ == "__main__":
    main()

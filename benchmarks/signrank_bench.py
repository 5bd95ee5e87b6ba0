"""Sign-rank benchmarks (run by hand; figures go to docs/signrank.md, "Performance").

Sub-commands::

    python benchmarks/signrank_bench.py search --d 4 --seed 42 --start 7 [--protocol official]
            [--compile-cache .bench/jax-cache]
        one complete critical-n search with the official protocol (the official script's
        ``--d=4 --k=2 --enable_critical_n_search=7``); prints the sequence, verdicts and wall time.
        Time it as a whole process next to the official script (fetched separately, never
        committed), e.g. ``/usr/bin/time -v python free_embedding_experiment.py --d=4 --k=2
        --enable_critical_n_search=7 --device=cpu --results_output_path=/tmp/o.json`` (a fresh
        results path each time: the script reuses the verdicts it finds there).

    python benchmarks/signrank_bench.py step --n 626 --d 45 [--budget-gib 1] [--repeats 5]
        time of one optimiser step (loss + gradient + Adam + re-normalisation) at n, d,
        chunked under the memory budget and dense.

    python benchmarks/signrank_bench.py curve --d 8 --seeds 16 --ns 24,25,...,31
        a success curve (every seed at every n); wall time and time per optimiser step.

    python benchmarks/signrank_bench.py gpu [--dry-run] [--budget-s 420] [--out DIR]
        the device plan of benchmarks/gpu/signrank.sh: a d = 20 success curve (16 seeds), then
        the official-protocol table (seed 42) for d = 4, 5, ... while the budget lasts.

    python benchmarks/signrank_bench.py table --dims 4-12 --seeds 42
        the whole quick critical-n table (every d, every seed).
"""

from __future__ import annotations

import argparse
import json
import math
import time

import jax
import jax.numpy as jnp
import numpy as np


def _compile_cache(path):
    """JAX's persistent compilation cache in a project-local folder (``--compile-cache``)."""
    if path:
        jax.config.update("jax_compilation_cache_dir", path)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def _search(args):
    from embtheory.signrank import critical_n

    _compile_cache(args.compile_cache)
    t0 = time.perf_counter()
    (res,) = critical_n(args.d, seeds=[args.seed], start_n=args.start, bracket=args.bracket,
                        protocol=args.protocol)
    wall = time.perf_counter() - t0
    best = {t["n"]: round(t["best_accuracy"], 4) for t in res.trials}
    print(
        json.dumps(
            {
                "d": args.d,
                "seed": args.seed,
                "protocol": args.protocol,
                "official": res.official,
                "largest_solved": res.largest_solved,
                "first_failing": res.first_failing,
                "sequence": list(res.sequence),
                "best_accuracy": [best[n] for n in res.sequence],
                "wall_s": round(wall, 2),
            }
        )
    )


def _curve(args):
    from embtheory.signrank import success_curve

    _compile_cache(args.compile_cache)
    ns = [int(x) for x in args.ns.split(",")]
    seeds = list(range(args.seeds))
    t0 = time.perf_counter()
    cur = success_curve(args.d, ns, seeds=seeds)
    wall = time.perf_counter() - t0
    steps = sum(t["steps"] for row in cur.trials for t in row)
    print(json.dumps({"d": args.d, "ns": ns, "seeds": len(seeds), "fraction": cur.fraction.tolist(),
                      "n50": round(cur.n50, 2), "n50_band": [round(cur.n50_lo, 2), round(cur.n50_hi, 2)],
                      "trials": len(ns) * len(seeds), "total_steps": steps, "wall_s": round(wall, 2),
                      "us_per_step": round(1e6 * wall / max(steps, 1), 1)}))


def _step(args):
    from embtheory.signrank import Problem, Recipe, k_subsets, optimiser
    from embtheory.signrank.losses import chunk_for_budget

    n, dim = args.n, args.d
    rel = k_subsets(n, 2)
    m = rel.shape[0]
    out = {"n": n, "d": dim, "queries": m, "device": str(jax.devices()[0])}
    budget = args.budget_gib * 2**30
    for label, chunk in (("chunked", chunk_for_budget(m, n, budget)), ("dense", None)):
        m_pad = m if chunk is None else math.ceil(m / chunk) * chunk
        relp = np.zeros((m_pad, 2), np.int32)
        relp[:m] = rel
        prob = Problem(rel=jnp.asarray(relp), query_valid=jnp.arange(m_pad) < m, doc_valid=jnp.ones(n, bool))
        recipe = Recipe(chunk_size=chunk if chunk is not None and chunk < m_pad else None)
        alg = optimiser(prob, dim, recipe=recipe)
        state = alg.init(key=jax.random.key(0))
        f = jax.jit(alg.step)
        t0 = time.perf_counter()
        state = jax.block_until_ready(f(state))
        compile_s = time.perf_counter() - t0
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            state = jax.block_until_ready(f(state))
            times.append(time.perf_counter() - t0)
        out[label] = {
            "chunk": chunk,
            "first_call_s": round(compile_s, 3),
            "median_step_ms": round(1e3 * float(np.median(times)), 1),
            "min_step_ms": round(1e3 * float(np.min(times)), 1),
        }
    print(json.dumps(out))


def _table(args):
    from embtheory.signrank import critical_n

    lo, hi = (int(x) for x in args.dims.split("-"))
    seeds = [int(s) for s in args.seeds.split(",")]
    t0 = time.perf_counter()
    rows = []
    for d in range(lo, hi + 1):
        t = time.perf_counter()
        res = critical_n(d, seeds=seeds, bracket=args.bracket, protocol="official")
        rows.append(
            {
                "d": d,
                "solved": [r.largest_solved for r in res],
                "failing": [r.first_failing for r in res],
                "official": [r.official for r in res],
                "wall_s": round(time.perf_counter() - t, 1),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    print(json.dumps({"total_wall_s": round(time.perf_counter() - t0, 1), "dims": args.dims, "seeds": seeds}))


def _gpu(args):
    """The device plan: a d = 20 success curve over 16 seeds, then the official-protocol table
    (seed 42, started at the paper's n) for d = 4, 5, ... while the time budget lasts."""
    import os

    from embtheory.signrank import PUBLISHED_CRITICAL_N, Recipe, critical_n, success_curve

    _compile_cache(args.compile_cache)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "signrank_gpu.jsonl")
    recipe = Recipe(max_steps=300, patience=100) if args.dry_run else Recipe()
    t_start = time.perf_counter()

    def emit(row):
        row["elapsed_s"] = round(time.perf_counter() - t_start, 1)
        with open(path, "a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)

    emit({"event": "start", "device": str(jax.devices()[0]), "jax": jax.__version__, "dry_run": args.dry_run})
    d_curve, seeds, ns = (4, list(range(2)), [8, 9, 10]) if args.dry_run else \
        (20, list(range(16)), list(range(112, 130, 2)))
    t0 = time.perf_counter()
    cur = success_curve(d_curve, ns, seeds=seeds, recipe=recipe, num_bootstrap=200)
    steps = sum(t["steps"] for row in cur.trials for t in row)
    wall = time.perf_counter() - t0
    emit({"event": "curve", "d": d_curve, "ns": ns, "seeds": len(seeds), "fraction": cur.fraction.tolist(),
          "n50": cur.n50, "n50_band": [cur.n50_lo, cur.n50_hi], "wall_s": round(wall, 2),
          "total_steps": steps, "us_per_step": round(1e6 * wall / max(steps, 1), 1)})
    dims = [4] if args.dry_run else list(range(4, 46))
    for d in dims:
        if time.perf_counter() - t_start > args.budget_s:
            emit({"event": "stop", "reason": f"time budget {args.budget_s} s spent before d={d}"})
            break
        t0 = time.perf_counter()
        (res,) = critical_n(d, seeds=[42], start_n=PUBLISHED_CRITICAL_N[d], recipe=recipe)
        emit({"event": "search", "d": d, "paper": PUBLISHED_CRITICAL_N[d], "official": res.official,
              "largest_solved": res.largest_solved, "first_failing": res.first_failing,
              "sequence": list(res.sequence), "wall_s": round(time.perf_counter() - t0, 2)})
    emit({"event": "done"})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("search")
    s.add_argument("--d", type=int, default=4)
    s.add_argument("--seed", type=int, default=42)
    s.add_argument("--start", type=int, default=11)
    s.add_argument("--bracket", type=int, default=4)
    s.add_argument("--protocol", default="official", choices=["official", "bracketed"])
    s.add_argument("--compile-cache", default="", help="persistent JAX compilation cache folder")
    s.set_defaults(fn=_search)
    s = sub.add_parser("curve")
    s.add_argument("--d", type=int, default=8)
    s.add_argument("--ns", default="24,25,26,27,28,29,30,31")
    s.add_argument("--seeds", type=int, default=16)
    s.add_argument("--compile-cache", default="", help="persistent JAX compilation cache folder")
    s.set_defaults(fn=_curve)
    s = sub.add_parser("step")
    s.add_argument("--n", type=int, default=626)
    s.add_argument("--d", type=int, default=45)
    s.add_argument("--budget-gib", type=float, default=1.0)
    s.add_argument("--repeats", type=int, default=5)
    s.set_defaults(fn=_step)
    s = sub.add_parser("gpu")
    s.add_argument("--out", default=".bench/signrank-gpu")
    s.add_argument("--budget-s", type=float, default=420.0, help="stop starting new d after this long")
    s.add_argument("--dry-run", action="store_true", help="tiny sizes and short runs (CPU check)")
    s.add_argument("--compile-cache", default="", help="persistent JAX compilation cache folder")
    s.set_defaults(fn=_gpu)
    s = sub.add_parser("table")
    s.add_argument("--dims", default="4-12")
    s.add_argument("--seeds", default="42")
    s.add_argument("--bracket", type=int, default=4)
    s.set_defaults(fn=_table)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()

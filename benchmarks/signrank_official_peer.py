"""Whole-process timings of this package's sign-rank searches next to the authors' own code.

Run by hand; figures go to docs/bench_signrank.md.  The peers' scripts are fetched separately
(never committed, never imported here): this file only runs them as subprocesses with their own
command lines, so both sides can be timed as whole processes by any outside timer
(``/usr/bin/time -v``, or a timer that alternates the two commands, A B A B).

Sub-commands::

    python benchmarks/signrank_official_peer.py official-ours [--d 4 --start 7 --seed 42] [--certify]
        the official protocol's critical-n search (``critical_n(d, seeds=[seed], start_n=start)``),
        cold: no persistent compilation cache.  Without ``--certify`` the solved verdicts are not
        backed by a certificate (the official script has none either).

    python benchmarks/signrank_official_peer.py official-peer --script PATH [--python EXE]
            [--d 4 --start 7 --seed 42]
        the official script (google-deepmind/limit ``code/free_embedding_experiment.py``) with
        ``--d --k=2 --enable_critical_n_search --seed --device=cpu`` and a fresh results file
        (it reuses verdicts it finds there).  Its command line passes every absl flag into the
        optimiser, which raises a TypeError that the search catches, so an unpatched copy
        "finishes" without training: patch the local copy to pass only its own parameters.

    python benchmarks/signrank_official_peer.py frontier-ours [--n 40 --dims 5-8 --steps 10000 --seed 0]
        :func:`embtheory.signrank.min_dimension` with the sigmoid frontier recipe, every dim in
        one launch.

    python benchmarks/signrank_official_peer.py frontier-peer --script PATH [--python EXE]
            [--n 40 --dims 5-8 --steps 10000 --seed 0]
        the frontier authors' sigmoid script (BangachevKiril/TopK ``embed_data/sigmoid_embed.py``)
        once per dim with every pair as a query (``--p 1.0``), the bias fixed at 0 as this
        package's default (``--relative_bias 0``), on the CPU; prints each dim's final global
        margin as the script reports it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

#: the accuracies the official script's search reads (its verdict: the largest is 1.0)
_OFFICIAL_ACCURACIES = ("max_accuracy_observed", "best_accuracy_monitored", "last_logged_accuracy",
                        "final_accuracy")


def _dims(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def _official_ours(args):
    from embtheory.signrank import critical_n

    t0 = time.perf_counter()
    (res,) = critical_n(args.d, seeds=[args.seed], start_n=args.start, certify_solved=args.certify)
    print(json.dumps({"side": "ours", "d": args.d, "official": res.official,
                      "largest_solved": res.largest_solved, "first_failing": res.first_failing,
                      "sequence": res.sequence, "steps": {t["n"]: t["steps"] for t in res.trials},
                      "search_s": round(time.perf_counter() - t0, 2)}))


def _official_peer(args):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results.json")
        cmd = [args.python, args.script, f"--d={args.d}", "--k=2", f"--enable_critical_n_search={args.start}",
               f"--seed={args.seed}", "--device=cpu", "--show_progress=false", f"--results_output_path={out}"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        verdicts = {}
        if os.path.exists(out):
            with open(out) as f:
                for rec in json.load(f):
                    n, metrics = rec.get("parameters", {}).get("n"), rec.get("metrics", {})
                    seen = [metrics.get(f) for f in _OFFICIAL_ACCURACIES]
                    seen = [float(v) for v in seen if isinstance(v, (int, float))]
                    if n is not None:
                        verdicts[n] = max(seen) if seen else None
    print(json.dumps({"side": "official", "returncode": proc.returncode, "d": args.d,
                      "best_accuracy": dict(sorted(verdicts.items())), "wall_s": round(wall, 2)}))
    if proc.returncode:
        sys.stderr.write(proc.stderr[-4000:])


def _frontier_ours(args):
    from embtheory.signrank import FrontierRecipe, min_dimension

    t0 = time.perf_counter()
    res = min_dimension(args.n, loss="sigmoid", dims=_dims(args.dims), seeds=[args.seed],
                        recipe=FrontierRecipe.of("sigmoid", steps=args.steps))
    print(json.dumps({"side": "ours", "n": args.n, "dim": res.dim, "global_dim": res.global_dim,
                      "global_margin": {r.dim: round(float(r.global_margin), 5) for r in res.runs},
                      "wall_s": round(time.perf_counter() - t0, 2)}))


def _frontier_peer(args):
    margins = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for d in _dims(args.dims):
            cmd = [args.python, args.script, "--n", str(args.n), "--d", str(d), "--k", "2", "--p", "1.0",
                   "--num_steps", str(args.steps), "--save_every", str(args.steps),
                   "--save_path", os.path.join(tmp, f"d{d}"), "--seed", str(args.seed), "--device", "cpu",
                   "--relative_bias", "0"]
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            found = re.findall(r"margin=(-?[0-9.eE+-]+|nan)", proc.stdout)
            margins[d] = float(found[-1]) if found else None
            if proc.returncode:
                sys.stderr.write(proc.stderr[-4000:])
    # the script reports half the gap; twice it is this package's global margin
    print(json.dumps({"side": "peer", "n": args.n, "global_margin": {d: None if m is None else round(2 * m, 5)
                                                                     for d, m in margins.items()},
                      "wall_s": round(time.perf_counter() - t0, 2)}))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("official-ours", "official-peer"):
        s = sub.add_parser(name)
        s.add_argument("--d", type=int, default=4)
        s.add_argument("--start", type=int, default=7)
        s.add_argument("--seed", type=int, default=42)
        if name == "official-ours":
            s.add_argument("--certify", action="store_true")
    for name in ("frontier-ours", "frontier-peer"):
        s = sub.add_parser(name)
        s.add_argument("--n", type=int, default=40)
        s.add_argument("--dims", default="5-8")
        s.add_argument("--steps", type=int, default=10_000)
        s.add_argument("--seed", type=int, default=0)
    for name in ("official-peer", "frontier-peer"):
        sub.choices[name].add_argument("--script", required=True)
        sub.choices[name].add_argument("--python", default=sys.executable)
    args = p.parse_args(argv)
    {"official-ours": _official_ours, "official-peer": _official_peer, "frontier-ours": _frontier_ours,
     "frontier-peer": _frontier_peer}[args.cmd](args)


if __name__ == "__main__":
    main()

"""The frontier table script's seed options: per-seed smallest d and the paper's place among seeds."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from embtheory.signrank import FrontierRun

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks/signrank_frontier_table.py"


def _script():
    spec = importlib.util.spec_from_file_location("signrank_frontier_table", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(dim, seed, margin, global_margin):
    return FrontierRun(n=10, dim=dim, seed=seed, solved=margin > 0, margin=margin,
                       global_margin=global_margin, violations=0 if margin > 0 else 1, loss=0.0,
                       scale=1.0, bias=0.0, temperature=0.1)


def test_smallest_dims_per_seed_with_censoring():
    mod = _script()
    runs = [
        # seed 0: query certifies from d = 4 (the lowest tried), global from d = 6
        _run(4, 0, 0.1, -0.2), _run(5, 0, 0.1, -0.01), _run(6, 0, 0.2, 0.01), _run(7, 0, 0.3, 0.02),
        # seed 3: query from 5, global never (not monotone in d: 6 certifies per query, 7 not)
        _run(4, 3, -0.1, -0.3), _run(5, 3, 0.01, -0.1), _run(6, 3, 0.02, -0.1), _run(7, 3, -0.01, -0.2),
        # seed 7: global at the lowest d already
        _run(4, 7, 0.3, 0.05), _run(5, 7, 0.3, -0.01), _run(6, 7, 0.3, 0.05), _run(7, 7, 0.3, 0.05),
    ]
    got = mod.smallest_dims(runs, [4, 5, 6, 7])
    assert got == {0: ("<=4", "6"), 3: ("5", ">7"), 7: ("<=4", "<=4")}


def test_place_paper_counts_and_percentile():
    mod = _script()
    # hand count: paper 19; seeds 17, 19, 19, 20, >21 -> 1 below, 2 equal, 2 above; (1 + 1) / 5 = 40 %
    got = mod.place_paper(["17", "19", "19", "20", ">21"], 19)
    assert got == {"below": 1, "equal": 2, "above": 2, "undecided": 0, "seeds": 5, "percentile": 40.0}
    # censored answers that straddle the paper's value stay undecided, and no percentile is claimed
    got = mod.place_paper(["<=14", "<=19", ">18", "15"], 19)
    assert (got["below"], got["equal"], got["above"], got["undecided"]) == (2, 0, 0, 2)
    assert got["percentile"] is None
    assert mod.place_paper([">30"], None)["undecided"] == 1


def test_dry_run_with_two_seeds(tmp_path):
    out_path = tmp_path / "t.json"
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--dry-run", "--losses", "infonce",
                           "--seeds", "0", "1", "--seed-by-seed", "--out", str(out_path)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(out_path.read_text())
    (row,) = out["rows"]
    assert row["status"] == "done" and row["seeds"] == [0, 1] and row["steps"] == 20
    assert [lc["seeds"] for lc in row["launches"]] == [[0], [1]]
    assert set(row["margins"]) == {"2/0", "3/0", "2/1", "3/1"}
    # every seed's smallest d, recomputed here from the stored margins
    for seed in (0, 1):
        for col, name in ((0, "query"), (1, "global")):
            good = sorted(int(k.split("/")[0]) for k, v in row["margins"].items()
                          if int(k.split("/")[1]) == seed and v[col] > 0)
            want = ">3" if not good else ("<=2" if good[0] == 2 else str(good[0]))
            assert row["per_seed"][str(seed)][name] == want
    # n = 6 is not in the paper's table: no placement is claimed
    assert row["paper"] == "-" and row["paper_among_seeds"]["percentile"] is None
    assert out["load_start"] and out["jax"]
    assert "per seed (query, global)" in proc.stdout


def test_repeated_seeds_rejected():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--dry-run", "--seeds", "0", "0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "--seeds" in proc.stderr

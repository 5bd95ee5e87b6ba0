"""``signrank-frontier`` end to end at its tiny size, through the runner, into a tmp store."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embtheory.cli import discover
from embtheory.core import ResultStore
from embtheory.core.experiment import run_experiment
from embtheory.signrank import certify, neighbourly_embedding


@pytest.fixture(scope="module")
def exp():
    return {e.name: e for e in discover()}["signrank-frontier"]


def test_frontier_tiny(exp, tmp_path):
    assert exp.typed and exp.revision >= 1 and exp.x64
    cfg = exp.make_config("tiny")
    store = ResultStore(tmp_path / "store")
    res = run_experiment(exp, out=tmp_path, store=store, size="tiny", seed=0, progress=False)
    summary = json.loads((tmp_path / exp.name / "frontier.json").read_text())
    # one stored unit per (loss, n, dim, seed) run and one per precision limit
    scoped = store.scoped(experiment=exp.name, revision=exp.revision)
    runs = [r for r in scoped.records() if r["config"].get("experiment") == "signrank-min-dimension"]
    assert len(runs) == len(cfg.losses) * len(cfg.ns) * len(cfg.dims) * len(cfg.seeds)
    for r in runs:
        out = r["result"]
        assert out["solved"] == (out["margin"] > 0)
        assert out["global_margin"] <= out["margin"] + 1e-6  # one threshold is the stricter criterion
    # the smallest certified d is the smallest dim whose stored run has margin > 0
    for loss in cfg.losses:
        mine = [r["result"] for r in runs if r["config"]["recipe"]["loss"] == loss]
        by_dim = {r["dim"]: r["margin"] for r in mine}
        solved = [d for d, m in by_dim.items() if m > 0]
        assert summary["ours"][loss]["6"][0] == (min(solved) if solved else None)
    # precision limits: float32 and float64 entries; the neighbourly one certifies every n up to the tiny cap
    prec = summary["precision"]
    assert set(prec) == {"neighbourly-float32", "neighbourly-float64", "moment_curve-float32",
                         "moment_curve-float64"}
    nb = prec["neighbourly-float64"]
    assert nb["dim"] == 4 and nb["capped"] and nb["largest_certified"] == cfg.precision_n_max
    e = neighbourly_embedding(nb["largest_certified"], 2)
    assert certify(e.q, e.d, k=2, dtype=np.float32).solved
    # the tables and the figure
    table = (tmp_path / exp.name / "frontier_table.md").read_text().splitlines()
    assert any(line.startswith("| 6 |") for line in table) and "Thm 1" in table[0]
    assert any(line.startswith("| neighbourly | 4 | float64 | >= ") for line in table)
    assert {p.name for p in res.report.files} >= {"frontier.png", "frontier.pdf", "frontier.json",
                                                  "frontier_table.md"}
    assert all(p.exists() for p in res.report.files)
    again = run_experiment(exp, out=tmp_path, store=store, size="tiny", seed=0, progress=False)
    assert again.report.lines == res.report.lines

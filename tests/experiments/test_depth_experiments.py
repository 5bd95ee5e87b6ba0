"""The depth experiments end to end at their tiny size, through the runner, into a tmp store."""

from __future__ import annotations

import numpy as np
import pytest

from embtheory.cli import discover
from embtheory.core import ResultStore
from embtheory.core.experiment import run_experiment


@pytest.fixture(scope="module")
def experiments():
    return {e.name: e for e in discover()}


def _run(exp, tmp_path, seed=0):
    store = ResultStore(tmp_path / "store")
    res = run_experiment(exp, out=tmp_path, store=store, size="tiny", seed=seed, progress=False)
    return res, store.scoped(experiment=exp.name, revision=exp.revision)


def test_type1_error_tiny(experiments, tmp_path, monkeypatch):
    exp = experiments["depth-type1-error"]
    assert exp.typed and exp.revision >= 1
    cfg = exp.make_config("tiny")
    res, store = _run(exp, tmp_path)
    recs = store.records()
    assert len(recs) == len(cfg.families) * len(cfg.mn)
    for r in recs:
        out = r["result"]
        for kind in ("asymptotic", "permutation"):
            rate = out[kind]
            assert 0.0 <= rate <= 1.0
            assert rate * cfg.trials == pytest.approx(round(rate * cfg.trials))  # a count over trials
            assert sum(out[f"hist_{kind}"]) == cfg.trials  # every p-value lies in [0, 1]
    assert any("binomial 95% band for 16 trials" in line for line in res.report.lines)
    assert {p.name for p in res.report.files} >= {"depth_type1_error.png", "depth_null_pvalues.png"}
    assert all(p.exists() for p in res.report.files)
    # resuming computes nothing
    mod = __import__(exp.run.__module__, fromlist=["unit"])
    monkeypatch.setattr(mod, "unit", lambda c: (_ for _ in ()).throw(AssertionError("recomputed")))
    again, _ = _run(exp, tmp_path)
    assert again.report.lines == res.report.lines


def test_power_curves_tiny_detects_a_large_shift(experiments, tmp_path):
    exp = experiments["depth-power-curves"]
    cfg = exp.make_config("tiny")
    _res, store = _run(exp, tmp_path)
    by = {(r["config"]["family"], r["config"]["shift"]): r["result"] for r in store.records()}
    assert len(by) == len(cfg.gaussian) + len(cfg.spherical)
    big_g = by[("gaussian", max(cfg.gaussian))]
    big_s = by[("spherical", max(cfg.spherical))]
    # a 2.5-s.d. shift and a 0.6-rad rotation are rejected in most of the 16 trials even at
    # m = n = 40 (quick size, m = n = 100: 1.00 at a shift of 2)
    assert big_g["asymptotic"] >= 0.6 and big_s["asymptotic"] >= 0.6
    assert big_g["permutation"] >= 0.6
    for fam, grid in (("gaussian", cfg.gaussian), ("spherical", cfg.spherical)):
        null = by[(fam, 0)]
        assert null["asymptotic"] <= 0.3  # 16 null trials at alpha = 0.05
        assert by[(fam, max(grid))]["asymptotic"] >= null["asymptotic"] + 0.4
        # Liu & Singh's Q is 1/2 under no shift and falls as G leaves F
        assert by[(fam, max(grid))]["q_liu_singh"] < null["q_liu_singh"]
        assert 0.2 < null["q_liu_singh"] < 0.8
    assert (tmp_path / "depth-power-curves" / "depth_power_curves.png").exists()
    assert "power (normal / permutation)" in (tmp_path / "depth-power-curves" / "report.md").read_text()


def test_seed_changes_the_draws(experiments, tmp_path):
    exp = experiments["depth-power-curves"]
    _, a = _run(exp, tmp_path / "a", seed=0)
    _, b = _run(exp, tmp_path / "b", seed=1)
    qa = np.array([r["result"]["q"] for r in a.records()])
    qb = np.array([r["result"]["q"] for r in b.records()])
    assert not np.array_equal(qa, qb)

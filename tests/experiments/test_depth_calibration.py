"""The depth-type1-error experiment end to end at its tiny size, through the runner, into a tmp store."""

from __future__ import annotations

import pytest
from experiment_runs import run_tiny


def test_type1_error_tiny(experiments, tmp_path, monkeypatch):
    exp = experiments["depth-type1-error"]
    assert exp.typed and exp.revision >= 1
    cfg = exp.make_config("tiny")
    res, store = run_tiny(exp, tmp_path)
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
    again, _ = run_tiny(exp, tmp_path)
    assert again.report.lines == res.report.lines

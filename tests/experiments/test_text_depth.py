"""text-depth-central and text-dd-plots end to end at their tiny size, through the runner."""

from __future__ import annotations

import pytest
from experiment_runs import run_records


@pytest.mark.data
def test_depth_central_tiny(experiments, model, tmp_path):
    exp = experiments["text-depth-central"]
    _res, recs = run_records(exp, tmp_path)
    assert len(recs) == 2
    for _cfg, out in recs:
        for cls in out["classes"].values():
            dc, do = cls["depth_central"], cls["depth_outlying"]
            assert dc == sorted(dc, reverse=True) and do == sorted(do)
            assert dc[0] == pytest.approx(max(cls["depths"])) and do[0] == pytest.approx(min(cls["depths"]))
            assert dc[0] > do[0] and cls["central"][0] != cls["outlying"][0]
            assert -1.0 <= cls["rho_depth_length"] <= 1.0
        q = out["depth_quantiles"]
        assert q == sorted(q)
    assert "most central" in (tmp_path / "text-depth-central" / "central_outlying.md").read_text()


@pytest.mark.data
def test_dd_plots_tiny_separates_topics_not_sentiment_snippets(experiments, model, tmp_path):
    _res, recs = run_records(experiments["text-dd-plots"], tmp_path)
    sep = {(c["F"], c["G"]): out["separation"] for c, out in recs}
    # quick size: SST-2 vs MR 49.6 %, SST-2 vs TREC 95.4 %
    assert sep[("sst2", "trec")] > 0.75
    assert sep[("sst2", "trec")] > sep[("sst2", "mr")] + 0.15
    for _c, out in recs:
        assert len(out["depth_F"]) == len(out["depth_G"]) == len(out["from_G"])
    assert (tmp_path / "text-dd-plots" / "dd_plots.png").exists()

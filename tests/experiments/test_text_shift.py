"""text-shift-corpora and text-shift-augment end to end at their tiny size, through the runner."""

from __future__ import annotations

import pytest
from experiment_runs import run_records


@pytest.mark.data
def test_shift_corpora_tiny_rejects_sst2_vs_cr(experiments, model, tmp_path):
    _res, recs = run_records(experiments["text-shift-corpora"], tmp_path)
    by = {(c["F"], c["G"]): out for c, out in recs}
    assert set(by) == {("sst2", "cr"), ("cr", "sst2")}
    out = by[("sst2", "cr")]
    # quick size: everything tested against CR is rejected with Q below 0.1
    assert out["p"] < 0.05 and out["p_perm"] <= 0.05 and out["Q"] < 0.3
    for o in by.values():
        assert 0 < o["p_perm"] <= 1 and 0 <= o["Q"] <= 1 and o["m"] == o["n"] == 36


@pytest.mark.data
def test_shift_augment_tiny(experiments, model, tmp_path):
    exp = experiments["text-shift-augment"]
    _res, recs = run_records(exp, tmp_path)
    by = {c["method"]: out for c, out in recs}
    assert set(by) == {"none", "delete"}
    for o in by.values():
        assert o["m"] == o["n"] == 24 and 0 <= o["p"] <= 1 and 0.01 <= o["p_perm"] <= 1
    # deleting half the words makes G more outlying than the unchanged control
    assert by["delete"]["Q"] < by["none"]["Q"] and by["delete"]["z"] > by["none"]["z"]
    assert by["none"]["example"][0] == by["none"]["example"][1]
    assert by["delete"]["example"][0] != by["delete"]["example"][1]

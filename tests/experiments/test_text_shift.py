"""text-shift-corpora and text-shift-augment end to end at their tiny size, through the runner."""

from __future__ import annotations

import sys

import pytest

from embtheory.cli import discover
from embtheory.core import ResultStore
from embtheory.core.experiment import run_experiment


@pytest.fixture(scope="module")
def experiments():
    return {e.name: e for e in discover()}


@pytest.fixture(scope="module")
def model(experiments):
    common = sys.modules.get("_text_common")
    try:
        common.encoder()
    except Exception as e:  # the weights are an optional package
        pytest.skip(f"MiniLM weights unavailable: {e}")
    return common


def _run(exp, tmp_path, seed=0):
    store = ResultStore(tmp_path / "store")
    res = run_experiment(exp, out=tmp_path, store=store, size="tiny", seed=seed, progress=False)
    recs = store.scoped(experiment=exp.name, revision=exp.revision).records()
    return res, [(r["config"], r["result"]) for r in recs]


@pytest.mark.data
def test_shift_corpora_tiny_rejects_sst2_vs_cr(experiments, model, tmp_path):
    _res, recs = _run(experiments["text-shift-corpora"], tmp_path)
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
    _res, recs = _run(exp, tmp_path)
    by = {c["method"]: out for c, out in recs}
    assert set(by) == {"none", "delete"}
    for o in by.values():
        assert o["m"] == o["n"] == 24 and 0 <= o["p"] <= 1 and 0.01 <= o["p_perm"] <= 1
    # deleting half the words makes G more outlying than the unchanged control
    assert by["delete"]["Q"] < by["none"]["Q"] and by["delete"]["z"] > by["none"]["z"]
    assert by["none"]["example"][0] == by["none"]["example"][1]
    assert by["delete"]["example"][0] != by["delete"]["example"][1]

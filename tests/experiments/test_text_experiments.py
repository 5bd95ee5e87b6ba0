"""The real-text experiments end to end at their tiny size, through the runner, into a tmp store.

Those that need the corpora are marked ``data``; those that also need the MiniLM weights skip
when the model package is absent.  The text-selection key test needs neither.
"""

from __future__ import annotations

import sys

import jax
import numpy as np
import pytest

from embtheory.cli import discover
from embtheory.core import ResultStore
from embtheory.core.experiment import run_experiment


@pytest.fixture(scope="module")
def experiments():
    return {e.name: e for e in discover()}


def _module(exp):
    return sys.modules[exp.run.__module__]


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


# --- the key collision of text-select-kshot --------------------------------------------------------


def test_random_baseline_keys_differ_between_corpora_of_equal_name_length(experiments, monkeypatch):
    """SST-2, SUBJ and TREC (names of 4 letters) once shared one random baseline."""
    mod = _module(experiments["text-select-kshot"])
    common = sys.modules["_text_common"]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 8)).astype(np.float32)
    y = np.repeat(np.arange(2), 15)
    # the same sentences and embeddings for every corpus: only the key can tell them apart
    monkeypatch.setattr(common, "corpus_sample", lambda name, n, seed: ([f"s{i}" for i in range(30)], y))
    monkeypatch.setattr(common, "embed", lambda cache, corpus, sentences, **kw: X)
    cfg = dict(n=30, seed=0, model="m", ks=[1, 2], repeats=2, batch_size=8)
    picks = {c: mod.unit(dict(cfg, corpus=c), cache=None, progress=False)["random_first"]
             for c in ("sst2", "subj", "trec")}
    assert picks["sst2"] != picks["subj"] and picks["sst2"] != picks["trec"]
    assert picks["subj"] != picks["trec"]
    # the derivation names the purpose: distinct for all five corpora, stable across calls
    keys = [jax.random.key_data(mod.selection_key(0, c, 1, 0)).tolist() for c in common.CORPORA]
    assert len({tuple(k) for k in keys}) == len(keys)
    assert keys[0] == jax.random.key_data(mod.selection_key(0, "sst2", 1, 0)).tolist()
    # the old derivation (fold the name's length into the key) collides for these names
    old = {c: tuple(jax.random.key_data(jax.random.fold_in(jax.random.key(0), len(c))).tolist())
           for c in ("sst2", "subj", "trec")}
    assert len(set(old.values())) == 1


# --- tiny end-to-end runs on the real data -------------------------------------------------------


@pytest.mark.data
def test_limit_small_bm25_tiny_matches_the_paper(experiments, tmp_path):
    res, recs = _run(experiments["text-limit-small"], tmp_path)
    ((cfg, out),) = recs
    assert cfg["method"] == "bm25"
    # Weller et al. 2025: BM25 recall@2/10/20 = 97.8 / 100 / 100 on LIMIT-small; our tokenisation
    # (lower-cased words, no stemming) solves slightly more: 0.9915 (docs/text.md)
    assert out["recall"]["2"] == pytest.approx(0.9915, abs=1e-4)
    assert out["recall"]["2"] == pytest.approx(0.978, abs=0.015)
    assert out["recall"]["10"] == pytest.approx(1.0, abs=0.005) and out["recall"]["20"] == pytest.approx(1.0)
    assert any(line.startswith("BM25: recall@2/10/20") for line in res.report.lines)
    assert (tmp_path / "text-limit-small" / "limit_small_recall.md").exists()


@pytest.mark.data
def test_select_kshot_tiny(experiments, model, tmp_path):
    exp = experiments["text-select-kshot"]
    cfg = exp.make_config("tiny")
    _res, recs = _run(exp, tmp_path)
    assert sorted(c["corpus"] for c, _ in recs) == sorted(cfg.corpora)
    firsts = []
    for c, out in recs:
        n_classes = len(model.CLASS_NAMES[c["corpus"]])
        assert out["pool"] + out["test"] == (cfg.per_corpus // n_classes) * n_classes
        for k in cfg.ks:
            for m in ("depth", "centroid", "diversity", "random"):
                mean, sd = out["acc"][f"mean/{m}/{k}"]
                assert 0.0 <= mean <= 1.0 and sd >= 0.0
                if m != "random":
                    assert sd == 0.0  # deterministic selections
        assert 0.0 <= out["acc_all_pool"] <= 1.0
        if c["corpus"] == "trec":  # six question types: class means are far better than chance (1/6)
            assert out["acc_all_pool"] > 2.0 / n_classes
        firsts.append(out["random_first"])
    assert firsts[0] != firsts[1]
    assert (tmp_path / "text-select-kshot" / "kshot_selection.png").exists()


@pytest.mark.data
def test_depth_central_tiny(experiments, model, tmp_path):
    exp = experiments["text-depth-central"]
    _res, recs = _run(exp, tmp_path)
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
    _res, recs = _run(experiments["text-dd-plots"], tmp_path)
    sep = {(c["F"], c["G"]): out["separation"] for c, out in recs}
    # quick size: SST-2 vs MR 49.6 %, SST-2 vs TREC 95.4 %
    assert sep[("sst2", "trec")] > 0.75
    assert sep[("sst2", "trec")] > sep[("sst2", "mr")] + 0.15
    for _c, out in recs:
        assert len(out["depth_F"]) == len(out["depth_G"]) == len(out["from_G"])
    assert (tmp_path / "text-dd-plots" / "dd_plots.png").exists()


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

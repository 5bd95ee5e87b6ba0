"""text-select-kshot end to end at its tiny size, and the keys of its random baseline."""

from __future__ import annotations

import sys

import jax
import numpy as np
import pytest
from experiment_runs import run_records


def _module(exp):
    return sys.modules[exp.run.__module__]


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
    # folding only the name's length into the key would collide for these names
    old = {c: tuple(jax.random.key_data(jax.random.fold_in(jax.random.key(0), len(c))).tolist())
           for c in ("sst2", "subj", "trec")}
    assert len(set(old.values())) == 1


@pytest.mark.data
def test_select_kshot_tiny(experiments, model, tmp_path):
    exp = experiments["text-select-kshot"]
    cfg = exp.make_config("tiny")
    _res, recs = run_records(exp, tmp_path)
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

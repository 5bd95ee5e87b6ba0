"""``signrank-real-problems`` end to end at its tiny size, through the runner, and its parts
against references written here."""

from __future__ import annotations

import numpy as np
import pytest

from embtheory.cli import discover
from embtheory.core import ResultStore
from embtheory.core.experiment import run_experiment
from embtheory.signrank import as_qrels, margin_dimension_bound


@pytest.fixture(scope="module")
def experiment():
    return {e.name: e for e in discover()}["signrank-real-problems"]


def _module(experiment):
    import sys

    return sys.modules[experiment.run.__module__]


def test_real_problems_tiny(experiment, tmp_path):
    assert experiment.typed and experiment.area == "signrank"
    store = ResultStore(tmp_path / "store")
    res = run_experiment(experiment, out=tmp_path, store=store, size="tiny", seed=0, progress=False)
    lines = res.report.lines
    assert [ln.split(" (")[0] for ln in lines[:3]] == ["random", "cycle", "disjoint"]
    assert lines[3].startswith("every 3-subset of 6 documents")
    # the construction certifies every pattern, and the 2k construction every 3-subset, in d = 2k;
    # at d = 2k the official recipe finds the 3-subsets of 6 too
    assert all("construction in d = 4: certified" in ln for ln in lines[:3])
    assert "construction in d = 6: certified" in lines[3] and "official seed 0: d=6;" in lines[3]
    # Theorem 1 on the disjoint pattern: 6 distinct pairs, d >= ceil(ln 6 / ln 11) = 1
    assert "Theorem 1 (gamma 0.1) d >= 1;" in lines[2]
    assert f"d >= {margin_dimension_bound(6, 3, 0.1)}" in lines[3]
    assert lines[-1].startswith("size: tiny") and res.report.files
    # every run is a stored unit: a second call recomputes nothing and says the same
    again = run_experiment(experiment, out=tmp_path / "again", store=store, size="tiny", seed=0,
                           progress=False)
    assert again.report.lines == lines


def test_neighbourly_rows_rank_each_query_first(experiment):
    mod = _module(experiment)
    qr = as_qrels([[0, 5], [2, 3], [1, 7], [4, 6]], n_docs=9)
    q, d = mod.neighbourly_rows(qr)
    assert q.shape == (4, 4) and d.shape == (9, 4)
    s = q.astype(np.float64) @ d.astype(np.float64).T
    for i, r in enumerate(qr.index.tolist()):  # the two relevant documents score above every other
        others = [j for j in range(9) if j not in r]
        assert s[i, r].min() > s[i, others].max()

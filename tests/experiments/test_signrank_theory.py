"""The sign-rank theory experiments (Table 1, precision, LIMIT qrels) end to end at their tiny size,
through the runner."""

from __future__ import annotations

import pytest

from embtheory.core import ResultStore
from embtheory.core.experiment import run_experiment
from embtheory.signrank import margin_dimension_bound, moment_curve_gap


def _run(exp, tmp_path):
    store = ResultStore(tmp_path / "store")
    res = run_experiment(exp, out=tmp_path, store=store, size="tiny", seed=0, progress=False)
    return res, store.scoped(experiment=exp.name, revision=exp.revision)


def test_table1_tiny(experiments, tmp_path):
    exp = experiments["signrank-table1"]
    assert exp.typed and exp.revision >= 1
    res, _ = _run(exp, tmp_path)
    assert res.report.lines[-1] == "Table 1 reproduced exactly"
    want = [margin_dimension_bound(10**e, 2, 0.1) for e in range(2, 12)]
    assert res.report.lines[0].startswith(f"k=2: ours {want}")
    rows = (tmp_path / "signrank-table1" / "table1.md").read_text().splitlines()
    assert rows[2] == "| k=2, ours | " + " | ".join(map(str, want)) + " |"
    assert rows[3] == "| k=2, paper | 4 | 6 | 8 | 10 | 12 | 14 | 16 | 17 | 19 | 21 |"


def test_precision_and_qrels_tiny(experiments, tmp_path):
    exp = experiments["signrank-precision"]
    res, store = _run(exp, tmp_path)
    gaps = [r["result"] for r in store.records() if r["config"].get("experiment") == "signrank-precision-gap"]
    assert gaps and all(set(g) >= {"n", "min_gap", "exact_min_gap", "solved"} for g in gaps)
    g = next(g for g in gaps if g["dtype"] == "float64")
    assert g["min_gap"] == pytest.approx(moment_curve_gap(g["n"], 2, dtype="float64").min_gap)
    assert any(line.startswith("moment curve, float32: first failing n = k=1") for line in res.report.lines)
    table = (tmp_path / exp.name / "precision_table.md").read_text()
    assert "| k = 1 (3 dims) |" in table and "| exact smallest gap |" in table
    exp = experiments["signrank-limit-qrels"]
    res, _ = _run(exp, tmp_path / "q")
    assert len(res.report.lines) == 4 and all("density" in line for line in res.report.lines)
    # the disjoint pattern's query graph has no edges at all
    assert "generated disjoint" in res.report.lines[3] and "density 0.000000" in res.report.lines[3]


def test_growth_fits_table_puts_the_paper_beside_each_fit(experiments, tmp_path):
    exp = experiments["signrank-growth-fits"]
    _run(exp, tmp_path)
    rows = (tmp_path / exp.name / "growth_fits_table.md").read_text().splitlines()
    assert rows[0] == "| fit | r^2 | d=512 | d=768 | d=1024 | d=3072 | d=4096 |"
    assert rows[2].startswith("| paper (quoted, not computed here) | 0.999 | ~500k |")
    # the published cubic refitted: 509k at d = 512 and 253M at d = 4096
    assert rows[3].startswith("| cubic, all d (the paper's form) | 0.99858 | 509k |") and rows[3].endswith(
        " 253M |")
    assert rows[-1].startswith("| cubic, bootstrap 90% band (100 resamples) | |")

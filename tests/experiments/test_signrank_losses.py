"""signrank-loss-variants end to end at its tiny size, into a tmp store."""

from __future__ import annotations

import re

from embtheory.core import ResultStore
from embtheory.core.experiment import run_experiment


def test_loss_variants_tiny_report_says_none_rather_than_zero(experiments, tmp_path):
    """A loss that solves nothing is reported as "none solved" with the n tried, never as critical n 0."""
    exp = experiments["signrank-loss-variants"]
    cfg = exp.make_config("tiny")
    res = run_experiment(exp, out=tmp_path, store=ResultStore(tmp_path / "store"), size="tiny", seed=0,
                         progress=False)
    assert len(res.report.lines) == len(cfg.losses)
    for loss, line in zip(cfg.losses, res.report.lines):
        assert line.startswith(f"{loss}: median largest solved n d={cfg.dims[0]}: ")
        cell = line.split(": ", 2)[2]
        assert "0 (0-0)" not in cell
        assert re.fullmatch(r"\d+(\.\d+)? \(\d+-\d+\)(, \d+ of \d+ seeds solved none)?|none solved "
                            r"\(tried n = \d+(, \d+)*\)", cell), cell
    assert all(p.exists() for p in res.report.files)

"""qkernels-fig9 (alignment variance) end to end at its tiny size, into a temporary store."""

from __future__ import annotations

import re

from experiment_runs import load_module, numbers


def test_fig9_tiny_spread_and_percentiles(ctx):
    mod = load_module("qkernels_alignment")
    cfg = mod.Fig9Config.tiny()
    report = mod.run_fig9(cfg, ctx)
    line = next(s for s in report.lines if s.startswith("n=2:"))
    med = numbers(line, "median")[0]
    assert 1e-5 < med < 5e-2
    pct = float(re.search(r"at our ([0-9]+)th percentile", line).group(1))
    assert 0 <= pct <= 100
    # a rerun reads the stored units back: the same numbers
    assert mod.run_fig9(cfg, ctx).lines == report.lines

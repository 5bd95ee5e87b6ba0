"""qkernels-fig9 (alignment variance) end to end at its tiny size, into a temporary store."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from embtheory.core import ResultStore, RunContext

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def _module(name):
    if str(EXPERIMENTS) not in sys.path:
        sys.path.insert(0, str(EXPERIMENTS))
    spec = importlib.util.spec_from_file_location(f"qk_test_{name}", EXPERIMENTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def ctx(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    return RunContext(out_dir=out, store=ResultStore(tmp_path / "store"), quick=True, seed=0, progress=False)


def _numbers(line, label):
    return [float(v) for v in re.findall(label + r"\s*([0-9.eE+-]+)", line)]


def test_fig9_tiny_spread_and_percentiles(ctx):
    mod = _module("qkernels_alignment")
    cfg = mod.Fig9Config.tiny()
    report = mod.run_fig9(cfg, ctx)
    line = next(s for s in report.lines if s.startswith("n=2:"))
    med = _numbers(line, "median")[0]
    assert 1e-5 < med < 5e-2
    pct = float(re.search(r"at our ([0-9]+)th percentile", line).group(1))
    assert 0 <= pct <= 100
    # a rerun reads the stored units back: the same numbers
    assert mod.run_fig9(cfg, ctx).lines == report.lines

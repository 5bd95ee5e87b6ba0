"""Fixtures of the experiment tests: the registry, a run context, the text encoder."""

from __future__ import annotations

import sys

import pytest

from embtheory.cli import discover
from embtheory.core import ResultStore, RunContext


@pytest.fixture(scope="module")
def experiments():
    return {e.name: e for e in discover()}


@pytest.fixture
def ctx(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    return RunContext(out_dir=out, store=ResultStore(tmp_path / "store"), quick=True, seed=0, progress=False)


@pytest.fixture(scope="module")
def model(experiments):
    common = sys.modules.get("_text_common")
    try:
        common.encoder()
    except Exception as e:  # the weights are an optional package
        pytest.skip(f"MiniLM weights unavailable: {e}")
    return common

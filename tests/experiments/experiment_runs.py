"""Running an experiment at its tiny size, and loading an experiment module by file."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from embtheory.core import ResultStore
from embtheory.core.experiment import run_experiment

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def run_tiny(exp, tmp_path, seed=0):
    """``(result, the experiment's scoped store)`` of a tiny run into a fresh store."""
    store = ResultStore(tmp_path / "store")
    res = run_experiment(exp, out=tmp_path, store=store, size="tiny", seed=seed, progress=False)
    return res, store.scoped(experiment=exp.name, revision=exp.revision)


def run_records(exp, tmp_path, seed=0):
    """``(result, [(config, result) of every record])`` of a tiny run."""
    res, store = run_tiny(exp, tmp_path, seed)
    return res, [(r["config"], r["result"]) for r in store.records()]


def load_module(name):
    """``experiments/<name>.py`` as a fresh module (registered, so its dataclasses resolve)."""
    if str(EXPERIMENTS) not in sys.path:
        sys.path.insert(0, str(EXPERIMENTS))
    spec = importlib.util.spec_from_file_location(f"qk_test_{name}", EXPERIMENTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def numbers(line, label):
    """The numbers that follow ``label`` in a report line."""
    return [float(v) for v in re.findall(label + r"\s*([0-9.eE+-]+)", line)]

"""The reference store against the code and the docs.

- Staleness: every page under docs/reference/ is what the committed store renders today; a page
  edited by hand, a store grown without re-rendering, or a report whose wording changed fails here
  (the fix is `make docs-reference`).
- Recompute: a sample of the store's cheapest units is deleted from a copy and computed again from
  scratch by the experiment itself; the new records must agree with the committed ones.  This is
  the scientific regression test: the code still produces the numbers the docs show.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from embtheory.cli import discover
from embtheory.core.reference import render, rendered_names, stable_text

ROOT = Path(__file__).resolve().parents[1]
STORE = ROOT / "reference"
PAGES = ROOT / "docs" / "reference"
RENDERED = rendered_names(STORE)
# Text experiments read the corpora of the data cache even when every unit is stored.
NEEDS_DATA = {"text-dd-plots", "text-depth-central", "text-limit-small", "text-select-kshot",
              "text-shift-augment", "text-shift-corpora"}


def _experiment(name):
    return {e.name: e for e in discover()}[name]


def _params(names):
    return [pytest.param(n, marks=pytest.mark.data) if n in NEEDS_DATA else n for n in names]


def test_every_rendered_experiment_has_a_committed_page():
    assert RENDERED, "reference/RENDERED lists no experiment"
    missing = [n for n in RENDERED if not (PAGES / n / "report.md").is_file()]
    assert not missing, f"no page for {missing}: run `make docs-reference`"
    index = (PAGES / "index.md").read_text()
    assert all(f"{n}/report" in index for n in RENDERED)


@pytest.mark.parametrize("name", _params(RENDERED))
def test_page_is_what_the_store_renders(name, tmp_path):
    (fresh,) = render([_experiment(name)], store=STORE, out=tmp_path)
    committed = (PAGES / name / "report.md").read_text()
    assert stable_text(fresh.read_text()) == stable_text(committed), (
        f"docs/reference/{name}/report.md is stale against reference/: run `make docs-reference`")
    figures = sorted(p.name for p in fresh.parent.glob("*.png"))
    assert figures == sorted(p.name for p in (PAGES / name).glob("*.png"))


#: absolute tolerance of a float32 optimiser trial's scores (losses, margins): eight float32 ulps
#: of 1.  Another CPU's vector width orders XLA's float32 sums differently (AVX2 against AVX-512);
#: over a trial's steps that moves a loss by about 2e-7 and a margin, a difference of two scores of
#: order one that may be near zero, by about 2e-7 absolute (1e-4 relative for a margin of 0.002;
#: measured on an AVX2 AMD EPYC against records made with AVX-512), its steps and verdict unchanged
TRIAL_F32_ATOL = 8 * 2.0**-23


def _close(new, old, path="result", abs_tol=1e-9):
    """Discrete values equal; floats to 1e-5 relative (another CPU's vector units may round the last
    bits of a float32 sum differently; a changed algorithm moves them far more) or ``abs_tol``."""
    if isinstance(old, dict):
        assert isinstance(new, dict) and new.keys() == old.keys(), path
        for k in old:
            _close(new[k], old[k], f"{path}.{k}", abs_tol)
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), path
        for i, (a, b) in enumerate(zip(new, old)):
            _close(a, b, f"{path}[{i}]", abs_tol)
    elif isinstance(old, float) and not isinstance(old, bool):
        assert isinstance(new, (int, float)), path
        assert math.isclose(new, old, rel_tol=1e-5, abs_tol=abs_tol), f"{path}: {new!r} != stored {old!r}"
    else:
        assert new == old, f"{path}: {new!r} != stored {old!r}"


def _abs_tol(config: dict) -> float:
    """:data:`TRIAL_F32_ATOL` for a float32 sign-rank trial, else 1e-9."""
    trial = config.get("experiment") == "signrank-trial" and config.get("dtype") == "float32"
    return TRIAL_F32_ATOL if trial else 1e-9


def _recompute_like_the_reference_run(name, tmp_path):
    """Runs the experiment on the copied store in a fresh process set up as the reference run was:
    one host device (this suite forces four) and one OpenBLAS thread.  XLA's CPU backend splits
    some reductions over its threads, so the last bits of a float32 sum, and near a boundary an
    optimisation's verdict, depend on the threads per device; the records say which machine made
    them (2 cores), and CI runs on the same kind."""
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    flags = " ".join(f for f in os.environ.get("XLA_FLAGS", "").split()
                     if "xla_force_host_platform_device_count" not in f)
    if flags:
        env["XLA_FLAGS"] = flags
    env.update(OPENBLAS_NUM_THREADS="1", EMBTHEORY_PROGRESS="0", JAX_ENABLE_X64="0")
    code = ("import sys; from embtheory.cli import discover; from embtheory.core import ResultStore; "
            "from embtheory.core.experiment import run_experiment; "
            "exp = {e.name: e for e in discover()}[sys.argv[1]]; "
            "run_experiment(exp, out=sys.argv[2], store=ResultStore(sys.argv[3]), size='full-cpu', "
            "progress=False)")
    subprocess.run([sys.executable, "-c", code, name, str(tmp_path / "run"), str(tmp_path / "store")],
                   env=env, cwd=ROOT, check=True, timeout=1200)


# experiment -> how many of its cheapest stored units are recomputed (a few seconds each in all)
SAMPLE = {"qkernels-fig6b": 2, "qkernels-fig7": 2, "qkernels-bandwidth": 2, "signrank-precision": 3}


@pytest.mark.parametrize("name", [n for n in SAMPLE if n in RENDERED])
def test_cheap_units_recompute_to_the_stored_records(name, tmp_path):
    exp = _experiment(name)
    scope = {"experiment": name, "revision": exp.revision}
    mine = []
    for path in sorted((STORE / "records").glob("*.json")):
        record = json.loads(path.read_text())
        if record.get("scope") == scope:
            mine.append((record["provenance"].get("wall_time_s") or 0.0, path.name, record))
    assert mine, f"reference/ holds no record of {name} at revision {exp.revision}"
    (tmp_path / "store" / "records").mkdir(parents=True)
    for _, file, _ in mine:
        shutil.copy(STORE / "records" / file, tmp_path / "store" / "records" / file)
    # cheapest first; units stored without a wall time (optimisation trials) by their size
    chosen = sorted(mine, key=lambda m: (m[0], m[2]["config"].get("n", 0), m[1]))[:SAMPLE[name]]
    for _, file, _ in chosen:
        (tmp_path / "store" / "records" / file).unlink()

    _recompute_like_the_reference_run(name, tmp_path)
    for _, file, old in chosen:
        new_path = tmp_path / "store" / "records" / file
        assert new_path.is_file(), f"{name}: unit {old['config']} was not recomputed"
        _close(json.loads(new_path.read_text())["result"], old["result"], abs_tol=_abs_tol(old["config"]))


def test_only_float32_trials_get_the_rounding_tolerance():
    trial = {"experiment": "signrank-trial", "dtype": "float32", "n": 6}
    _close({"margin": 0.0020658, "solved": True}, {"margin": 0.0020656, "solved": True},
           abs_tol=_abs_tol(trial))
    with pytest.raises(AssertionError, match="margin"):  # ten times the rounding is a change
        _close({"margin": 0.0020756}, {"margin": 0.0020656}, abs_tol=_abs_tol(trial))
    with pytest.raises(AssertionError, match="solved"):  # a verdict is never a tolerance
        _close({"solved": False}, {"solved": True}, abs_tol=_abs_tol(trial))
    for other in ({**trial, "dtype": "float64"}, {"experiment": "qkernels-fig6b", "n": 20}):
        with pytest.raises(AssertionError):  # a kernel value of 1e-6 keeps its 1e-5 relative check
            _close({"v": 1.0e-6}, {"v": 1.2e-6}, abs_tol=_abs_tol(other))

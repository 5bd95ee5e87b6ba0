"""The reference store's read-only view and the pages rendered from it."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from embtheory.core import ResultStore
from embtheory.core.experiment import Experiment, Report, run_experiment
from embtheory.core.reference import FrozenStore, MissingUnitError, render, stable_text

CALLS: list[int] = []


@dataclasses.dataclass(frozen=True)
class ToyConfig:
    ns: tuple[int, ...] = (2, 3, 4)

    @classmethod
    def quick(cls):
        return cls()

    @classmethod
    def full(cls):
        return cls(ns=(2, 3, 4, 5))

    @classmethod
    def tiny(cls):
        return cls(ns=(2,))


def _unit(cfg):
    CALLS.append(cfg["n"])
    return {"square": cfg["n"] ** 2 + 0.1}


def _run(cfg, ctx):
    res = ctx.sweep([{"n": n} for n in cfg.ns], _unit)
    return Report("toy", [f"squares {[r['square'] for r in res]}"])


TOY = Experiment(name="toy", area="signrank", title="toy", paper="none", run=_run, config=ToyConfig,
                 revision=3)


@pytest.fixture
def reference(tmp_path):
    store = tmp_path / "reference"
    run_experiment(TOY, out=tmp_path / "run", store=ResultStore(store), size="full", progress=False)
    return store


def test_render_reads_every_unit_and_computes_none(reference, tmp_path):
    CALLS.clear()
    (path,) = render([TOY], store=reference, out=tmp_path / "pages")
    assert CALLS == []
    text = path.read_text()
    assert "squares [4.1, 9.1, 16.1, 25.1]" in text
    assert "wall time" not in text  # nothing that changes between two renderings
    again = render([TOY], store=reference, out=tmp_path / "pages2")[0].read_text()
    assert again == text


def test_a_missing_unit_is_an_error_naming_the_command(reference, tmp_path):
    records = sorted((reference / "records").glob("*.json"))
    records[0].unlink()
    CALLS.clear()
    with pytest.raises(MissingUnitError, match=r"no record of a unit of toy \(revision 3\).*reproduce-full"):
        render([TOY], store=reference, out=tmp_path / "pages")
    assert CALLS == []
    assert not (reference / "claims").exists() or not list((reference / "claims").iterdir())


def test_a_record_of_another_revision_is_missing_not_reused(reference, tmp_path):
    bumped = dataclasses.replace(TOY, revision=4)
    with pytest.raises(MissingUnitError, match=r"toy \(revision 4\)"):
        render([bumped], store=reference, out=tmp_path / "pages")


def test_frozen_store_refuses_writes_and_a_folder_without_records(reference, tmp_path):
    frozen = FrozenStore(reference).scoped(experiment="toy", revision=3)
    assert isinstance(frozen, FrozenStore)
    assert frozen.get({"n": 2}) == {"square": 4.1}
    with pytest.raises(MissingUnitError):
        frozen.put({"n": 9}, {"square": 0})
    with pytest.raises(MissingUnitError):
        frozen.claim({"n": 9})
    with pytest.raises(Exception, match="no reference store"):
        FrozenStore(tmp_path / "nowhere")


def test_recomputing_a_deleted_unit_gives_the_recorded_result(reference, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(reference, copy)
    store = ResultStore(copy).scoped(experiment="toy", revision=3)
    victim = {"n": 4}
    (copy / "records" / f"{store.key(victim)}.json").unlink()
    CALLS.clear()
    run_experiment(TOY, out=tmp_path / "again", store=ResultStore(copy), size="full", progress=False)
    assert CALLS == [4]
    assert ResultStore(copy).scoped(experiment="toy", revision=3).get(victim) == \
        FrozenStore(reference).scoped(experiment="toy", revision=3).get(victim)


def test_stable_text_drops_times_only():
    text = ("## t\n\n- a 1\n\n_size full; seed 0; revision 1; wall time 3.2 s; "
            "finished 2026-12-07 07:05:15 UTC_\n")
    assert stable_text(text) == "## t\n\n- a 1\n"


@dataclasses.dataclass(frozen=True)
class PartConfig(ToyConfig):
    CPU_NOTE = "n = 2..3 of 2..5; a GPU adds n = 4, 5"

    @classmethod
    def cpu_full(cls):
        return cls(ns=(2, 3))


PART = dataclasses.replace(TOY, name="toy-part", config=PartConfig)


def test_full_cpu_is_the_configs_cpu_part_or_the_whole_full_size(tmp_path):
    assert PART.make_config("full-cpu") == PartConfig(ns=(2, 3))
    assert PART.make_config("full") == PartConfig(ns=(2, 3, 4, 5))
    assert TOY.make_config("full-cpu") == TOY.make_config("full")  # no cpu_full: a CPU runs it all
    assert TOY.cpu_note == "" and PART.cpu_note.startswith("n = 2..3")

    CALLS.clear()
    res = run_experiment(PART, out=tmp_path / "run", store=ResultStore(tmp_path / "s"), size="full-cpu",
                         progress=False)
    assert sorted(CALLS) == [2, 3]
    assert "a CPU finishes: n = 2..3 of 2..5; a GPU adds n = 4, 5" in res.report_path.read_text()
    # a GPU run of the whole size reuses the CPU part and adds the rest
    CALLS.clear()
    run_experiment(PART, out=tmp_path / "run", store=ResultStore(tmp_path / "s"), size="full",
                   progress=False)
    assert sorted(CALLS) == [4, 5]
    with pytest.raises(ValueError, match="size must be one of"):
        PART.make_config("cpu")

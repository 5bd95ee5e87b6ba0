"""The command line: list, reproduce (with a toy experiment folder), one-line errors."""

from __future__ import annotations

import textwrap

import pytest

from embtheory.cli import main

_TOY = textwrap.dedent("""
    from embtheory.core import Experiment, Report, run_sweep

    def _run(ctx):
        res = run_sweep(ctx.store, [{"experiment": "toy", "n": n, "seed": ctx.seed} for n in range(3)],
                        lambda c: {"v": c["n"] * 2}, progress=False)
        (ctx.out_dir / "table.txt").write_text(str([r["v"] for r in res]))
        return Report("Toy", lines=[f"values {[r['v'] for r in res]}"], files=[ctx.out_dir / "table.txt"])

    def _boom(ctx):
        raise RuntimeError("kaput")

    EXPERIMENTS = [
        Experiment("toy-fig", "depth", "a toy", "nobody 2026", "1 s", "1 s", _run),
        Experiment("toy-boom", "signrank", "fails", "nobody", "1 s", "1 s", _boom),
        Experiment("toy-later", "qkernels", "planned", "nobody", "?", "?", None),
    ]
""")


@pytest.fixture
def toy_experiments(tmp_path, monkeypatch):
    d = tmp_path / "exps"
    d.mkdir()
    (d / "toy.py").write_text(_TOY)
    (d / "broken.py").write_text("raise ImportError('missing thing')")
    monkeypatch.setenv("EMBTHEORY_EXPERIMENTS", str(d))
    return d


def test_list_shows_experiments_and_load_errors(toy_experiments, capsys):
    assert main(["list"]) == 0
    out, err = capsys.readouterr()
    assert "toy-fig" in out and "toy-later" in out and "not yet available" in out
    assert "broken.py" in err


def test_reproduce_writes_report_and_resumes(toy_experiments, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["reproduce", "toy-fig", "--out", str(out), "--no-progress"]) == 0
    assert (out / "toy-fig" / "table.txt").read_text() == "[0, 2, 4]"
    assert "values [0, 2, 4]" in (out / "REPORT.md").read_text()
    assert len(list((out / "store" / "records").glob("*.json"))) == 3
    assert main(["reproduce", "depth", "--out", str(out), "--no-progress"]) == 0
    assert len(list((out / "store" / "records").glob("*.json"))) == 3


def test_failures_are_one_line_and_do_not_stop_others(toy_experiments, tmp_path, capsys):
    rc = main(["reproduce", "all", "--out", str(tmp_path / "o"), "--no-progress"])
    _out, err = capsys.readouterr()
    assert rc == 1
    assert "error: toy-boom failed: RuntimeError: kaput" in err
    assert "Traceback" not in err
    assert (tmp_path / "o" / "toy-fig" / "table.txt").exists()


def test_unknown_name_and_unwritable_out_are_one_line_errors(toy_experiments, tmp_path, capsys):
    assert main(["reproduce", "nope"]) == 2
    errors = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: unknown figure or area 'nope'")
    blocker = tmp_path / "f"
    blocker.write_text("")
    assert main(["reproduce", "toy-fig", "--out", str(blocker / "x")]) == 2
    errors = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "not writable" in errors[0] and "--out" in errors[0]


def test_info_runs(capsys):
    assert main(["info"]) == 0
    assert "jax" in capsys.readouterr().out

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


# ---------------------------------------------------------------------------------------------
# Typed experiments, revisions, the report of every experiment, measured runtimes, bad input

_TYPED = textwrap.dedent("""
    import dataclasses
    from embtheory.core import Experiment, Report

    REVISION = {revision}

    @dataclasses.dataclass(frozen=True)
    class Cfg:
        ns: tuple = (0, 1, 2)
        @classmethod
        def quick(cls): return cls()
        @classmethod
        def full(cls): return cls(ns=tuple(range(6)))
        @classmethod
        def tiny(cls): return cls(ns=(0, 1))

    def run(cfg, ctx):
        res = ctx.sweep([{{"n": n, "seed": ctx.seed}} for n in cfg.ns], lambda c: {{"v": c["n"] * REVISION}})
        vals = [r["v"] for r in res]
        return Report("Typed", lines=[f"{{ctx.size}} values {{vals}}"])

    EXPERIMENTS = [Experiment("typed-fig", "depth", "typed", "nobody", config=Cfg, run=run,
                              revision=REVISION)]
""")


@pytest.fixture
def typed_experiments(tmp_path, monkeypatch):
    d = tmp_path / "typed"
    d.mkdir()
    (d / "typed.py").write_text(_TYPED.format(revision=1))
    (d / "toy.py").write_text(_TOY)
    (d / "_runtimes.py").write_text(
        "MACHINE = 'test box'\nQUICK = {'typed-fig': 12.0}\nFULL = {'typed-fig': 'a day'}\n")
    monkeypatch.setenv("EMBTHEORY_EXPERIMENTS", str(d))
    return d


def test_list_shows_measured_runtimes(typed_experiments, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "quick 12 s measured, full a day" in out and "measured on: test box" in out
    assert "(estimate, not measured)" in out  # the toy's old-style strings are marked


def test_revision_bump_recomputes_and_says_how_many(typed_experiments, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["reproduce", "typed-fig", "--out", str(out), "--no-progress"]) == 0
    assert "quick values [0, 1, 2]" in (out / "REPORT.md").read_text()
    capsys.readouterr()
    (typed_experiments / "typed.py").write_text(_TYPED.format(revision=2))
    assert main(["reproduce", "typed-fig", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "3 stored unit(s) of typed-fig are from revision 1, not the current revision 2" in printed
    report = (out / "REPORT.md").read_text()
    assert "quick values [0, 2, 4]" in report and "[0, 1, 2]" not in report  # never mixed
    assert "revision 2" in (out / "typed-fig" / "report.md").read_text()
    assert main(["reproduce", "typed-fig", "--tiny", "--out", str(out), "--no-progress"]) == 0
    assert "tiny values [0, 2]" in (out / "REPORT.md").read_text()


def test_report_keeps_every_experiment_of_the_folder(typed_experiments, tmp_path):
    out = tmp_path / "o"
    assert main(["reproduce", "typed-fig", "--out", str(out), "--no-progress"]) == 0
    assert main(["reproduce", "toy-fig", "--out", str(out), "--no-progress"]) == 0
    report = (out / "REPORT.md").read_text()
    assert "## Typed" in report and "## Toy" in report and "2 experiment(s)" in report
    assert "last command: reproduce toy-fig" in report
    assert not list(out.glob(".REPORT.md.*"))  # no temporary file left


@pytest.mark.parametrize("seed", ["18446744073709551616", "-1", "2**64", "1.5", "4294967296"])
def test_bad_seed_is_one_line(typed_experiments, tmp_path, capsys, seed):
    assert main(["reproduce", "typed-fig", "--seed", seed, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --seed must be an integer in [0, 4294967295]")
    assert not (tmp_path / "o").exists()


def test_largest_seed_is_accepted(typed_experiments, tmp_path):
    assert main(["reproduce", "typed-fig", "--seed", "4294967295", "--out", str(tmp_path / "o"),
                 "--no-progress"]) == 0


def test_empty_out_and_out_that_is_a_file_are_refused(typed_experiments, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["reproduce", "typed-fig", "--out", ""]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out is empty" in err[0]
    assert not (tmp_path / "store").exists() and not (tmp_path / "typed-fig").exists()
    (tmp_path / "f").write_text("x")
    assert main(["reproduce", "typed-fig", "--out", str(tmp_path / "f")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a file, not a folder" in err[0]


def test_data_root_that_is_a_file_is_reported_as_such(typed_experiments, tmp_path, capsys, monkeypatch):
    f = tmp_path / "data.txt"
    f.write_text("not a folder")
    monkeypatch.setenv("EMBTHEORY_DATA", str(f))
    assert main(["reproduce", "typed-fig", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a regular file, not a folder" in err[0] and "download" not in err[0]


# --- real experiments, tiny size ----------------------------------------------------------------


@pytest.fixture
def real_experiments(monkeypatch):
    monkeypatch.delenv("EMBTHEORY_EXPERIMENTS", raising=False)


def test_reproduce_real_depth_experiment_tiny(real_experiments, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["reproduce", "depth-type1-error", "--tiny", "--out", str(out), "--no-progress"]) == 0
    report = (out / "REPORT.md").read_text()
    assert "type-I error at alpha = 0.05" in report and "binomial 95% band for 16 trials" in report
    assert (out / "depth-type1-error" / "depth_type1_error.png").stat().st_size > 0
    recs = list((out / "store" / "records").glob("*.json"))
    assert len(recs) == 2  # two families x one (m, n)
    capsys.readouterr()
    assert main(["reproduce", "depth-type1-error", "--tiny", "--out", str(out), "--no-progress"]) == 0
    assert len(list((out / "store" / "records").glob("*.json"))) == 2  # resumed, nothing recomputed


@pytest.mark.data
def test_reproduce_real_text_experiment_tiny_keeps_other_sections(real_experiments, tmp_path):
    out = tmp_path / "o"
    assert main(["reproduce", "text-limit-small", "--tiny", "--out", str(out), "--no-progress"]) == 0
    assert "BM25: recall@2/10/20 = 0.992 / 1.000 / 1.000" in (out / "REPORT.md").read_text()
    assert main(["reproduce", "depth-type1-error", "--tiny", "--out", str(out), "--no-progress"]) == 0
    report = (out / "REPORT.md").read_text()
    assert "LIMIT-small" in report and "type-I error" in report


# --- the runner's pieces --------------------------------------------------------------------------


def test_purpose_keys_are_stable_distinct_and_typed(tmp_path):
    import hashlib

    import jax
    import numpy as np

    from embtheory.core import ResultStore
    from embtheory.core.experiment import RunContext, derive_key, derive_seed

    ctx = RunContext(out_dir=tmp_path, store=ResultStore(tmp_path), seed=7)
    k = ctx.key("random-baseline", "sst2")
    assert jax.dtypes.issubdtype(k.dtype, jax.dtypes.prng_key) and k.shape == ()
    data = lambda key: tuple(np.asarray(jax.random.key_data(key)).tolist())  # noqa: E731
    assert data(k) == data(derive_key(7, "random-baseline", "sst2"))  # stable
    names = ["sst2", "subj", "trec", "mr", "cr"]  # equal lengths must not collide
    assert len({data(ctx.key("random-baseline", n)) for n in names}) == 5
    assert data(ctx.key("a", "b")) != data(ctx.key("ab")) != data(ctx.key("b", "a"))
    assert data(ctx.key("x", 1)) == data(ctx.key("x", 1.0)) != data(ctx.key("x", "1"))
    assert data(derive_key(8, "x")) != data(derive_key(7, "x"))
    # an independent reference of the seed derivation: sha256 of the canonical JSON
    want = int.from_bytes(hashlib.sha256(b'[7,["split","sst2"]]').digest()[:4], "little") & 0x7FFFFFFF
    assert ctx.seed_for("split", "sst2") == derive_seed(7, "split", "sst2") == want
    for bad, err in [((), ValueError), ((None,), TypeError), (([1],), TypeError)]:
        with pytest.raises(err, match="purpose"):
            ctx.key(*bad)
    with pytest.raises(ValueError, match="seed"):
        derive_key(2**32, "x")


def test_experiment_config_class_is_checked():
    import dataclasses

    from embtheory.core import Experiment

    @dataclasses.dataclass
    class Mutable:
        @classmethod
        def quick(cls): return cls()

    with pytest.raises(TypeError, match="frozen"):
        Experiment("x", "depth", "t", "p", config=Mutable, run=lambda c, x: None)

    @dataclasses.dataclass(frozen=True)
    class NoTiny:
        @classmethod
        def quick(cls): return cls()

        @classmethod
        def full(cls): return cls()

    with pytest.raises(TypeError, match="tiny"):
        Experiment("x", "depth", "t", "p", config=NoTiny, run=lambda c, x: None)
    with pytest.raises(ValueError, match="revision"):
        Experiment("x", "depth", "t", "p", revision=-1)


def test_sizes_writes_each_size_from_the_fields_it_changes():
    import dataclasses

    from embtheory.core import Experiment
    from embtheory.core.experiment import sizes

    @sizes(quick=dict(ns=(0, 1)), tiny=dict(ns=(0,), steps=1))
    @dataclasses.dataclass(frozen=True)
    class Cfg:
        ns: tuple = (0, 1, 2)
        steps: int = 10

    assert Cfg.quick() == Cfg(ns=(0, 1)) and Cfg.full() == Cfg() and Cfg.tiny() == Cfg(ns=(0,), steps=1)
    exp = Experiment("x", "depth", "t", "p", config=Cfg, run=lambda c, x: None)
    assert exp.make_config("full-cpu") == Cfg() and exp.cpu_note == ""  # a CPU runs the whole size

    @sizes(full=dict(steps=100), cpu_full=dict(steps=50), cpu_note="steps 50 of 100; a GPU adds the rest")
    @dataclasses.dataclass(frozen=True)
    class Long:
        steps: int = 10

    exp = Experiment("x", "depth", "t", "p", config=Long, run=lambda c, x: None)
    assert exp.make_config("full").steps == 100 and exp.make_config("full-cpu").steps == 50
    assert exp.cpu_note == "steps 50 of 100; a GPU adds the rest"

    with pytest.raises(TypeError, match="layers"):  # a size that changes no field of the config
        sizes(full=dict(layers=3))(Long)
    with pytest.raises(ValueError, match="cpu_note"):
        sizes(cpu_full=dict(steps=5))
    with pytest.raises(TypeError, match="dataclass"):
        sizes()(type("Plain", (), {}))

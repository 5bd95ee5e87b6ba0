"""The results store: canonical keys, atomic records, resume after SIGKILL, clear errors."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass

import numpy as np
import pytest

from embtheory.core import ResultStore, StoreError, config_hash, load_results, run_sweep, to_jsonable


@dataclass(frozen=True)
class Cfg:
    n: int
    seed: int
    name: str = "unit"


def test_config_hash_is_canonical():
    assert config_hash({"a": 1, "b": [1, 2]}) == config_hash({"b": [1, 2], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})
    assert config_hash(Cfg(3, 0)) == config_hash({"n": 3, "seed": 0, "name": "unit"})
    assert config_hash({"x": np.int64(3)}) == config_hash({"x": 3})


def test_to_jsonable_handles_arrays_and_keeps_non_finite_floats():
    out = to_jsonable({"a": np.arange(3), "b": np.float32(1.5), "c": float("nan"), "d": -np.inf})
    assert out["a"] == [0, 1, 2] and out["b"] == 1.5 and math.isnan(out["c"]) and out["d"] == -math.inf
    assert isinstance(out["c"], float) and isinstance(out["d"], float)
    json.dumps(out)
    with pytest.raises(TypeError, match="cannot store"):
        to_jsonable({"f": object()})


def test_put_get_records_and_provenance(tmp_path):
    store = ResultStore(tmp_path)
    assert store.get(Cfg(1, 0)) is None and Cfg(1, 0) not in store
    rec = store.put(Cfg(1, 0), {"acc": np.float32(0.5), "curve": np.ones(2)}, seed=0, wall_time=0.1)
    assert Cfg(1, 0) in store and len(store) == 1
    assert store.get(Cfg(1, 0)) == {"acc": 0.5, "curve": [1.0, 1.0]}
    umask = os.umask(0)
    os.umask(umask)
    (path,) = (tmp_path / "records").glob("*.json")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # an ordinary file, not mkstemp's 0600
    prov = rec["provenance"]
    assert prov["versions"]["jax"] and prov["seed"] == 0 and prov["backend"] == "cpu"
    assert load_results(tmp_path)[0]["config"] == {"n": 1, "seed": 0, "name": "unit"}
    store.put(Cfg(2, 1), {"acc": 1.0})
    assert [r["config"]["n"] for r in store.records(where={"seed": 1})] == [2]
    csv = store.to_csv(tmp_path / "r.csv").read_text().splitlines()
    assert len(csv) == 3 and "result.acc" in csv[0] and "config.n" in csv[0]


def test_run_sweep_skips_finished_units(tmp_path):
    store = ResultStore(tmp_path)
    calls = []

    def fn(c):
        calls.append(c["n"])
        return {"sq": c["n"] ** 2}

    cfgs = [{"n": n, "seed": 0} for n in range(5)]
    assert [r["sq"] for r in run_sweep(store, cfgs[:3], fn, progress=False)] == [0, 1, 4]
    assert [r["sq"] for r in run_sweep(store, cfgs, fn, progress=False)] == [0, 1, 4, 9, 16]
    assert calls == [0, 1, 2, 3, 4]  # nothing computed twice


def test_corrupt_record_is_a_clear_error(tmp_path):
    store = ResultStore(tmp_path)
    store.put({"n": 1}, {"v": 1})
    path = next((tmp_path / "records").glob("*.json"))
    path.write_text('{"key": "trunc')
    with pytest.raises(StoreError, match=r"corrupt result file .*delete it and re-run"):
        store.records()


def test_unwritable_directory_is_a_clear_error(tmp_path):
    target = tmp_path / "file"
    target.write_text("not a directory")
    with pytest.raises(StoreError, match=r"not writable.*--out"):
        ResultStore(target / "sub")


def test_many_processes_can_open_one_store_at_once(tmp_path):
    # The processes start their loops at one wall-clock instant, so their opens overlap.
    script = ("import sys, time\nfrom embtheory.core import ResultStore\n"
              "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
              "for _ in range(3000): ResultStore(sys.argv[1])\n")
    start = str(time.time() + 8)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "s"), start],
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert not list((tmp_path / "s" / "records").iterdir())  # no probe left behind


def test_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no results store"):
        load_results(tmp_path / "nowhere")


_SWEEP = textwrap.dedent("""
    import sys, time
    from embtheory.core import ResultStore, run_sweep
    store = ResultStore(sys.argv[1])
    def fn(c):
        time.sleep(0.05)
        with open(sys.argv[2], "a") as log:
            log.write(f"{c['n']}\\n")
        return {"sq": c["n"] ** 2, "payload": list(range(2000))}
    run_sweep(store, [{"n": n, "seed": 0} for n in range(40)], fn, progress=False)
""")


def test_sigkilled_sweep_resumes_without_loss_or_duplicates(tmp_path):
    script = tmp_path / "sweep.py"
    script.write_text(_SWEEP)
    log = tmp_path / "computed.log"
    store_dir = tmp_path / "store"
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    proc = subprocess.Popen([sys.executable, str(script), str(store_dir), str(log)], env=env)
    deadline = time.time() + 60
    while time.time() < deadline:  # kill mid-sweep, once some units are recorded
        if (store_dir / "records").is_dir() and len(list((store_dir / "records").glob("*.json"))) >= 5:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = len(ResultStore(store_dir))
    assert 5 <= first < 40, "the kill must land mid-sweep"
    for rec in ResultStore(store_dir).records():  # every record on disk is whole
        assert rec["result"]["payload"][-1] == 1999
    subprocess.run([sys.executable, str(script), str(store_dir), str(log)], env=env, check=True)
    recs = ResultStore(store_dir).records()
    assert sorted(r["config"]["n"] for r in recs) == list(range(40))
    assert all(r["result"]["sq"] == r["config"]["n"] ** 2 for r in recs)
    computed = [int(x) for x in log.read_text().split()]
    # Units recorded before the kill are never recomputed; at most the one in flight is.
    assert len(computed) <= 40 + 1
    assert len(set(computed)) == 40


# ---------------------------------------------------------------------------------------------
# Results you can trust: canonical identity, dtype, revisions, tampering, NaN, claims


def test_equivalent_configs_share_one_unit(tmp_path):
    assert config_hash({"x": 1}) == config_hash({"x": 1.0})
    assert config_hash({"x": np.float32(0.1)}) == config_hash({"x": 0.1})
    assert config_hash({"x": np.int32(3), "y": (1, 2)}) == config_hash({"y": [1, 2], "x": 3})
    assert config_hash({"x": np.arange(3, dtype=np.float32) / 10}) == config_hash({"x": [0, 0.1, 0.2]})
    assert config_hash({"x": True}) != config_hash({"x": 1})  # a bool is not a number
    assert config_hash({"x": 0.1}) != config_hash({"x": 0.2})
    store = ResultStore(tmp_path)
    store.put({"n": 2.0, "ab": (0.5, np.float32(0.25))}, {"v": 1})
    assert store.get({"ab": [0.5, 0.25], "n": np.int64(2)}) == {"v": 1}
    assert len(store) == 1


def test_effective_dtype_is_part_of_the_identity(tmp_path, monkeypatch):
    import embtheory.core.store as st

    store = ResultStore(tmp_path)
    store.put({"n": 1}, {"v": 32})
    monkeypatch.setattr(st, "_effective_dtype", lambda: "float64")
    assert store.get({"n": 1}) is None  # a float32 run is not reused by an x64 run
    store.put({"n": 1}, {"v": 64})
    assert store.get({"n": 1}) == {"v": 64}
    monkeypatch.undo()
    assert store.get({"n": 1}) == {"v": 32}
    assert sorted(r["dtype"] for r in store.records()) == ["float32", "float64"]


def test_float64_config_without_x64_is_refused(tmp_path):
    import jax

    if jax.config.jax_enable_x64:
        pytest.skip("x64 is on")
    store = ResultStore(tmp_path)
    with pytest.raises(ValueError, match=r"float64.*x64.*JAX_ENABLE_X64=1"):
        store.put({"n": 1, "dtype": "float64"}, {"v": 1})
    with pytest.raises(ValueError, match="JAX_ENABLE_X64"):
        store.get({"n": 1, "dtype": np.float64})
    assert len(store) == 0


def test_non_finite_numbers_round_trip_as_floats(tmp_path):
    store = ResultStore(tmp_path)
    store.put({"n": 1}, {"a": float("nan"), "b": np.float32("inf"), "c": [1.0, -np.inf]})
    got = ResultStore(tmp_path).get({"n": 1})
    assert math.isnan(got["a"]) and got["b"] == math.inf and got["c"] == [1.0, -math.inf]
    assert all(isinstance(v, float) for v in (got["a"], got["b"], got["c"][1]))
    assert load_results(tmp_path)[0]["result"]["b"] == math.inf


def test_revision_scopes_units_and_counts_stale_ones(tmp_path):
    root = ResultStore(tmp_path)
    v1 = root.scoped(experiment="fig", revision=1)
    cfgs = [{"n": n} for n in range(3)]
    assert [r["v"] for r in run_sweep(v1, cfgs, lambda c: {"v": c["n"]}, progress=False)] == [0, 1, 2]
    v2 = root.scoped(experiment="fig", revision=2)
    assert v2.other_revisions() == {1: 3}
    assert all(v2.get(c) is None for c in cfgs)  # never reused across revisions
    out = run_sweep(v2, cfgs, lambda c: {"v": 10 * c["n"]}, progress=False)
    assert [r["v"] for r in out] == [0, 10, 20]  # the figure sees revision 2 only
    assert sorted(r["result"]["v"] for r in v2.records()) == [0, 10, 20]
    assert {r["scope"]["revision"] for r in v2.records()} == {2}
    assert len(v1) == 3 and len(v2) == 3 and len(root) == 6
    other = root.scoped(experiment="other", revision=1)
    assert other.get(cfgs[0]) is None and other.other_revisions() == {}
    with pytest.raises(ValueError, match="revision"):
        root.scoped(experiment="fig", revision=-1)


def _only_record(tmp_path):
    (path,) = (tmp_path / "records").glob("*.json")
    return path, json.loads(path.read_text())


def test_tampered_value_or_commit_is_caught(tmp_path):
    store = ResultStore(tmp_path)
    store.put({"n": 1}, {"v": 1.5})
    path, rec = _only_record(tmp_path)
    original = path.read_text()
    rec["result"]["v"] = 15.0
    path.write_text(json.dumps(rec))
    with pytest.raises(StoreError, match=rf"{path.name}.*modified after it was written.*delete it"):
        store.get({"n": 1})
    with pytest.raises(StoreError, match="checksum"):
        load_results(tmp_path)
    path.write_text(original)
    assert store.get({"n": 1}) == {"v": 1.5}
    rec = json.loads(original)
    rec["provenance"]["git_commit"] = "0" * 40
    path.write_text(json.dumps(rec))
    with pytest.raises(StoreError, match="checksum mismatch"):
        store.records()


def test_record_whose_config_does_not_hash_to_its_name_is_an_error(tmp_path):
    import embtheory.core.store as st

    store = ResultStore(tmp_path)
    store.put({"n": 1}, {"v": 1})
    path, rec = _only_record(tmp_path)
    rec["config"]["n"] = 2
    rec["checksum"] = st._checksum(rec)  # even with a consistent checksum
    path.write_text(json.dumps(rec))
    with pytest.raises(StoreError, match=rf"{path.name} does not match its name"):
        store.get({"n": 1})
    # a valid record copied under another unit's name
    store2 = ResultStore(tmp_path / "b")
    store2.put({"n": 5}, {"v": 5})
    src, _ = _only_record(tmp_path / "b")
    target = tmp_path / "b" / "records" / f"{store2.key({'n': 6})}.json"
    target.write_text(src.read_text())
    with pytest.raises(StoreError, match="does not match its name"):
        store2.get({"n": 6})


def test_old_format_records_are_skipped_not_read(tmp_path):
    store = ResultStore(tmp_path)
    (tmp_path / "records" / "abc.json").write_text(json.dumps({"key": "abc", "config": {"n": 1},
                                                               "result": {"v": "nan"}}))
    store.put({"n": 1}, {"v": 1})
    assert [r["result"] for r in store.records()] == [{"v": 1}]
    assert store.legacy_count() == 1


def test_record_holds_package_version_and_scope(tmp_path):
    rec = ResultStore(tmp_path).scoped(experiment="e", revision=3).put({"n": 1}, {"v": 1}, seed=7)
    assert rec["scope"] == {"experiment": "e", "revision": 3}
    assert rec["provenance"]["package_version"] == rec["provenance"]["versions"]["embtheory"]
    assert rec["provenance"]["seed"] == 7 and len(rec["checksum"]) == 64


def test_claims_exclude_live_holders_and_expire_dead_ones(tmp_path, monkeypatch):
    store = ResultStore(tmp_path)
    c = store.claim({"n": 1})
    assert c is not None
    assert store.claim({"n": 1}) is None  # this (live) process holds it
    c.release()
    again = store.claim({"n": 1})
    assert again is not None
    again.release()
    # a claim left by a dead process on this host is taken over at once
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    pid = int(dead.stdout)
    import socket

    path = tmp_path / "claims" / f"{store.key({'n': 2})}.claim"
    path.write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "nonce": "x", "started": 0}))
    taken = store.claim({"n": 2})
    assert taken is not None
    taken.release()
    assert not path.exists()
    # a claim from another host is stale once its heartbeat is older than the limit
    path.write_text(json.dumps({"pid": 1, "host": "elsewhere", "nonce": "y", "started": 0}))
    assert store.claim({"n": 2}) is None
    old = time.time() - 1000
    os.utime(path, (old, old))
    taken = store.claim({"n": 2})
    assert taken is not None
    taken.release()


def test_heartbeat_keeps_a_long_claim_fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBTHEORY_CLAIM_STALE_S", "0.6")
    store = ResultStore(tmp_path)
    c = store.claim({"n": 1})
    path = tmp_path / "claims" / f"{store.key({'n': 1})}.claim"
    body = json.loads(path.read_text())
    path.write_text(json.dumps({**body, "host": "elsewhere"}))  # only the heartbeat can keep it alive
    t_end = time.time() + 1.5
    while time.time() < t_end:
        assert store.claim({"n": 1}) is None
        time.sleep(0.1)
    c.release()


# ---------------------------------------------------------------------------------------------
# Faults: SIGKILL in a unit and in the report, several processes, full disk, read-only store

_WORKER = textwrap.dedent("""
    import os, sys, time
    from embtheory.core import ResultStore, run_sweep
    store_dir, log, start, units = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    store = ResultStore(store_dir).scoped(experiment="shared", revision=1)
    time.sleep(max(0.0, start - time.time()))
    def fn(c):
        time.sleep(0.15)
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, f"{os.getpid()} {c['n']}\\n".encode())
        os.close(fd)
        return {"sq": c["n"] ** 2, "payload": list(range(500))}
    out = run_sweep(store, [{"n": n} for n in range(units)], fn, progress=False, poll=0.05)
    assert [r["sq"] for r in out] == [n * n for n in range(units)]
""")


@pytest.mark.parametrize("processes", [2, 4])
def test_processes_on_one_store_split_the_work(tmp_path, processes):
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    log, store_dir, units = tmp_path / "computed.log", tmp_path / "store", 24
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    start = str(time.time() + 10)  # every worker has imported JAX by then
    procs = [subprocess.Popen([sys.executable, str(script), str(store_dir), str(log), start, str(units)],
                              env=env, stderr=subprocess.PIPE, text=True) for _ in range(processes)]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    lines = [ln.split() for ln in log.read_text().splitlines()]
    computed = sorted(int(n) for _, n in lines)
    assert computed == list(range(units))  # every unit computed exactly once
    workers = {pid for pid, _ in lines}
    assert len(workers) >= 2  # the work was split, not repeated
    recs = ResultStore(store_dir).records()
    assert len(recs) == units and all(r["result"]["payload"][-1] == 499 for r in recs)
    assert not list((store_dir / "claims").glob("*.claim"))  # every claim released


def test_sigkill_leaves_a_claim_that_the_next_run_takes_over(tmp_path):
    script = tmp_path / "sweep.py"
    script.write_text(_SWEEP)
    store_dir = tmp_path / "store"
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    proc = subprocess.Popen([sys.executable, str(script), str(store_dir), str(tmp_path / "log")], env=env)
    deadline = time.time() + 60
    while time.time() < deadline:  # kill while a unit is claimed, after a few are recorded
        recorded = len(list(store_dir.glob("records/*.json")))
        if recorded >= 3 and list(store_dir.glob("claims/*.claim")):
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = list((store_dir / "claims").glob("*.claim"))
    assert len(left) <= 1  # at most the unit in flight
    t0 = time.time()
    subprocess.run([sys.executable, str(script), str(store_dir), str(tmp_path / "log")], env=env,
                   check=True, timeout=120)
    assert len(ResultStore(store_dir)) == 40
    assert not list((store_dir / "claims").glob("*.claim"))
    assert time.time() - t0 < 100  # not stuck waiting for the stale-claim age limit (120 s)


_REPORT_KILL = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from embtheory.core.experiment import write_report
    out = Path(sys.argv[1])
    real_replace = os.replace
    def dying_replace(src, dst, *a, **k):
        if str(dst).endswith("REPORT.md"):
            os.kill(os.getpid(), signal.SIGKILL)  # between the temporary file and the rename
        return real_replace(src, dst, *a, **k)
    os.replace = dying_replace
    write_report(out, header="second")
""")


def test_sigkill_while_writing_the_report_keeps_the_old_report_whole(tmp_path):
    from embtheory.core.experiment import write_report

    out = tmp_path / "out"
    (out / "exp-a").mkdir(parents=True)
    (out / "exp-a" / "report.md").write_text("## A\n\n- a line\n")
    write_report(out, header="first")
    before = (out / "REPORT.md").read_text()
    (out / "exp-b").mkdir()
    (out / "exp-b" / "report.md").write_text("## B\n\n- b line\n")
    script = tmp_path / "kill.py"
    script.write_text(_REPORT_KILL)
    proc = subprocess.run([sys.executable, str(script), str(out)], env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == -signal.SIGKILL
    assert (out / "REPORT.md").read_text() == before  # old report, whole
    write_report(out, header="third")
    text = (out / "REPORT.md").read_text()
    assert "## A" in text and "## B" in text and "2 experiment(s)" in text


def test_sigkill_while_writing_a_record_leaves_nothing_half_read(tmp_path):
    script = textwrap.dedent("""
        import os, signal, sys
        from embtheory.core import ResultStore
        store = ResultStore(sys.argv[1])
        store.put({"n": 0}, {"v": 0})
        os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)  # after the write, before the rename
        store.put({"n": 1}, {"v": list(range(10000))})
    """)
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)],
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == -signal.SIGKILL
    store = ResultStore(tmp_path)
    assert [r["result"] for r in store.records()] == [{"v": 0}]
    assert store.get({"n": 1}) is None  # recomputed by the next run, never read half-written


def _failing(monkeypatch, after: int, err: int):
    import errno as _errno

    import embtheory.core.store as st

    calls = {"n": 0}
    real = os.replace

    def replace(src, dst, *a, **k):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(err, os.strerror(err), str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(st.os, "replace", replace)
    return _errno


@pytest.mark.parametrize("err, fix", [
    (28, r"no space left on the device holding .*free some space .*--out.* run the same command again"),
    (30, r"not writable .*make it writable .*--out.* run the same command again"),
    (13, r"not writable .*make it writable"),
])
def test_full_disk_or_read_only_store_mid_run(tmp_path, monkeypatch, err, fix):
    store = ResultStore(tmp_path)
    calls = []

    def fn(c):
        calls.append(c["n"])
        return {"v": c["n"]}

    cfgs = [{"n": n} for n in range(6)]
    _failing(monkeypatch, after=3, err=err)
    with pytest.raises(StoreError, match=fix) as info:
        run_sweep(store, cfgs, fn, progress=False)
    assert "finished units are kept" in str(info.value)
    monkeypatch.undo()
    # nothing finished is lost, nothing corrupt is read back, no temporary file or claim is left
    assert sorted(r["result"]["v"] for r in store.records()) == [0, 1, 2]
    assert not [p for p in (tmp_path / "records").iterdir() if p.suffix != ".json"]
    assert not list((tmp_path / "claims").glob("*.claim"))
    # once space is back, the same sweep computes only what is missing
    assert [r["v"] for r in run_sweep(store, cfgs, fn, progress=False)] == list(range(6))
    assert calls == [0, 1, 2, 3, 3, 4, 5]  # only the unit whose write failed is computed again


def test_read_only_store_in_the_cli_is_one_line_with_the_fix(tmp_path, monkeypatch, capsys):
    from embtheory.cli import main

    d = tmp_path / "exps"
    d.mkdir()
    (d / "toy.py").write_text(textwrap.dedent("""
        from embtheory.core import Experiment, Report, run_sweep
        def _run(ctx):
            res = run_sweep(ctx.store, [{"n": n} for n in range(5)], lambda c: {"v": c["n"]}, progress=False)
            return Report("Toy", lines=[str([r["v"] for r in res])])
        EXPERIMENTS = [Experiment("toy-fig", "depth", "a toy", "nobody", "1 s", "1 s", _run)]
    """))
    monkeypatch.setenv("EMBTHEORY_EXPERIMENTS", str(d))
    _failing(monkeypatch, after=2, err=30)
    out = tmp_path / "o"
    assert main(["reproduce", "toy-fig", "--out", str(out), "--no-progress"]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 1 and "not writable" in err[0] and "make it writable" in err[0]
    monkeypatch.undo()
    monkeypatch.setenv("EMBTHEORY_EXPERIMENTS", str(d))
    assert len(ResultStore(out / "store")) == 2
    assert main(["reproduce", "toy-fig", "--out", str(out), "--no-progress"]) == 0
    assert "[0, 1, 2, 3, 4]" in (out / "REPORT.md").read_text()


def test_a_recorded_unit_with_a_dead_process_claim_loses_the_claim(tmp_path):
    """A process killed after writing a unit's record but before releasing its claim leaves both;
    the next sweep reads the record and removes the stale claim (a live claim would stay)."""
    import json as _json
    import socket

    from embtheory.core.store import run_sweep

    store = ResultStore(tmp_path / "store")
    cfg = {"unit": 1}
    store.put(cfg, {"value": 1})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    claim = tmp_path / "store" / "claims" / f"{store.key(cfg)}.claim"
    claim.parent.mkdir(parents=True, exist_ok=True)
    claim.write_text(_json.dumps({"pid": dead.pid, "host": socket.gethostname(), "nonce": "x",
                                  "started": time.time()}))
    out = run_sweep(store, [cfg], lambda c: pytest.fail("a recorded unit was computed again"), progress=False)
    assert out[0]["value"] == 1
    assert not claim.exists()


def test_a_claim_path_that_is_a_directory_is_a_store_error_naming_the_fix(tmp_path):
    st = ResultStore(tmp_path)
    path = tmp_path / "claims" / f"{st.key({'n': 1})}.claim"
    path.mkdir(parents=True)
    with pytest.raises(StoreError, match=r"is a directory.*rm -r"):
        st.claim({"n": 1})


def test_run_sweep_takes_a_path_and_checks_its_arguments(tmp_path):
    out = run_sweep(str(tmp_path / "s"), [{"n": 1}, {"n": 2}], lambda c: {"v": c["n"] * 2}, progress=False)
    assert [r["v"] for r in out] == [2, 4]
    with pytest.raises(TypeError, match="progress must be True or False"):
        run_sweep(tmp_path / "s", [{"n": 1}], lambda c: {}, progress="no")
    with pytest.raises(TypeError, match="store must be a ResultStore or a directory path"):
        run_sweep(None, [{"n": 1}], lambda c: {})
    with pytest.raises(TypeError, match="fn must be a function"):
        run_sweep(tmp_path / "s", [{"n": 1}], "fn")


def test_as_store_opens_paths_and_refuses_other_kinds(tmp_path):
    from embtheory.core.store import ResultStore, as_store

    opened = as_store(str(tmp_path / "s"))
    assert isinstance(opened, ResultStore) and (tmp_path / "s" / "records").is_dir()
    assert as_store(opened) is opened and as_store(None) is None
    assert isinstance(as_store(tmp_path / "p"), ResultStore)
    with pytest.raises(TypeError, match="store must be a ResultStore or a directory path"):
        as_store(3)

"""The results store: canonical keys, atomic records, resume after SIGKILL, clear errors."""

from __future__ import annotations

import json
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


def test_to_jsonable_handles_arrays_and_non_finite():
    out = to_jsonable({"a": np.arange(3), "b": np.float32(1.5), "c": float("nan"), "d": -np.inf})
    assert out == {"a": [0, 1, 2], "b": 1.5, "c": "nan", "d": "-inf"}
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

"""Two processes on localhost joined by jax.distributed run sharded_map unchanged."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np

_WORKER = textwrap.dedent("""
    import json, os, sys
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    import jax
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    import numpy as np
    from embtheory.core import initialize_distributed, sharded_map

    pid, port, store_dir, out_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    n = initialize_distributed(coordinator_address=f"127.0.0.1:{port}", num_processes=2, process_id=pid)
    out = sharded_map(jax.vmap(lambda v: v ** 2 + 1), np.arange(7.0))
    from embtheory.core import ResultStore
    ResultStore(store_dir).put({"unit": 1}, {"out": out}, seed=0)
    with open(out_file, "w") as f:  # a file: Gloo writes to stdout from its own threads
        json.dump({"pid": pid, "processes": n, "devices": len(jax.devices()), "out": out.tolist()}, f)
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_host_run_equals_single_process(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    port = str(_free_port())
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    procs, logs = [], []
    for pid in (0, 1):
        log = open(tmp_path / f"worker{pid}.log", "w")  # closed below, once the worker exits
        logs.append(log)
        args = [str(pid), port, str(tmp_path / "store"), str(tmp_path / f"out{pid}.json")]
        procs.append(subprocess.Popen([sys.executable, str(script), *args],
                                      stdout=log, stderr=subprocess.STDOUT, env=env))
    for p, log in zip(procs, logs):
        p.wait(timeout=180)
        log.close()
    for pid, p in enumerate(procs):
        tail = (tmp_path / f"worker{pid}.log").read_text()[-3000:]
        assert p.returncode == 0, f"worker {pid} failed:\n{tail}"
    outs = [json.loads((tmp_path / f"out{pid}.json").read_text()) for pid in (0, 1)]
    expected = (np.arange(7.0) ** 2 + 1).tolist()
    for o in outs:
        assert o["processes"] == 2 and o["devices"] == 4 and o["out"] == expected
    # One record, written once (by process 0).
    assert len(list((tmp_path / "store" / "records").glob("*.json"))) == 1

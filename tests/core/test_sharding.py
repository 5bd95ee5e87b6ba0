"""Sharding a batch of independent runs over 4 host CPU devices, and over two processes joined by
jax.distributed, equals the single-device run."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core import batch_mesh, shard_batch, sharded_map


def _one_run(key, scale):
    x = jax.random.normal(key, (16,))

    def body(carry, _):
        return carry * 0.9 + scale * jnp.tanh(carry), None

    out, _ = jax.lax.scan(body, x, None, length=20)
    return {"mean": out.mean(), "vec": out}


def test_four_devices_are_available():
    assert len(jax.devices()) == 4, "tests/conftest.py forces 4 host devices"


@pytest.mark.numerics
@pytest.mark.parametrize("batch", [1, 4, 7])
def test_sharded_map_equals_single_device(batch):
    keys = jax.random.split(jax.random.key(0), batch)
    scales = jnp.linspace(0.1, 1.0, batch)
    fn = jax.vmap(_one_run)
    expected = jax.jit(fn)(keys, scales)
    got = sharded_map(fn, keys, scales)
    assert got["vec"].shape == (batch, 16)
    # Same values up to a few ulps: each device compiles the run for its own batch slice, and XLA's
    # vectorised tanh may round the last bit differently from the unsharded program.
    ulps = 8 * np.finfo(np.asarray(expected["vec"]).dtype).eps
    np.testing.assert_allclose(got["vec"], np.asarray(expected["vec"]), rtol=ulps, atol=ulps)
    np.testing.assert_allclose(got["mean"], np.asarray(expected["mean"]), rtol=ulps, atol=ulps)


def test_shard_batch_pads_and_spreads_over_all_devices():
    (x,), n = shard_batch((np.arange(10.0),))
    assert n == 10 and x.shape == (12,)
    assert len(x.sharding.device_set) == 4
    assert batch_mesh().devices.size == 4


def test_mismatched_batch_axes_are_a_clear_error():
    with pytest.raises(ValueError, match="same leading"):
        shard_batch((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="batch is empty"):
        shard_batch((np.zeros((0, 2)),))
    with pytest.raises(TypeError, match="devices must be a non-empty list"):
        batch_mesh([])
    with pytest.raises(TypeError, match="fn must be a"):
        sharded_map(3, np.zeros(4))
    out = shard_batch((np.arange(5.0),))
    assert out.size == 5 and out.tree[0].shape == (8,)  # a ShardedBatch NamedTuple


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

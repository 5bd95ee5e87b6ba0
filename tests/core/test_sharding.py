"""Sharding a batch of independent runs over 4 host CPU devices equals the single-device run."""

from __future__ import annotations

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

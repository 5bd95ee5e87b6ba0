"""Shard a batch of independent runs over every device, on one host or many.

:func:`shard_batch` places the leading axis of a pytree of arrays over a one-axis mesh of all
devices (``jax.devices()``, which after ``jax.distributed.initialize()`` spans every host),
padding it to a multiple of the device count.  :func:`sharded_map` runs a function that is
already batched over that axis (a ``vmap`` of one run) under ``jit`` with those shardings and
returns host NumPy arrays of the true batch size, gathered from every process.

Example (on CPU, ``XLA_FLAGS=--xla_force_host_platform_device_count=4`` gives 4 devices):
    >>> import jax, jax.numpy as jnp
    >>> out = sharded_map(jax.vmap(lambda x: x ** 2), jnp.arange(6.0))
    >>> out.tolist()
    [0.0, 1.0, 4.0, 9.0, 16.0, 25.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

__all__ = ["ShardedBatch", "batch_mesh", "initialize_distributed", "shard_batch", "sharded_map"]


class ShardedBatch(NamedTuple):
    """What :func:`shard_batch` returns (unpacks as ``tree, n = shard_batch(...)``).

    Attributes:
        tree: the batch, padded to a multiple of the device count and sharded over the mesh.
        size: the true batch size ``n`` (rows past it are padding, to drop from results).
    """

    tree: Any
    size: int

AXIS = "batch"


def initialize_distributed(**kwargs: Any) -> int:
    """Joins a multi-host run with ``jax.distributed.initialize(**kwargs)``; returns the process count.

    With no arguments JAX detects the cluster (SLURM, Open MPI, TPU pods, or the
    ``JAX_COORDINATOR_ADDRESS``/``JAX_NUM_PROCESSES``/``JAX_PROCESS_ID`` variables).  Call it once,
    before any other JAX call; afterwards :func:`batch_mesh` spans every host's devices and
    :func:`sharded_map` runs unchanged.  The results store writes from process 0 only.
    """
    jax.distributed.initialize(**kwargs)
    return jax.process_count()


def batch_mesh(devices: Sequence[jax.Device] | None = None) -> Mesh:
    """A one-axis mesh named ``"batch"`` over ``devices`` (default: all devices of all hosts)."""
    devices = list(jax.devices() if devices is None else devices)
    if not devices or not all(isinstance(d, jax.Device) for d in devices):
        raise TypeError(f"devices must be a non-empty list of jax.Device (jax.devices()), got {devices!r}")
    return Mesh(np.asarray(devices), (AXIS,))


def _batch_size(tree: Any) -> int:
    sizes = {np.shape(leaf)[0] if np.ndim(leaf) else None for leaf in jax.tree.leaves(tree)}
    if len(sizes) != 1 or None in sizes:
        raise ValueError(
            f"every array of the batch needs the same leading (batch) axis, got sizes {sizes}"
        )
    n = sizes.pop()
    if n == 0:
        raise ValueError("the batch is empty (leading axis of size 0): nothing to shard")
    return n


def shard_batch(tree: Any, mesh: Mesh | None = None) -> ShardedBatch:
    """Pads the leading axis to a multiple of the device count and shards it over ``mesh``.

    Every process must hold the same full batch (it is host-local data replicated by
    construction, e.g. derived from one seed); each device receives its slice.

    Returns:
        A :class:`ShardedBatch` ``(sharded tree, true batch size)``.
    """
    mesh = batch_mesh() if mesh is None else mesh
    n = _batch_size(tree)
    ndev = mesh.devices.size
    padded = -(-n // ndev) * ndev

    def put(leaf):
        if isinstance(leaf, jax.Array) and jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
            # Typed PRNG keys: shard their raw data, then wrap it again.
            data = put(jax.random.key_data(leaf))
            return jax.random.wrap_key_data(data, impl=jax.random.key_impl(leaf))
        host = np.asarray(leaf)
        if padded != n:  # repeat the last run: valid input, result discarded
            host = np.concatenate([host, host[np.full(padded - n, n - 1)]], axis=0)
        spec = PartitionSpec(AXIS, *([None] * (host.ndim - 1)))
        sharding = NamedSharding(mesh, spec)
        return jax.make_array_from_callback(host.shape, sharding, lambda idx: host[idx])

    return ShardedBatch(jax.tree.map(put, tree), n)


def sharded_map(fn: Callable[..., Any], *batch: Any, mesh: Mesh | None = None) -> Any:
    """Runs batched ``fn`` on ``batch`` sharded over all devices; returns host arrays.

    Args:
        fn: a function of pytrees whose leaves share a leading batch axis, already vmapped
            (``jax.vmap(one_run)``); it must treat batch entries independently.
        *batch: its arguments.
        mesh: a one-axis ``"batch"`` mesh; default :func:`batch_mesh`.

    Returns:
        ``fn(*batch)`` as NumPy arrays with the padding removed; the same values as the
        single-device ``fn(*batch)``.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a (vmapped) function of the batch, got {type(fn).__name__}")
    mesh = batch_mesh() if mesh is None else mesh
    sharded, n = shard_batch(batch, mesh)
    out = jax.jit(fn)(*sharded)

    def gather(leaf):
        if jax.process_count() > 1:
            from jax.experimental import multihost_utils

            leaf = multihost_utils.process_allgather(leaf, tiled=True)
        return np.asarray(leaf)[:n]

    return jax.tree.map(gather, out)

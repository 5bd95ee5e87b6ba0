"""Shared machinery of the depth package: input checks, memory, row chunking.

Every depth here is a reduction over a reference sample ``F`` (``m x d``) evaluated at query
points ``G`` (``n x d``).  Hot paths walk over the queries (or the permutations) in blocks of
``chunk`` rows with ``lax.fori_loop`` and ``dynamic_slice``, so no padded copy of the input is
made and only a ``chunk x m`` tile of intermediates exists at once; the ragged tail is one
more static block.  Blocks are planned and run by :mod:`embtheory.core.memory`
(``chunk_size_for``, ``chunked_map``, ``chunked_reduce``); a block size never changes a result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from embtheory.core import as_matrix, check_memory
from embtheory.core.algorithm import interruptible
from embtheory.core.memory import ASSUMED_FLOPS as CORE_ASSUMED_FLOPS
from embtheory.core.memory import assumed_flops, check_seconds, chunk_size_for, resolve_memory_budget
from embtheory.core.pairwise import unit_rows  # the unchecked kernel (callers check on the host)
from embtheory.core.validation import is_concrete

__all__ = [
    "ASSUMED_FLOPS",
    "BLOCK_FLOPS",
    "block_size",
    "check_time",
    "check_values",
    "plan_tiles",
    "prepare_pair",
    "run_blocks",
    "unit_rows",
]

#: Matrix products in full precision: on GPUs the default float32 matmul may use TF32
#: (10-bit mantissa), which would change depths in the fourth digit.
HIGHEST = lax.Precision.HIGHEST



def budget(memory_budget: float | str | None) -> float:
    """The call's memory budget in bytes: ``memory_budget`` (checked) or the core's default
    (``EMBTHEORY_MEMORY_BUDGET``, else a share of the machine's memory); requests above it are
    refused."""
    return resolve_memory_budget(memory_budget)


@jax.jit
def _value_flags(X: jax.Array) -> jax.Array:
    """``[4]`` int32: any non-finite, its first row, any zero row, its first row.

    One reduction pass: the largest absolute entry of a row is NaN or inf exactly when the row
    holds a NaN or inf (XLA's max propagates NaN), and 0 exactly when the row is zero.
    """
    top = jnp.max(jnp.abs(X), axis=1)
    bad = ~jnp.isfinite(top)
    zero = top == 0
    return jnp.stack([jnp.any(bad), jnp.argmax(bad), jnp.any(zero), jnp.argmax(zero)]).astype(jnp.int32)


def check_values(X: jax.Array, name: str, *, nonzero_rows: bool) -> None:
    """Raises a clear ValueError for NaN/inf (and zero rows when asked), in one device round trip.

    Skipped under ``jit`` (tracers have no values), like :func:`embtheory.core.as_matrix`.
    """
    if not is_concrete(X):
        return
    if isinstance(X, np.ndarray):
        with np.errstate(invalid="ignore"):
            top = np.max(np.abs(X), axis=1)  # NaN or inf exactly for rows holding one
        bad = ~np.isfinite(top)
        zero = top == 0
        flags = (bad.any(), int(np.argmax(bad)), zero.any(), int(np.argmax(zero)))
    else:
        flags = np.asarray(_value_flags(X)).tolist()
    if flags[0]:
        raise ValueError(f"{name} contains NaN or inf (first in row {flags[1]}): clean or drop those rows")
    if nonzero_rows and flags[2]:
        raise ValueError(
            f"{name} has a zero vector in row {flags[3]}: its direction is undefined; "
            "drop it or embed it again"
        )


def _as_checked(x: Any, name: str, *, min_rows: int, directional: bool) -> jax.Array:
    host = x if isinstance(x, (np.ndarray, jax.Array)) or x is None else np.asarray(x)
    if isinstance(host, np.ndarray) and np.issubdtype(host.dtype, np.floating):
        # convert on the host (float64 -> float32 without x64): a device-side cast costs a round trip
        host = host.astype(jax.dtypes.canonicalize_dtype(host.dtype), copy=False)
    out = as_matrix(host, name, min_rows=min_rows, finite=False)
    if isinstance(host, np.ndarray) and np.issubdtype(host.dtype, np.floating):
        check_values(host, name, nonzero_rows=directional)  # on the host: no device round trip
    else:
        check_values(out, name, nonzero_rows=directional)
    return out


def prepare_pair(F: Any, G: Any, *, directional: bool, min_rows: int = 2,
                 names: tuple[str, str] = ("F", "G")) -> tuple[jax.Array, jax.Array | None]:
    """Checks a reference sample and optional queries; returns them as arrays of one dtype.

    Shapes and types are checked by :func:`embtheory.core.as_matrix`; values (NaN/inf, zero
    rows) in one pass, on the host for NumPy input and in one device round trip otherwise.

    Args:
        F: reference sample ``[m, d]``, ``m >= min_rows``.
        G: queries ``[n, d]`` or None.
        directional: the depth uses directions only, so zero rows are refused.
        min_rows: the least ``m`` the depth is defined for.
        names: argument names used in error messages.

    Raises:
        TypeError, ValueError: wrong type, rank or dimension; NaN/inf; zero vectors when
            ``directional``; too few rows.
    """
    F = _as_checked(F, names[0], min_rows=min_rows, directional=directional)
    if G is None:
        return F, None
    G = _as_checked(G, names[1], min_rows=1, directional=directional)
    if G.shape[1] != F.shape[1]:
        raise ValueError(
            f"{names[1]} has dimension {G.shape[1]} but {names[0]} has {F.shape[1]}: both must be "
            "embeddings of the same model (same number of columns)"
        )
    dtype = jnp.result_type(F.dtype, G.dtype)
    return F.astype(dtype), G.astype(dtype)


def self_mask(start: Any, rows: int, cols: int) -> jax.Array:
    """``[rows, cols]`` boolean, True where column index == ``start`` + row index."""
    r = lax.broadcasted_iota(jnp.int32, (rows, cols), 0) + start
    c = lax.broadcasted_iota(jnp.int32, (rows, cols), 1)
    return r == c


def itemsize(x: jax.Array) -> int:
    """Bytes per element of ``x``."""
    return int(np.dtype(x.dtype).itemsize)


#: The CPU rate of :data:`embtheory.core.memory.ASSUMED_FLOPS`, which the blocks below are sized by.
ASSUMED_FLOPS = CORE_ASSUMED_FLOPS["cpu"]

#: Work per host block of a long loop: a few tenths of a second on a laptop core, so that a
#: Ctrl-C (delivered between blocks) returns within a second or two.
BLOCK_FLOPS = 2e9


def block_size(chunk: int, flops_per_item: float, chosen: bool) -> int:
    """Items per host block: the planned ``chunk``, cut to :data:`BLOCK_FLOPS` of work unless the
    caller chose it."""
    if chosen:
        return chunk
    return int(max(1, min(chunk, BLOCK_FLOPS // max(flops_per_item, 1.0))))


def plan_tiles(nbytes: float, what: str, *, fix: str, rows: int, bytes_per_item: float,
               chunk_size: int | None, memory_budget: float | str | None) -> int:
    """Rows per tile of a call that first holds ``nbytes`` whatever its tiling (a covariance, a
    distance matrix, one query's sweep): that part is refused past the budget with ``fix``, and
    the tiles are planned for the rest."""
    check_memory(nbytes, what, memory_budget=budget(memory_budget), fix=fix)
    return chunk_size_for(rows, bytes_per_item=bytes_per_item, chunk_size=chunk_size,
                          memory_budget=memory_budget)


def check_time(n_items: int, flops_per_item: float, time_limit: float | None, what: str, fix: str) -> None:
    """Refuses, before any work, a loop whose a-priori time (:func:`embtheory.core.memory.check_seconds`)
    exceeds ``time_limit``, saying how many items would fit."""
    if time_limit is None:
        return
    fit = int(time_limit * assumed_flops() // max(flops_per_item, 1.0))
    check_seconds(n_items * flops_per_item, time_limit, what, f"{fix} (at most {fit} fit)")


def run_blocks(fn: Callable[[jax.Array], Any], rows: jax.Array, block: int, *, time_limit: float | None,
               what: str, fix: str) -> Any:
    """``fn`` over blocks of ``block`` rows (PRNG keys, queries), one compiled call per block, concatenated.

    Blocks are evened out (``ceil(n / ceil(n / block))`` rows each) and the last is filled up
    with repeated rows (results dropped), so ``fn`` is compiled for one shape.  Each block is
    waited for before the next starts: a Ctrl-C returns between blocks.  After the second block
    (the first includes compilation) the measured time per block is extrapolated; past
    ``time_limit`` the run stops with a TimeoutError that says how many items would fit.
    """
    import time

    n = rows.shape[0]
    n_blocks = -(-n // block)
    block = -(-n // n_blocks)  # the same number of blocks, evened out: the least padding
    padded = rows[np.arange(n_blocks * block) % n] if n_blocks * block != n else rows
    outs, last = [], [None]
    t1 = None
    with interruptible(lambda: last[0]):
        for b in range(n_blocks):
            if b == 1:
                t1 = time.perf_counter()
            last[0] = fn(padded[b * block:(b + 1) * block])
            outs.append(jax.block_until_ready(last[0]))
            if b == 1 and time_limit is not None:
                per = time.perf_counter() - t1
                projected = per * n_blocks
                if projected > time_limit:
                    fit = int(time_limit / per) * block
                    raise TimeoutError(f"{what} would take about {projected:.3g} s (measured {per:.3g} s "
                                       f"per block of {block}), over time_limit={time_limit:g} s: {fix} "
                                       f"(about {fit} fit), or raise time_limit (None: no limit)")
    return jax.tree.map(lambda *a: jnp.concatenate(a)[:n], *outs)

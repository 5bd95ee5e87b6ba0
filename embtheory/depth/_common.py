"""Shared machinery of the depth package: input checks, memory, row chunking.

Every depth here is a reduction over a reference sample ``F`` (``m x d``) evaluated at query
points ``G`` (``n x d``).  Hot paths walk over the queries (or the permutations) in blocks of
``chunk`` rows with ``lax.fori_loop`` and ``dynamic_slice``, so no padded copy of the input is
made and only a ``chunk x m`` tile of intermediates exists at once; the ragged tail is one
more static block.  The default block size fills a quarter of the memory budget
(:func:`tile_bytes`); a block size never changes a result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from embtheory.core import as_matrix, check_int
from embtheory.core.memory import DEFAULT_MEMORY_BUDGET, resolve_memory_budget
from embtheory.core.pairwise import unit_rows  # the unchecked kernel (callers check on the host)

__all__ = [
    "TILE_BYTES",
    "auto_chunk",
    "check_values",
    "chunked_keys",
    "chunked_reduce",
    "chunked_rows",
    "prepare_pair",
    "tile_bytes",
    "unit_rows",
]

#: Bytes one tile of intermediates takes by default: a quarter of the fixed default memory
#: budget (256 MiB), small enough for a laptop, large enough that a GPU's matrix units stay
#: busy.  Pass ``memory_budget`` (bytes) or ``chunk_size`` to override it per call.
TILE_BYTES = DEFAULT_MEMORY_BUDGET // 4

#: Matrix products in full precision: on GPUs the default float32 matmul may use TF32
#: (10-bit mantissa), which would change depths in the fourth digit.
HIGHEST = lax.Precision.HIGHEST



def budget(memory_budget: float | str | None) -> float:
    """The call's memory budget in bytes: ``memory_budget`` (checked) or the core's default
    (``EMBTHEORY_MEMORY_BUDGET``, else a share of the machine's memory); requests above it are
    refused."""
    return resolve_memory_budget(memory_budget)


def tile_bytes(memory_budget: float | str | None) -> float:
    """Bytes of one tile of intermediates: a quarter of ``memory_budget`` when given, else of the
    fixed :data:`embtheory.core.memory.DEFAULT_MEMORY_BUDGET` (256 MiB tiles: larger ones do not
    run faster and would crowd the machine).  A tile size never changes a result."""
    return (DEFAULT_MEMORY_BUDGET if memory_budget is None else resolve_memory_budget(memory_budget)) / 4


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
    if isinstance(X, jax.core.Tracer):
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


def auto_chunk(chunk_size: int | None, n_rows: int, bytes_per_row: float, *,
               name: str = "chunk_size", memory_budget: float | str | None = None) -> int:
    """The block size: ``chunk_size`` if given (checked), else what fits one tile of the budget."""
    if chunk_size is not None:
        return min(check_int(chunk_size, name, minimum=1), max(n_rows, 1))
    rows = int(tile_bytes(memory_budget) // max(bytes_per_row, 1.0))
    return int(max(1, min(n_rows, rows)))


def _block_starts(n: int, chunk: int) -> tuple[int, int]:
    full, tail = divmod(n, chunk)
    return full, tail


def chunked_rows(fn: Callable[[Any, Any], Any], xs: Any, chunk: int) -> Any:
    """``fn`` over row blocks of the pytree ``xs``, outputs stacked along rows.

    Args:
        fn: ``(block, start) -> out`` where ``block`` is ``xs`` restricted to rows
            ``[start, start + c)`` and every leaf of ``out`` has ``c`` leading rows.
            ``start`` is a traced integer for the full blocks, a Python int for the tail.
        xs: a pytree of arrays sharing a leading axis of length ``n``.
        chunk: the block size ``c``.

    Returns:
        The pytree ``fn`` would return for all ``n`` rows at once.
    """
    n = jax.tree.leaves(xs)[0].shape[0]
    chunk = min(chunk, n)
    full, tail = _block_starts(n, chunk)
    if full == 1 and tail == 0:
        return fn(xs, 0)
    spec = jax.eval_shape(fn, jax.tree.map(lambda a: a[:chunk], xs), 0)
    out = jax.tree.map(lambda s: jnp.zeros((n, *s.shape[1:]), s.dtype), spec)

    def body(i, acc):
        start = i * chunk
        blk = jax.tree.map(lambda a: lax.dynamic_slice_in_dim(a, start, chunk, 0), xs)
        res = fn(blk, start)
        return jax.tree.map(lambda o, r: lax.dynamic_update_slice_in_dim(o, r, start, 0), acc, res)

    out = lax.fori_loop(0, full, body, out)
    if tail:
        start = full * chunk
        res = fn(jax.tree.map(lambda a: a[start:], xs), start)
        out = jax.tree.map(lambda o, r: o.at[start:].set(r), out, res)
    return out


def chunked_keys(block: Callable[[Any, Any], Any], keys: jax.Array, chunk: int) -> Any:
    """:func:`chunked_rows` over whole blocks of PRNG keys.

    The last block is filled up with repeated keys (their results dropped), so that one loop
    body is compiled instead of two; results do not depend on ``chunk``.
    """
    B = keys.shape[0]
    chunk = min(chunk, B)
    padded = -(-B // chunk) * chunk
    if padded != B:
        keys = keys[jnp.arange(padded) % B]
    return jax.tree.map(lambda a: a[:B], chunked_rows(block, keys, chunk))


def chunked_reduce(fn: Callable[[Any, Any], jax.Array], xs: Any, chunk: int,
                   op: Callable[[jax.Array, jax.Array], jax.Array] = jnp.add) -> jax.Array:
    """``op``-reduction over blocks of ``fn(block, start)`` (sum by default; max, min, ...)."""
    n = jax.tree.leaves(xs)[0].shape[0]
    chunk = min(chunk, n)
    full, tail = _block_starts(n, chunk)
    first = fn(jax.tree.map(lambda a: a[:chunk], xs), 0)
    if full == 1 and tail == 0:
        return first

    def body(i, acc):
        start = i * chunk
        blk = jax.tree.map(lambda a: lax.dynamic_slice_in_dim(a, start, chunk, 0), xs)
        return op(acc, fn(blk, start))

    total = lax.fori_loop(1, full, body, first)
    if tail:
        start = full * chunk
        total = op(total, fn(jax.tree.map(lambda a: a[start:], xs), start))
    return total


def self_mask(start: Any, rows: int, cols: int) -> jax.Array:
    """``[rows, cols]`` boolean, True where column index == ``start`` + row index."""
    r = lax.broadcasted_iota(jnp.int32, (rows, cols), 0) + start
    c = lax.broadcasted_iota(jnp.int32, (rows, cols), 1)
    return r == c


def itemsize(x: jax.Array) -> int:
    """Bytes per element of ``x``."""
    return int(np.dtype(x.dtype).itemsize)

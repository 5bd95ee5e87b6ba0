"""Memory budgets and chunks: one planner, one chunked map, one way to print a size.

Every function that streams or chunks its work takes ``memory_budget`` (bytes the call may use
for its large temporaries, or a size such as ``"8GiB"``) and/or ``chunk_size`` (items per
chunk); None means "derive it".

* :func:`chunk_size_for` is the one planner: ``(n_items, bytes_per_item, memory_budget or
  chunk_size) -> chunk``, used by every package.  A chunk takes a quarter of the budget (the rest
  is for the inputs, the outputs and XLA's own buffers) unless the caller's budget counts the
  chunk alone.  Without ``memory_budget`` the budget is
  ``$EMBTHEORY_MEMORY_BUDGET`` or else the fixed :data:`DEFAULT_MEMORY_BUDGET`, not the
  machine's memory, so that a default chunk is the same on every machine.
* :func:`chunked_map` and :func:`chunked_reduce` run a function over chunks of rows inside one
  compiled loop (``lax.fori_loop`` and ``dynamic_slice``: no padded copy of the input, one
  ``chunk``-row block of intermediates at a time).  Call them under ``jit`` with a static chunk.
* :func:`check_memory` refuses a request over the budget, whose default
  (:func:`default_memory_budget`) is ``$EMBTHEORY_MEMORY_BUDGET``, else 80% of the
  accelerator's memory limit, else half the host's physical memory.

Example:
    >>> chunk_size_for(10_000, bytes_per_item=4 * 1024, memory_budget=2**20)
    64
    >>> format_bytes(3 * 2**20), format_bytes(512)
    ('3.00 MiB', '512 B')
    >>> parse_size("1.5GiB") == 1.5 * 2**30
    True
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import Any

from embtheory.core.validation import check_bool, check_int, check_memory, check_real

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "MEMORY_BUDGET_ENV",
    "assumed_flops",
    "check_memory",
    "check_seconds",
    "chunk_size_for",
    "chunked_map",
    "chunked_reduce",
    "default_memory_budget",
    "format_bytes",
    "parse_size",
    "resolve_memory_budget",
]

MEMORY_BUDGET_ENV = "EMBTHEORY_MEMORY_BUDGET"

#: The budget chunks are planned for when the caller gives none (1 GiB, so 256 MiB chunks):
#: fixed, because a chunk size must not depend on the machine a run happens on.
DEFAULT_MEMORY_BUDGET = 2**30

_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12,
          "tb": 1e12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def format_bytes(nbytes: float) -> str:
    """A size in the largest binary unit that keeps it at least 1: ``"512 B"``, ``"3.00 MiB"``."""
    x = check_real(nbytes, "nbytes", low=0)
    if x < 1024:
        return f"{x:.0f} B"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        x /= 1024
        if x < 1024 or unit == "PiB":
            return f"{x:.2f} {unit}"
    raise AssertionError("unreachable")


def parse_size(text: str | float | int, name: str = MEMORY_BUDGET_ENV) -> float:
    """Bytes from a number or a size string such as ``"512MiB"``, ``"8GiB"``, ``"2e9"``."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return check_real(text, name, low=0, low_open=True)
    m = re.fullmatch(r"\s*([0-9.eE+-]+)\s*([a-zA-Z]*)\s*", str(text))
    if not m or m.group(2).lower() not in _UNITS:
        raise ValueError(f"{name} must be a size in bytes such as 8GiB or 2e9, got {text!r}")
    try:
        value = float(m.group(1))
    except ValueError:
        raise ValueError(f"{name} must be a size in bytes such as 8GiB or 2e9, got {text!r}") from None
    return check_real(value * _UNITS[m.group(2).lower()], name, low=0, low_open=True)


def default_memory_budget() -> float:
    """``$EMBTHEORY_MEMORY_BUDGET``, else 80% of the accelerator's limit, else half the host RAM."""
    env = os.environ.get(MEMORY_BUDGET_ENV)
    if env:
        return parse_size(env)
    return _machine_budget()


@functools.cache
def _machine_budget() -> float:
    """80% of the accelerator's limit, else half the host RAM (fixed for a process: read once)."""
    import jax

    stats = jax.devices()[0].memory_stats() or {}
    if "bytes_limit" in stats:
        return 0.8 * float(stats["bytes_limit"])
    return 0.5 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


#: Floating-point operations per second that a-priori time estimates assume: a fast machine's
#: rate for the platform, so that an estimate is a lower bound and a refusal before a run is
#: never wrong about a run that would have fitted.
ASSUMED_FLOPS = {"cpu": 1e11, "gpu": 1e13, "tpu": 1e13}


def assumed_flops() -> float:
    """:data:`ASSUMED_FLOPS` of the default device's platform."""
    import jax

    return ASSUMED_FLOPS.get(jax.devices()[0].platform, ASSUMED_FLOPS["gpu"])


def check_seconds(flops: float, time_limit: float | None, what: str, fix: str, *,
                  limit_name: str = "time_limit") -> float:
    """The a-priori seconds of ``flops`` at :func:`assumed_flops`; past ``time_limit`` (seconds;
    None: no limit) a TimeoutError before any work, naming ``what``, ``fix`` and the limit (the
    argument or environment variable ``limit_name``)."""
    rate = assumed_flops()
    seconds = float(flops) / rate
    if time_limit is not None and seconds > time_limit:
        raise_it = f"raise {limit_name}" + (" (None: no limit)" if limit_name == "time_limit" else "")
        raise TimeoutError(f"{what} needs at least {seconds:.3g} s ({flops:.3g} operations at {rate:.0e} per "
                           f"second), over {limit_name}={time_limit:g} s: {fix}, or {raise_it}")
    return seconds


def resolve_memory_budget(memory_budget: float | str | None = None) -> float:
    """The budget in bytes: the argument (checked: positive and finite) or the default."""
    if memory_budget is None:
        return default_memory_budget()
    return parse_size(memory_budget, "memory_budget")


def chunk_size_for(n_items: int, *, bytes_per_item: float, memory_budget: float | str | None = None,
                   chunk_size: int | None = None, name: str = "chunk_size", share: float = 0.25) -> int:
    """Items per chunk: ``chunk_size`` if given (checked), else the most that fit ``share`` of the budget.

    Args:
        n_items: how many items there are (the chunk never exceeds it).
        bytes_per_item: bytes of intermediates one item needs inside a chunk.
        memory_budget: bytes (or a size string); default ``$EMBTHEORY_MEMORY_BUDGET``, else
            :data:`DEFAULT_MEMORY_BUDGET`.
        chunk_size: the caller's choice, which wins (checked as ``name``).
        name: the argument name used in messages.
        share: the fraction of the budget one chunk's intermediates may take.  A quarter by
            default: the rest holds the inputs, the outputs and XLA's own buffers.  A caller
            whose budget already counts only the chunk's temporaries (the sign-rank loss) passes 1.

    Returns:
        An int in ``[1, n_items]``.  A single item that does not fit still gives 1:
        refusing it is :func:`check_memory`'s job, which states the size.
    """
    n_items = check_int(n_items, "n_items", minimum=1)
    if chunk_size is not None:
        return min(check_int(chunk_size, name, minimum=1), n_items)
    per = max(check_real(bytes_per_item, "bytes_per_item", low=0), 1.0)
    if memory_budget is None:
        memory_budget = os.environ.get(MEMORY_BUDGET_ENV) or DEFAULT_MEMORY_BUDGET
    share = check_real(share, "share", low=0, high=1, low_open=True)
    fit = int(resolve_memory_budget(memory_budget) * share // per)
    return int(max(1, min(n_items, fit)))


def _rows(fn: Any, xs: Any) -> int:
    """The shared leading length of the leaves of ``xs`` (checked), and ``fn`` checked callable."""
    import jax

    if not callable(fn):
        raise TypeError(f"fn must be a function (chunk, start) -> out, got {type(fn).__name__}")
    lengths = {getattr(a, "shape", ())[:1] for a in jax.tree.leaves(xs)}
    if len(lengths) != 1 or lengths == {()} or lengths == {(0,)}:
        raise ValueError("xs must be arrays (or a pytree of arrays) sharing a leading axis of at least one "
                         f"row, got leading shapes {sorted(lengths)}")
    return lengths.pop()[0]


def chunked_map(fn: Callable[[Any, Any], Any], xs: Any, chunk_size: int, *, pad: bool = False) -> Any:
    """``fn`` over row chunks of the pytree ``xs``, outputs stacked along rows (traceable).

    Args:
        fn: ``(chunk, start) -> out``, where ``chunk`` is ``xs`` restricted to rows
            ``[start, start + c)`` and every leaf of ``out`` has ``c`` leading rows.  ``start``
            is a traced integer inside the loop, a Python int for a lone or ragged chunk.
        xs: a pytree of arrays sharing a leading axis of length ``n``.
        chunk_size: ``c``, static.
        pad: fill the last chunk up by repeating rows from the start (their outputs dropped), so
            that one loop body is compiled instead of a body and a ragged tail; for inputs
            whose rows are independent draws, such as PRNG keys.

    Returns:
        The pytree ``fn`` would return for all ``n`` rows at once.  Rows are independent, so the
        result does not depend on ``chunk_size``.
    """
    n = _rows(fn, xs)
    chunk = min(check_int(chunk_size, "chunk_size", minimum=1), n)
    return _jitted("map")(fn, xs, chunk, check_bool(pad, "pad"))


def _chunked_map(fn, xs, chunk, pad):
    import jax
    import jax.numpy as jnp
    from jax import lax

    n = jax.tree.leaves(xs)[0].shape[0]
    if pad and n % chunk:
        padded = -(-n // chunk) * chunk
        xs = jax.tree.map(lambda a: a[jnp.arange(padded) % n], xs)
        return jax.tree.map(lambda a: a[:n], _chunked_map(fn, xs, chunk, False))
    full, tail = divmod(n, chunk)
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


@functools.cache
def _jitted(kind: str):
    """The chunked loops under one ``jit`` each, static in ``fn`` (by identity), the chunk and the
    flags: a repeated eager call with the same function compiles nothing; inside a trace it inlines."""
    import jax

    if kind == "map":
        return jax.jit(_chunked_map, static_argnums=(0, 2, 3))
    return jax.jit(_chunked_reduce, static_argnums=(0, 2, 3))


def chunked_reduce(fn: Callable[[Any, Any], Any], xs: Any, chunk_size: int,
                   op: Callable[[Any, Any], Any] | None = None) -> Any:
    """``op``-reduction (default: sum) of ``fn(chunk, start)`` over row chunks of ``xs`` (traceable).

    The chunks are combined left to right, so for a non-associative ``op`` (a floating sum) the
    result depends on ``chunk_size``; ``max`` and ``min`` do not.
    """
    n = _rows(fn, xs)
    chunk = min(check_int(chunk_size, "chunk_size", minimum=1), n)
    return _jitted("reduce")(fn, xs, chunk, op)


def _chunked_reduce(fn, xs, chunk, op):
    import jax
    import jax.numpy as jnp
    from jax import lax

    op = jnp.add if op is None else op
    n = jax.tree.leaves(xs)[0].shape[0]
    full, tail = divmod(n, chunk)
    total = fn(jax.tree.map(lambda a: a[:chunk], xs), 0)
    if full == 1 and tail == 0:
        return total

    def body(i, acc):
        start = i * chunk
        blk = jax.tree.map(lambda a: lax.dynamic_slice_in_dim(a, start, chunk, 0), xs)
        return op(acc, fn(blk, start))

    total = lax.fori_loop(1, full, body, total)
    if tail:
        start = full * chunk
        total = op(total, fn(jax.tree.map(lambda a: a[start:], xs), start))
    return total

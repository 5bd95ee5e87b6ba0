"""Argument checks that fail at call time with a message naming the argument and the fix."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["as_matrix", "check_choice", "check_int", "check_memory", "check_positive"]


def check_int(value: Any, name: str, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """An integer argument within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """A positive (or non-negative) finite real argument."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None
    if not np.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} and finite, got {value!r}")
    return x


def check_choice(value: Any, name: str, choices: Collection[Any]) -> Any:
    """One of a fixed set of options."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(map(str, choices))}, got {value!r}")
    return value


def check_memory(nbytes: float, name: str, *, budget_bytes: float, fix: str) -> None:
    """Refuses a request whose memory exceeds a budget, stating the size and the fix."""
    if nbytes > budget_bytes:
        raise MemoryError(
            f"{name} needs {nbytes / 2**30:.2f} GiB, over the budget of "
            f"{budget_bytes / 2**30:.2f} GiB: {fix}"
        )


def as_matrix(x: Any, name: str, *, min_rows: int = 1, cols: int | None = None,
              finite: bool = True, nonzero_rows: bool = False, dtype=None) -> jax.Array:
    """A 2-D floating array, checked: rows >= ``min_rows``, ``cols`` columns, finite, no zero rows.

    Checks run on concrete values only: under ``jit`` the shape checks still run but the
    value checks (finite, zero rows) are skipped, since tracers have no values.
    """
    if x is None:
        raise TypeError(f"{name} must be an array of shape (rows, dim), got None")
    arr = x if isinstance(x, jax.Array) else np.asarray(x)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows, dim), got shape {tuple(arr.shape)}")
    if not (jnp.issubdtype(arr.dtype, jnp.floating) or jnp.issubdtype(arr.dtype, jnp.integer)):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {arr.shape[0]}")
    if cols is not None and arr.shape[1] != cols:
        raise ValueError(f"{name} must have {cols} columns to match, got {arr.shape[1]}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has zero columns: embeddings need dimension >= 1")
    if not isinstance(arr, jax.Array):
        # Host input: check and cast on the host (no device round trip, no eager dispatches).
        target = np.dtype(dtype) if dtype is not None else (
            arr.dtype if np.issubdtype(arr.dtype, np.floating) else np.dtype(jnp.result_type(float)))
        if not jax.config.jax_enable_x64 and target == np.float64:
            target = np.dtype(np.float32)
        _check_values(arr, name, finite=finite, nonzero_rows=nonzero_rows, xp=np)
        return jnp.asarray(arr.astype(target, copy=False))
    out = jnp.asarray(arr, dtype=dtype)
    if not jnp.issubdtype(out.dtype, jnp.floating):
        out = out.astype(jnp.result_type(float))
    if isinstance(out, jax.core.Tracer):
        return out
    # A concrete device array: check its values on the host, so that the check also works when
    # it is called while tracing (inside jit or lax.map), where jnp results would be tracers.
    _check_values(np.asarray(out), name, finite=finite, nonzero_rows=nonzero_rows, xp=np)
    return out


def _check_values(arr, name: str, *, finite: bool, nonzero_rows: bool, xp) -> None:
    if finite and not bool(xp.all(xp.isfinite(arr))):
        bad = int(xp.argmax(~xp.all(xp.isfinite(arr), axis=1)))
        raise ValueError(f"{name} contains NaN or inf (first in row {bad}): clean or drop those rows")
    if nonzero_rows:
        zero = xp.all(arr == 0, axis=1)
        if bool(xp.any(zero)):
            raise ValueError(
                f"{name} has a zero vector in row {int(xp.argmax(zero))}: its direction is "
                "undefined; drop it or embed it again"
            )

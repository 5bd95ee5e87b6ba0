"""Argument checks that fail at call time with a message naming the argument and the fix.

The checks run on the host, on concrete values.  A public function is a thin wrapper: it checks
its arguments and calls a pure kernel, which is what ``jit``/``vmap`` users and the library's
own traced code call.  The few public functions that are also documented to run under a
trace check shapes always and values only where :func:`is_concrete` says they exist: that
helper is the library's one test of whether a call is being traced.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "INT32_MAX",
    "INT64_MAX",
    "as_matrix",
    "check_bool",
    "check_choice",
    "check_finite",
    "check_float_dtype",
    "check_index_array",
    "check_int",
    "check_int_sequence",
    "check_key",
    "check_keys",
    "check_labels",
    "check_memory",
    "check_positive",
    "check_probability",
    "check_real",
    "check_seed",
    "x64_hint",
]

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

#: How to turn on float64, for every message that needs it.
x64_hint = ('float64 needs JAX\'s x64 mode: set JAX_ENABLE_X64=1 before starting Python, or call '
            'jax.config.update("jax_enable_x64", True) before any JAX work; or pass dtype=float32')


def is_concrete(*values: Any) -> bool:
    """Whether no value is a JAX tracer, i.e. each one's values exist on the host now.

    Under ``jit``, ``vmap``, ``grad`` or ``lax.map`` an array argument is a tracer: its shape and
    dtype are known, its values are not, so a check of values (finite, in range, unitary) cannot
    run and is left to the caller that made the trace.  Non-array values (None, ints, lists) are
    concrete.
    """
    return not any(isinstance(v, jax.core.Tracer) for v in values)


def check_int(value: Any, name: str, *, minimum: int | None = None,
              maximum: int | None = INT64_MAX) -> int:
    """An integer argument within [minimum, maximum] (``maximum`` defaults to the int64 limit).

    Bools, floats (even integral ones) and strings are refused with a TypeError; the bound
    check happens here, on the host, before any value reaches JAX (where it would overflow).
    """
    if _is_typed_key(value):
        raise TypeError(f"{name} must be an integer, got a typed PRNG key: pass the integer seed itself "
                        f"(an int), or pass the key where the function takes key=")
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        concrete = isinstance(value, (jax.Array, np.ndarray)) and is_concrete(value)
        if concrete and np.ndim(value) == 0 and np.issubdtype(np.asarray(value).dtype, np.integer):
            value = int(np.asarray(value))
        else:
            raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """A flag that is a real boolean (``True``/``False`` or a NumPy bool), never taken by truthiness.

    A string such as ``"no"`` is truthy; reading it as ``True`` would silently compute another quantity.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")


def check_int_sequence(value: Any, name: str, *, minimum: int | None = None, maximum: int | None = INT64_MAX,
                       min_length: int = 1, unique: bool = False) -> tuple[int, ...]:
    """A non-empty sequence of integers (list, tuple, range or 1-D array), each checked by ``check_int``.

    A scalar gets "``name`` must be a sequence of ints" rather than "'int' object is not iterable".
    """
    unique = check_bool(unique, "unique")
    if isinstance(value, (np.ndarray, jax.Array)):
        ok = value.ndim == 1 and not _is_typed_key(value)
    else:
        ok = isinstance(value, (list, tuple, range))
    if not ok:
        raise TypeError(f"{name} must be a sequence of ints (e.g. [4, 5, 6] or range(4, 9)), got {value!r} "
                        f"({type(value).__name__})")
    items = tuple(check_int(v, f"{name}[{i}]", minimum=minimum, maximum=maximum) for i, v in enumerate(value))
    if len(items) < min_length:
        raise ValueError(f"{name} must hold at least {min_length} value(s), got {len(items)}")
    if unique and len(set(items)) != len(items):
        dup = sorted({v for v in items if items.count(v) > 1})
        raise ValueError(f"{name} must not repeat a value, got {dup} more than once: drop the duplicates")
    return items


def check_seed(value: Any, name: str = "seed") -> int:
    """An integer seed in [0, 2**32) (experiments and the CLI; library functions take a ``key``)."""
    return check_int(value, name, minimum=0, maximum=2**32 - 1)


def check_real(value: Any, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """A finite real number within ``[low, high]`` (ends open where asked)."""
    low_open, high_open = check_bool(low_open, "low_open"), check_bool(high_open, "high_open")
    if isinstance(value, bool) or isinstance(value, (str, bytes, complex, np.complexfloating)):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})") from None
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    lo_bad = low is not None and (x < low or (low_open and x == low))
    hi_bad = high is not None and (x > high or (high_open and x == high))
    if lo_bad or hi_bad:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        left = "(" if low_open or low is None else "["
        right = ")" if high_open or high is None else "]"
        interval = f"{left}{lo}, {hi}{right}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return x


def check_probability(value: Any, name: str, *, closed: bool = False) -> float:
    """A probability or level in (0, 1) (or [0, 1] with ``closed=True``)."""
    closed = check_bool(closed, "closed")
    return check_real(value, name, low=0.0, high=1.0, low_open=not closed, high_open=not closed)


_KEY_HELP = ("pass a PRNG key made with jax.random.key(seed) (or a raw jax.random.PRNGKey(seed)); "
             "an integer seed is taken only by the experiments and the CLI")


def _is_typed_key(x) -> bool:
    return isinstance(x, jax.Array) and jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key)


def check_key(key: Any, name: str = "key") -> jax.Array:
    """One PRNG key: a typed ``jax.random.key`` (shape ``()``) or a raw ``uint32[2]`` PRNGKey.

    Returns the key as a typed key (raw keys are wrapped), so that the code under it sees one
    kind.  Ints, None, strings, floats, batches of keys and raw arrays of other shapes or
    dtypes are refused with one message.  Tracers pass through (the caller is tracing).
    """
    if _is_typed_key(key):
        if key.shape != ():
            raise ValueError(f"{name} must be a single key, got a batch of keys of shape {key.shape}: "
                             f"index one, or vmap over the batch")
        return key
    if isinstance(key, (jax.Array, np.ndarray)) and not isinstance(key, bool):
        arr = key
        if arr.dtype == np.uint32 and arr.shape == (2,):
            return jax.random.wrap_key_data(jnp.asarray(arr))
        if arr.dtype == np.uint32 and arr.ndim == 2 and arr.shape[-1] == 2:
            raise ValueError(f"{name} must be a single key, got a batch of raw keys of shape {arr.shape}: "
                             f"index one, or vmap over the batch")
        raise TypeError(f"{name} must be a PRNG key, got an array of shape {tuple(arr.shape)} and dtype "
                        f"{arr.dtype}: {_KEY_HELP}")
    raise TypeError(f"{name} must be a PRNG key, got {key!r} ({type(key).__name__}): {_KEY_HELP}")


def check_keys(keys: Any, name: str = "keys", *, count: int | None = None) -> jax.Array:
    """A batch of PRNG keys, shape ``(count,)`` typed (raw ``uint32[count, 2]`` is wrapped)."""
    if _is_typed_key(keys):
        out = keys
    elif isinstance(keys, (jax.Array, np.ndarray)) and keys.dtype == np.uint32 and keys.ndim == 2 \
            and keys.shape[-1] == 2:
        out = jax.random.wrap_key_data(jnp.asarray(keys))
    elif isinstance(keys, (list, tuple)) and keys:
        out = jnp.stack([check_key(k, f"{name}[{i}]") for i, k in enumerate(keys)])
    else:
        raise TypeError(f"{name} must be a batch of PRNG keys (jax.random.split(key, count)), got "
                        f"{type(keys).__name__}")
    if out.ndim != 1:
        raise ValueError(f"{name} must be a 1-D batch of keys, got shape {out.shape}")
    if count is not None and out.shape[0] != count:
        raise ValueError(f"{name} must hold {count} keys, got {out.shape[0]}")
    return out


def parse_dtype(dtype: Any, name: str, *, expected: str) -> np.dtype:
    """``np.dtype(dtype)``, or a TypeError saying that ``name`` must be ``expected`` (what each
    caller then allows of the dtype is its own check)."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be {expected}, got {dtype!r}") from None


def check_float_dtype(dtype: Any, name: str = "dtype", *, allow_none: bool = False):
    """A real floating dtype that JAX can honour now (float64 only with x64 on).

    Integer, bool and complex dtypes are refused (TypeError); float64 with x64 off is a
    ValueError that says how to turn x64 on, never a silent float32 run.
    """
    allow_none = check_bool(allow_none, "allow_none")
    if dtype is None:
        if allow_none:
            return None
        raise TypeError(f"{name} must be a floating dtype (float32 or float64), got None")
    dt = parse_dtype(dtype, name, expected="a floating dtype (float32 or float64)")
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"{name} must be a real floating dtype (float32 or float64), got {dt}")
    if dt == np.float64 and not jax.config.jax_enable_x64:
        raise ValueError(f"{name}=float64 was requested but JAX runs with x64 off: {x64_hint}")
    return dt


def check_finite(x: Any, name: str) -> np.ndarray | jax.Array:
    """An array of finite real numbers (checked on the host; tracers pass through)."""
    if not is_concrete(x):
        return x
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.size and not bool(np.all(np.isfinite(arr))):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{name} contains NaN or inf (first at index {tuple(int(i) for i in bad)}): "
                         "clean or drop those entries")
    return x


def check_index_array(idx: Any, name: str, *, n: int, ndim: int | None = None, unique_rows: bool = False,
                      allow: tuple[int, ...] = ()) -> np.ndarray:
    """Integral indices in ``[0, n)`` (values in ``allow``, e.g. ``(-1,)`` for padding, pass too).

    Float arrays are accepted only when every entry is integral (0.5 is refused, never
    truncated).  ``unique_rows``: no index repeated within a row (padding values excepted).
    Returns an int64 NumPy array.
    """
    unique_rows = check_bool(unique_rows, "unique_rows")
    if not is_concrete(idx):
        raise TypeError(f"{name} must be concrete indices (checked on the host), got a tracer")
    arr = np.asarray(idx)
    if arr.dtype == object or arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.number) \
            or np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be integer indices, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold integral indices, got non-integral values such as "
                             f"{arr[arr != np.round(arr)].ravel()[:1].tolist() or 'nan'}")
    out = arr.astype(np.int64)
    ok = (out >= 0) & (out < n)
    for a in allow:
        ok |= out == a
    if not np.all(ok):
        bad = out[~ok].ravel()[0]
        raise ValueError(f"{name} holds index {bad}, outside [0, {n}){' and ' + str(allow) if allow else ''}")
    if unique_rows and out.ndim >= 1 and out.size:
        rows = out.reshape(-1, out.shape[-1])
        s = np.sort(rows, axis=1)
        dup = (s[:, 1:] == s[:, :-1])
        for a in allow:
            dup &= s[:, 1:] != a
        if np.any(dup):
            r = int(np.argwhere(dup.any(axis=1))[0, 0])
            raise ValueError(f"{name} repeats an index within row {r}: {rows[r].tolist()}")
    return out


def check_labels(y: Any, name: str = "y", *, values: tuple[float, ...] | None = (-1, 1),
                 n: int | None = None) -> np.ndarray:
    """A 1-D label vector: finite, of length ``n`` if given, with entries in ``values`` if given,
    and not all equal when ``values`` is a two-class set (a constant labelling has no contrast)."""
    if not is_concrete(y):
        return y
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    check_finite(arr, name)
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} must have {n} entries to match the data, got {arr.shape[0]}")
    if values is not None:
        bad = ~np.isin(arr, values)
        if np.any(bad):
            raise ValueError(f"{name} entries must be in {values}, got {arr[bad][0].item()!r}")
        if len(values) == 2 and arr.size and np.all(arr == arr[0]):
            raise ValueError(f"{name} has one class only ({arr[0].item()!r}): both classes are needed")
    return arr


def check_positive(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """A positive (or non-negative) finite real argument."""
    allow_zero = check_bool(allow_zero, "allow_zero")
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


def check_memory(nbytes: float, name: str, *, memory_budget: float | None = None, fix: str) -> None:
    """Refuses a request whose memory exceeds a budget, stating the size and the fix.

    ``memory_budget`` is in bytes; None means the default budget of :mod:`embtheory.core.memory`.
    """
    from embtheory.core.memory import format_bytes, resolve_memory_budget

    budget = resolve_memory_budget(memory_budget)
    if nbytes > budget:
        raise MemoryError(
            f"{name} needs {format_bytes(nbytes)}, over the memory budget of "
            f"{format_bytes(budget)}: {fix} (or raise memory_budget / EMBTHEORY_MEMORY_BUDGET)"
        )


def as_matrix(x: Any, name: str, *, min_rows: int = 1, cols: int | None = None,
              finite: bool = True, nonzero_rows: bool = False, dtype=None) -> jax.Array:
    """A 2-D floating array, checked: rows >= ``min_rows``, ``cols`` columns, finite, no zero rows.

    Checks run on concrete values only: under ``jit`` the shape checks still run but the
    value checks (finite, zero rows) are skipped, since tracers have no values.
    """
    finite, nonzero_rows = check_bool(finite, "finite"), check_bool(nonzero_rows, "nonzero_rows")
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
    # an array of the dtype asked for is itself (jnp.asarray costs a tenth of a millisecond of
    # Python per call, most of a small kernel call)
    out = arr if dtype is None or arr.dtype == np.dtype(dtype) else jnp.asarray(arr, dtype=dtype)
    if not jnp.issubdtype(out.dtype, jnp.floating):
        out = out.astype(jnp.result_type(float))
    if not is_concrete(out):
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

"""Memory budgets and chunk sizes: one place, one name each.

Every function that streams or chunks its work takes ``memory_budget`` (bytes the call may use
for its large temporaries) and/or ``chunk_size`` (items per chunk); None means "derive it".
The default budget is ``EMBTHEORY_MEMORY_BUDGET`` (bytes, or a size such as ``"8GiB"``) when
set, else 80% of the accelerator's memory limit, else half the host's physical memory.

Example:
    >>> chunk_size_for(10_000, bytes_per_item=4 * 1024, memory_budget=2**20)
    256
    >>> parse_size("1.5GiB") == 1.5 * 2**30
    True
"""

from __future__ import annotations

import math
import os
import re

from embtheory.core.validation import check_int, check_memory, check_real

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "MEMORY_BUDGET_ENV",
    "check_memory",
    "chunk_size_for",
    "default_memory_budget",
    "parse_size",
    "resolve_memory_budget",
]

MEMORY_BUDGET_ENV = "EMBTHEORY_MEMORY_BUDGET"

#: A conservative fixed budget (1 GiB) for code whose default must not depend on the machine
#: (chunking decides summation order, and results must not depend on where they ran).
DEFAULT_MEMORY_BUDGET = 2**30

_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12,
          "tb": 1e12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


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
    import jax

    stats = jax.devices()[0].memory_stats() or {}
    if "bytes_limit" in stats:
        return 0.8 * float(stats["bytes_limit"])
    return 0.5 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def resolve_memory_budget(memory_budget: float | str | None = None) -> float:
    """The budget in bytes: the argument (checked: positive and finite) or the default."""
    if memory_budget is None:
        return default_memory_budget()
    return parse_size(memory_budget, "memory_budget")


def chunk_size_for(n_items: int, *, bytes_per_item: float, memory_budget: float | str | None = None,
                   chunk_size: int | None = None, minimum: int = 1, multiple_of: int = 1) -> int:
    """Items per chunk: ``chunk_size`` if given (checked), else the most that fit the budget.

    The result lies in ``[minimum, n_items]`` (``minimum`` wins over the budget: a single item
    that does not fit is the caller's ``check_memory`` to refuse) and is a multiple of
    ``multiple_of`` where that is possible.
    """
    n_items = check_int(n_items, "n_items", minimum=1)
    if chunk_size is not None:
        return check_int(chunk_size, "chunk_size", minimum=1)
    per = check_real(bytes_per_item, "bytes_per_item", low=0, low_open=True)
    fit = int(resolve_memory_budget(memory_budget) // per)
    c = max(minimum, min(n_items, fit))
    if multiple_of > 1 and c > multiple_of:
        c -= c % multiple_of
    return int(max(1, c))


def n_chunks(n_items: int, chunk_size: int) -> int:
    """How many chunks of ``chunk_size`` cover ``n_items``."""
    return math.ceil(n_items / chunk_size)

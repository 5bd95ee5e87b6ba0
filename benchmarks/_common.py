"""Pieces the benchmark scripts share: one timer, and the Gram set-up the fidelity benchmarks compare.

The scripts import this file as ``_common``: ``python benchmarks/<script>.py`` puts ``benchmarks/``
on ``sys.path`` (it is not a package).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import jax


def timed(fn: Callable[[], Any], repeats: int = 1) -> tuple[Any, float, float]:
    """``(out, first_s, warm_s)``: the first call's result and seconds (compilation included) and the
    median seconds of ``repeats`` further calls (the first call's seconds when ``repeats`` is 0).

    Each call is waited for with ``jax.block_until_ready``, so asynchronous dispatch does not pass
    for the work done.
    """
    t0 = time.perf_counter()
    out = jax.block_until_ready(fn())
    first = time.perf_counter() - t0
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        runs.append(time.perf_counter() - t0)
    return out, first, statistics.median(runs) if runs else first


def gram_parser(doc: str, *, repeats: int) -> argparse.ArgumentParser:
    """The arguments of a fidelity-Gram benchmark: ``--n`` qubits, ``--points`` N, ``--layers`` L of the
    HEE (default the n = 8, N = 60, L = 2 case of the README) and ``--repeats`` of the timed call."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--points", type=int, default=60)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=repeats)
    return ap

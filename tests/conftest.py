"""Test set-up shared by the whole suite.

- Four host CPU devices, so that the sharding tests exercise a real 4-device mesh
  (``XLA_FLAGS=--xla_force_host_platform_device_count=4``) in every run.
- Rank promotion raises: an accidental broadcast between arrays of different rank is a bug.
- ``x64`` tests are skipped when x64 is off; CI runs the ``numerics`` and ``x64`` marks again
  with ``JAX_ENABLE_X64=1``.
- ``data`` tests are skipped when the real data is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
os.environ.setdefault("EMBTHEORY_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
_shared = Path(__file__).resolve().parents[2] / "shared" / "data"
if "EMBTHEORY_DATA" not in os.environ and _shared.is_dir():
    os.environ["EMBTHEORY_DATA"] = str(_shared)

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")

SHARED_DATA = Path(os.environ["EMBTHEORY_DATA"]) if "EMBTHEORY_DATA" in os.environ else None


def pytest_collection_modifyitems(config, items):
    x64 = bool(jax.config.jax_enable_x64)
    have_data = SHARED_DATA is not None and (SHARED_DATA / "README.md").exists()
    skip_x64 = pytest.mark.skip(reason="needs JAX_ENABLE_X64=1 (run by CI's second pass)")
    skip_data = pytest.mark.skip(reason="real data absent: set EMBTHEORY_DATA to ../shared/data")
    for item in items:
        if item.get_closest_marker("x64") and not x64:
            item.add_marker(skip_x64)
        if item.get_closest_marker("data") and not have_data:
            item.add_marker(skip_data)


@pytest.fixture
def getkey():
    """Fresh, distinct PRNG keys from one seed: ``k1, k2 = getkey(), getkey()``."""
    keys = iter(jax.random.split(jax.random.key(1234), 10_000))
    return lambda: next(keys)


@pytest.fixture
def shared_data() -> Path:
    """The real-data folder (tests using it are marked ``data``)."""
    if SHARED_DATA is None:
        pytest.skip("real data absent")
    return SHARED_DATA

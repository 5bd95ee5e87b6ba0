"""Randomness: one seed becomes one root key, split by purpose.

Example:
    >>> keys = split_named(root_key(0), "data", "init", "shots")
    >>> sorted(keys)
    ['data', 'init', 'shots']
"""

from __future__ import annotations

import jax
import numpy as np

__all__ = ["host_rng", "root_key", "split_named"]


def root_key(seed: int) -> jax.Array:
    """The root PRNG key of an experiment (a typed ``jax.random.key``)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return jax.random.key(int(seed))


def split_named(key: jax.Array, *names: str) -> dict[str, jax.Array]:
    """Splits ``key`` into one independent key per name (order of ``names`` matters)."""
    if len(set(names)) != len(names) or not names:
        raise ValueError(f"names must be distinct and non-empty, got {names!r}")
    return dict(zip(names, jax.random.split(key, len(names)), strict=True))


def host_rng(seed: int) -> np.random.Generator:
    """A NumPy generator for host-side randomness (never NumPy's global state)."""
    return np.random.default_rng(seed)

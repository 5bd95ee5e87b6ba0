"""Randomness: one seed becomes one root key, split by purpose.

Example:
    >>> keys = split_named(root_key(0), "data", "init", "shots")
    >>> sorted(keys)
    ['data', 'init', 'shots']
"""

from __future__ import annotations

import jax
import numpy as np

from embtheory.core.validation import check_key, check_seed

__all__ = ["host_rng", "key_to_rng", "root_key", "split_named"]


def root_key(seed: int) -> jax.Array:
    """The root PRNG key of an experiment (a typed ``jax.random.key``) from a seed in ``[0, 2**32)``.

    Raises:
        TypeError: ``seed`` is not an integer (bools and floats included).
        ValueError: ``seed`` is negative or does not fit 32 bits (it would overflow inside JAX).
    """
    return jax.random.key(check_seed(seed))


def split_named(key: jax.Array, *names: str) -> dict[str, jax.Array]:
    """Splits ``key`` (typed or raw) into one independent key per name (order of ``names`` matters).

    The result maps the caller's names to typed keys (a mapping keyed by data, so a ``dict``).
    """
    key = check_key(key, "key")  # checked first: a bad key is named whatever the names are
    if not names or len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"names must be distinct non-empty strings, got {names!r}")
    return dict(zip(names, jax.random.split(key, len(names)), strict=True))


def host_rng(seed: int) -> np.random.Generator:
    """A NumPy generator for host-side randomness (never NumPy's global state); ``seed`` in
    ``[0, 2**32)``."""
    return np.random.default_rng(check_seed(seed))


def key_to_rng(*, key: jax.Array, name: str = "key") -> np.random.Generator:
    """A NumPy generator seeded by every bit of a PRNG key (typed or raw), for host-side sampling that must
    follow the caller's key (the same key gives the same generator on every machine)."""
    data = np.asarray(jax.random.key_data(check_key(key, name))).astype(np.uint64).ravel()
    return np.random.default_rng([int(x) for x in data])

"""Named keys from one seed: reproducible, distinct, and bad seeds refused by name."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

from embtheory.core import root_key, split_named


def test_keys_are_reproducible_and_distinct():
    a = split_named(root_key(3), "x", "y")
    b = split_named(root_key(3), "x", "y")
    assert jnp.array_equal(jax.random.key_data(a["x"]), jax.random.key_data(b["x"]))
    assert not jnp.array_equal(jax.random.key_data(a["x"]), jax.random.key_data(a["y"]))
    with pytest.raises(ValueError, match="seed"):
        root_key(-1)
    with pytest.raises(ValueError, match="seed must be <="):
        root_key(2**64)  # would overflow inside JAX
    with pytest.raises(TypeError, match="seed must be an integer"):
        root_key(1.0)
    with pytest.raises(ValueError, match="distinct"):
        split_named(root_key(0), "a", "a")
    with pytest.raises(TypeError, match="key must be a PRNG key"):
        split_named(3, "a")
    raw = split_named(jax.random.PRNGKey(3), "x")["x"]  # a raw key splits as its typed twin
    assert jnp.array_equal(jax.random.key_data(raw), jax.random.key_data(b["x"]))

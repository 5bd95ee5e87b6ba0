"""Projection and halfspace depth over random directions against literal loops, the affine invariance
of their construction, and the bound they give on the exact Tukey depth."""

from __future__ import annotations

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from depth_data import affine, skewed_pair, tol
from depth_naive import halfspace, halfspace_exact_2d, projection

from embtheory.core.testing import assert_allclose
from embtheory.depth import halfspace_depth, projection_depth, random_directions


@pytest.mark.numerics
@pytest.mark.parametrize("which,naive", [("projection", projection), ("halfspace", halfspace)])
def test_random_direction_depths_match_loops_for_given_directions(which, naive):
    fn = {"projection": projection_depth, "halfspace": halfspace_depth}[which]
    F, G = skewed_pair(3, 41, 19, 3)
    U = np.asarray(random_directions(64, 3, key=jax.random.key(0)))
    got = fn(F, G, directions=U)
    assert_allclose(got, naive(F, G, U), **tol(got))
    own = fn(F, directions=U)
    assert_allclose(own, naive(F, F, U), **tol(own))
    assert_allclose(fn(F, G, directions=U, chunk_size=7), got, **tol(got))
    # the key draws the same directions as random_directions
    assert_allclose(fn(F, G, key=jax.random.key(0), n_directions=64), got, **tol(got))


@pytest.mark.numerics
@pytest.mark.parametrize("which", ["projection", "halfspace"])
def test_random_direction_depths_affine_invariance_of_the_construction(which):
    fn = {"projection": projection_depth, "halfspace": halfspace_depth}[which]
    F, G = skewed_pair(4, 40, 15, 3)
    A, b = affine(4, 3)
    U = np.asarray(random_directions(50, 3, key=jax.random.key(1)))
    # u . (A x + b) = (A^T u) . x + u . b: the same depths with directions U A
    moved = fn(F @ A.T + b, G @ A.T + b, directions=U)
    base = fn(F, G, directions=U @ A)
    assert_allclose(moved, base, **tol(base, 1e-3))


@pytest.mark.numerics
def test_halfspace_bounds_exact_tukey_depth_in_the_plane_and_centre():
    rng = np.random.default_rng(5)
    F = rng.normal(size=(30, 2))
    X = np.concatenate([rng.normal(size=(10, 2)), np.array([[0.0, 0.0], [5.0, 5.0]])])
    exact = halfspace_exact_2d(F, X)
    approx = np.asarray(halfspace_depth(F, X, key=jax.random.key(0), n_directions=4000))
    exact, approx = np.rint(exact * 30).astype(int), np.rint(approx * 30).astype(int)  # counts
    assert np.all(approx >= exact)  # a subset of directions can only over-estimate
    assert np.mean(approx == exact) >= 0.9 and np.max(approx - exact) <= 1
    assert exact[-1] == 0 and approx[-1] == 0
    sym = np.concatenate([F, -F])
    d = np.asarray(halfspace_depth(sym, np.concatenate([np.zeros((1, 2)), sym]), key=jax.random.key(1)))
    assert d[0] >= 0.5 and np.all(d[1:] <= d[0])
    pd = np.asarray(projection_depth(sym, np.concatenate([np.zeros((1, 2)), sym]), key=jax.random.key(1)))
    assert pd[0] == pytest.approx(1.0) and np.all(pd[1:] < pd[0])


def test_random_directions_takes_a_keyword_key_only():
    new = random_directions(5, 3, key=jax.random.key(7))
    with pytest.raises(TypeError, match="positional"):
        random_directions(jax.random.key(7), 5, 3)
    with pytest.raises(TypeError, match="n_directions must be an integer, got a typed PRNG key"):
        random_directions(jax.random.key(7), 5, key=jax.random.key(7))
    raw = random_directions(5, 3, key=jax.random.PRNGKey(7))
    chex.assert_shape(raw, (5, 3))
    np.testing.assert_allclose(np.linalg.norm(np.asarray(new), axis=1), 1.0, rtol=1e-6)
    with pytest.raises(TypeError, match="key must be a PRNG key"):
        random_directions(5, 3, key=7)
    with pytest.raises(ValueError, match="key must be a single key"):
        random_directions(5, 3, key=jax.random.split(jax.random.key(0), 2))
    with pytest.raises(TypeError, match="d must be an integer"):
        random_directions(5, 3.0, key=jax.random.key(0))
    with pytest.raises(ValueError, match="n_directions must be >= 1"):
        random_directions(0, 3, key=jax.random.key(0))
    with pytest.raises(TypeError, match="dtype must be a real floating dtype"):
        random_directions(5, 3, key=jax.random.key(0), dtype=jnp.int32)
    if not jax.config.jax_enable_x64:
        with pytest.raises(ValueError, match="JAX_ENABLE_X64"):
            random_directions(5, 3, key=jax.random.key(0), dtype=jnp.float64)


@pytest.mark.x64
def test_random_directions_are_the_same_in_float32_and_float64():
    a = random_directions(6, 4, key=jax.random.key(3), dtype=jnp.float32)
    b = random_directions(6, 4, key=jax.random.key(3), dtype=jnp.float64)
    assert b.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=0, atol=1e-6)



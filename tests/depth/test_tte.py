"""TTE depth against a literal pairwise implementation, its closed form's properties, and bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from depth_naive import chord_dist, cosine_dist, tte

from embtheory.core.testing import assert_allclose
from embtheory.depth import depth_rank_test, tte_depth

# float32 depths are means of float32 dot products of unit vectors: 1e-5 absolute covers them.
ATOL32 = 2e-5


def _tol(x):
    return dict(rtol=0, atol=ATOL32) if np.asarray(x).dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


def _data(seed, m, n, d, offset=1.0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, d)) + offset, rng.normal(size=(n, d)) + offset


@pytest.mark.numerics
@pytest.mark.parametrize("m,n", [(23, 17), (20, 20), (5, 40)])
@pytest.mark.parametrize("distance,naive", [("cosine", cosine_dist), ("chord", chord_dist)])
def test_matches_literal_pairwise_definition(m, n, distance, naive):
    F, G = _data(0, m, n, 7)
    own = tte_depth(F, distance=distance)
    other = tte_depth(F, G, distance=distance)
    assert own.shape == (m,) and other.shape == (n,)
    assert_allclose(own, tte(F, dist=naive), **_tol(own))
    assert_allclose(other, tte(F, G, dist=naive), **_tol(other))


@pytest.mark.numerics
def test_equal_sizes_use_columns_not_rows():
    # the reference package averages the *rows* of the F x G matrix when m == n; we must not.
    F, G = _data(1, 30, 30, 5)
    got = np.asarray(tte_depth(F, G))
    want = tte(F, G)
    assert_allclose(got, want, **_tol(got))
    wrong = 2.0 - np.array([[cosine_dist(f, g) for g in G] for f in F]).mean(axis=1)
    assert np.max(np.abs(got - wrong)) > 1e-2


@pytest.mark.numerics
def test_closed_form_identities():
    F, G = _data(2, 50, 40, 9)
    Fh = F / np.linalg.norm(F, axis=1, keepdims=True)
    Gh = G / np.linalg.norm(G, axis=1, keepdims=True)
    mu = Fh.mean(0)
    d_own, d_g = np.asarray(tte_depth(F)), np.asarray(tte_depth(F, G))
    assert_allclose(d_g, 1 + Gh @ mu, **_tol(d_g))
    assert_allclose(d_own, 1 + (50 * Fh @ mu - 1) / 49, **_tol(d_own))
    # ranking by depth is ranking by the dot product with mu
    np.testing.assert_array_equal(np.argsort(-d_own), np.argsort(-(Fh @ mu)))


@pytest.mark.numerics
@pytest.mark.parametrize("distance", ["cosine", "chord"])
def test_chunking_and_scale_invariance(distance):
    F, G = _data(3, 101, 67, 6)
    full = tte_depth(F, G, distance=distance)
    own = tte_depth(F, distance=distance)
    for c in (1, 7, 64, 1000):
        assert_allclose(tte_depth(F, G, distance=distance, chunk_size=c), full, **_tol(full))
        assert_allclose(tte_depth(F, distance=distance, chunk_size=c), own, **_tol(own))
    scale = np.random.default_rng(0).uniform(0.01, 100.0, size=(101, 1))
    assert_allclose(tte_depth(F * scale, G, distance=distance), full, **_tol(full))


@pytest.mark.numerics
def test_tiny_and_huge_rows_normalise_in_float32():
    F, G = _data(4, 20, 10, 4)
    F32 = F.astype(np.float32)
    ref = tte_depth(F32, G.astype(np.float32))
    F32[0] *= np.float32(1e-30)
    F32[1] *= np.float32(1e30)
    for distance in ("cosine", "chord"):
        got = tte_depth(F32, G.astype(np.float32), distance=distance)
        assert np.all(np.isfinite(np.asarray(got)))
    assert_allclose(tte_depth(F32, G.astype(np.float32)), ref, rtol=0, atol=ATOL32)


@pytest.mark.numerics
def test_callable_distance_goes_through_gram_and_matches_cosine():
    F, G = _data(5, 33, 12, 5)

    def cos_dist(x, h):
        return 1.0 - jnp.dot(x, h) / (jnp.linalg.norm(x) * jnp.linalg.norm(h))

    for c in (None, 5):
        got = tte_depth(F, G, distance=cos_dist, chunk_size=c)
        assert_allclose(got, tte_depth(F, G), **_tol(got))
        got = tte_depth(F, distance=cos_dist, chunk_size=c)
        assert_allclose(got, tte_depth(F), **_tol(got))

    def l1(x, h):  # an unbounded metric squashed into [0, 2)
        d = jnp.sum(jnp.abs(x - h))
        return 2 * d / (1 + d)

    naive = tte(F, G, dist=lambda a, b: 2 * float(np.abs(a - b).sum()) / (1 + float(np.abs(a - b).sum())))
    got = tte_depth(F, G, distance=l1)
    assert_allclose(got, naive, rtol=1e-5 if got.dtype == np.float32 else 1e-10, atol=1e-4)


def test_dtype_preserved_float32():
    F, G = _data(6, 10, 4, 3)
    assert tte_depth(F.astype(np.float32)).dtype == jnp.float32
    assert tte_depth(F.astype(np.float32), G.astype(np.float32), distance="chord").dtype == jnp.float32


@pytest.mark.x64
def test_float64_precision_when_x64():
    F, G = _data(7, 40, 31, 8)
    got = tte_depth(F, G)
    assert got.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(got), tte(F, G), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize(
    "F,G,kw,exc,match",
    [
        (np.ones((1, 3)), None, {}, ValueError, "at least 2 rows"),
        (np.ones(3), None, {}, ValueError, "2-D"),
        (np.array([[1.0, 0.0], [0.0, 0.0]]), None, {}, ValueError, "zero vector in row 1"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), None, {}, ValueError, "NaN or inf"),
        (np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[np.inf, 1.0]]), {}, ValueError, "G contains NaN"),
        (np.ones((3, 2)), np.ones((2, 3)), {}, ValueError, "dimension 3 but F has 2"),
        (np.ones((3, 2)), None, {"distance": "euclid"}, ValueError, "distance must be one of"),
        (np.ones((3, 2)), None, {"distance": 3}, TypeError, "distance must be one of"),
        (np.ones((3, 2)), None, {"distance": lambda x, h: x - h}, TypeError, "must return a scalar"),
        (np.ones((3, 2)), None, {"chunk_size": 0}, ValueError, "chunk_size must be >= 1"),
        (np.ones((3, 2)), None, {"chunk_size": 2.5}, TypeError, "chunk_size must be an integer"),
        (None, None, {}, TypeError, "F must be an array"),
    ],
)
def test_bad_input_is_a_clear_error(F, G, kw, exc, match):
    with pytest.raises(exc, match=match):
        tte_depth(F, G, **kw)


def test_callable_that_fails_to_trace_is_a_type_error():
    def bad(x, h):
        return float(x[0])  # concretises a tracer

    with pytest.raises(TypeError, match="JAX-traceable"):
        tte_depth(np.ones((3, 2)), distance=bad)


def test_jit_of_the_caller_works():
    F, G = _data(8, 12, 5, 3)
    f = jax.jit(lambda a, b: tte_depth(a, b))
    got = f(jnp.asarray(F), jnp.asarray(G))
    assert_allclose(got, tte_depth(F, G), **_tol(got))


def test_tte_depth_refuses_a_user_distance_outside_0_2():
    F, G = np.eye(3) + 0.5, np.ones((2, 3))

    def l1(x, h):  # unbounded: would give negative depths
        return 3.0 * jnp.sum(jnp.abs(x - h))

    def negative(x, h):
        return -jnp.sum(jnp.abs(x - h))

    for dist in (l1, negative):
        with pytest.raises(ValueError, match=r"outside \[0, 2\]"):
            tte_depth(F, G, distance=dist)
        with pytest.raises(ValueError, match=r"outside \[0, 2\]"):
            tte_depth(F, distance=dist)
    with pytest.raises(ValueError, match=r"outside \[0, 2\]"):
        depth_rank_test(F, G, distance=l1)
    with pytest.raises(ValueError, match=r"outside \[0, 2\]"):
        depth_rank_test(F, G, distance=l1, n_permutations=5, key=jax.random.key(0))

    def nan_dist(x, h):
        return jnp.sum(x - h) * jnp.nan

    with pytest.raises(ValueError, match="no NaN"):
        tte_depth(F, G, distance=nan_dist)
    # a bounded distance with rounding slightly below 0 is fine (1 - cos of a point with itself)
    ok = tte_depth(F, distance=lambda x, h: 1.0 - jnp.dot(x, h) / (jnp.linalg.norm(x) * jnp.linalg.norm(h)))
    assert np.all((np.asarray(ok) >= 0) & (np.asarray(ok) <= 2))

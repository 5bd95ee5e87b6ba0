"""Row normalisation at every scale and the chunked Gram builder, against NumPy loops."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core import gram
from embtheory.core.testing import assert_allclose


@pytest.mark.numerics
def test_normalize_rows_against_numpy_at_every_scale(jit_variant):
    from embtheory.core import normalize_rows
    from embtheory.core.pairwise import unit_rows

    rng = np.random.default_rng(1)
    X = rng.normal(size=(2, 5, 4))
    want = X / np.linalg.norm(X, axis=-1, keepdims=True)
    for scale in (1.0, 1e-30, 1e30):  # squares under- / overflow in float32 at the extremes
        Xs = jnp.asarray(X * scale, jnp.float32)
        got = jit_variant(unit_rows)(Xs)  # the kernel: any [..., d]
        assert got.shape == (2, 5, 4) and got.dtype == jnp.float32
        assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        one = jit_variant(normalize_rows)(Xs[0])  # the checked public function: a matrix
        assert one.shape == (5, 4) and one.dtype == jnp.float32
        assert_allclose(one, want[0], rtol=1e-5, atol=1e-6)
    batched = jax.vmap(normalize_rows)(jnp.asarray(X))
    assert_allclose(batched, want, rtol=1e-5, atol=1e-6)


def test_normalize_rows_refuses_what_has_no_direction():
    from embtheory.core import normalize_rows

    X = np.ones((3, 2), np.float32)
    cases = [(np.ones(3), ValueError, "X must be 2-D"), (np.ones((1, 3, 2)), ValueError, "2-D"),
             (np.zeros((0, 2)), ValueError, "rows"), (None, TypeError, "X"),
             (X.astype(np.complex64), TypeError, "real"), (np.full((2, 2), "a"), TypeError, "X"),
             (np.where(np.eye(3, 2) > 0, np.nan, X), ValueError, "NaN or inf"),
             (np.where(np.arange(3)[:, None] == 1, 0.0, X), ValueError, "zero vector in row 1")]
    for bad, err, text in cases:
        with pytest.raises(err, match=text):
            normalize_rows(bad)
    with pytest.raises(ValueError, match="X must be 2-D"):
        jax.jit(normalize_rows)(jnp.ones((2, 3, 2)))
    assert_allclose(normalize_rows([[3, 4]]), [[0.6, 0.8]], rtol=1e-6)  # integers are cast


@pytest.mark.numerics
def test_gram_chunked_equals_naive_loop():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(5, 3))

    def k(x, y):
        return jnp.exp(-jnp.sum((x - y) ** 2))

    naive = np.array([[np.exp(-np.sum((x - y) ** 2)) for y in Y] for x in X])
    X, Y = jnp.asarray(X), jnp.asarray(Y)
    dtype = X.dtype
    assert_allclose(gram(k, X, Y), naive, dtype=dtype)
    assert_allclose(gram(k, X, Y, chunk_size=3), naive, dtype=dtype)
    assert gram(k, X).shape == (7, 7)

"""Keys, validation, pairwise Gram builders, plotting, tolerances."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core import as_matrix, check_choice, check_int, check_memory, gram, root_key, split_named
from embtheory.core.plotting import house_style, new_figure, paper_overlay, save_figure
from embtheory.core.testing import assert_allclose, tolerance


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


def test_validation_messages_name_the_argument():
    with pytest.raises(ValueError, match=r"F must be 2-D"):
        as_matrix(np.zeros(3), "F")
    with pytest.raises(ValueError, match=r"F contains NaN or inf \(first in row 1\)"):
        as_matrix(np.array([[1.0, 2.0], [np.nan, 1.0]]), "F")
    with pytest.raises(ValueError, match=r"G has a zero vector in row 0"):
        as_matrix(np.array([[0.0, 0.0], [1.0, 1.0]]), "G", nonzero_rows=True)
    with pytest.raises(ValueError, match=r"G must have 3 columns"):
        as_matrix(np.ones((2, 2)), "G", cols=3)
    with pytest.raises(ValueError, match=r"k must be <= 5, got 6"):
        check_int(6, "k", maximum=5)
    with pytest.raises(TypeError, match=r"k must be an integer"):
        check_int(2.0, "k")
    with pytest.raises(ValueError, match=r"loss must be one of"):
        check_choice("x", "loss", {"a", "b"})
    with pytest.raises(MemoryError, match=r"logits needs 2.00 GiB.*use chunks"):
        check_memory(2 * 2**30, "logits", memory_budget=2**30, fix="use chunks")
    assert as_matrix([[1, 2]], "X").dtype == jnp.result_type(float)
    bad = jnp.array([[1.0, jnp.inf]])
    with pytest.raises(ValueError, match="contains NaN or inf"):  # also while tracing (closure)
        jax.jit(lambda: as_matrix(bad, "F").sum())()


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


def test_tolerance_table():
    assert tolerance(np.float64) == (1e-10, 1e-12) and tolerance(np.float32) == (5e-5, 5e-6)
    assert tolerance(np.int32) == (0.0, 0.0) and tolerance(np.bool_) == (0.0, 0.0)
    assert tolerance(jnp.bfloat16) == tolerance(np.float16)
    with pytest.raises(TypeError, match="no tolerance"):
        tolerance(np.dtype("U3"))
    with pytest.raises(AssertionError):  # integers compare exactly
        assert_allclose(np.array([100]), np.array([101]))
    assert_allclose(np.float32(1.0) + np.float32(1e-6), np.float32(1.0))


def test_plot_writes_png_and_pdf(tmp_path):
    with house_style():
        fig, ax = new_figure()
        ax.plot([1, 2], [1, 2])
        paper_overlay(ax, [1, 2], [1.1, 2.1])
        paths = save_figure(fig, tmp_path / "figs", "demo")
    assert [p.name for p in paths] == ["demo.png", "demo.pdf"]
    assert all(p.stat().st_size > 1000 for p in paths)

"""The shared argument checkers of embtheory.core.validation: each refuses bad input by name."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core import as_matrix, check_choice, check_int, check_memory, store, validation
from embtheory.core.algorithm import Iterative, iterate
from embtheory.core.progress import progress


@pytest.mark.parametrize("bad", [1, None, "key", 1.5, True, np.zeros(3, np.uint32), np.zeros(2, np.int32)])
def test_check_key_refuses_non_keys_with_one_message(bad):
    with pytest.raises(TypeError, match=r"^rng must be a PRNG key.*jax\.random\.key\(seed\)"):
        validation.check_key(bad, "rng")


def test_check_key_refuses_batches_and_accepts_raw_and_typed():
    with pytest.raises(ValueError, match="single key"):
        validation.check_key(jax.random.split(jax.random.key(0), 3))
    with pytest.raises(ValueError, match="single key"):
        validation.check_key(jax.random.split(jax.random.PRNGKey(0), 3))
    typed = validation.check_key(jax.random.PRNGKey(7))
    assert jax.dtypes.issubdtype(typed.dtype, jax.dtypes.prng_key)
    # the raw key and the typed key of the same seed draw the same numbers
    a = jax.random.normal(typed, (4,))
    b = jax.random.normal(jax.random.key(7), (4,))
    assert np.array_equal(np.asarray(a), np.asarray(b))


def test_check_key_passes_tracers_under_vmap():
    keys = jax.random.split(jax.random.key(1), 3)
    out = jax.vmap(lambda k: jax.random.uniform(validation.check_key(k)))(keys)
    assert out.shape == (3,)


def test_check_keys_count_and_kinds():
    ks = validation.check_keys([jax.random.key(0), jax.random.PRNGKey(1)], count=2)
    assert ks.shape == (2,)
    with pytest.raises(ValueError, match="must hold 3 keys"):
        validation.check_keys(jax.random.split(jax.random.key(0), 2), count=3)
    with pytest.raises(TypeError, match="batch of PRNG keys"):
        validation.check_keys(5)


@pytest.mark.parametrize("value,err", [(2**63, ValueError), (-1, ValueError), (1.0, TypeError),
                                       (True, TypeError), ("3", TypeError)])
def test_check_int_bounds_and_types(value, err):
    with pytest.raises(err, match=r"^shots "):
        validation.check_int(value, "shots", minimum=0)


def test_check_int_accepts_numpy_and_concrete_scalars():
    assert validation.check_int(np.int16(3), "n") == 3
    assert validation.check_int(jnp.int32(4), "n") == 4
    with pytest.raises(ValueError, match="seed must be <= 4294967295"):
        validation.check_seed(2**32)


@pytest.mark.parametrize("value", [0.0, 1.0, 1.5, -0.1, float("nan"), float("inf")])
def test_check_probability_open_interval(value):
    with pytest.raises(ValueError, match=r"^alpha must be"):
        validation.check_probability(value, "alpha")


def test_check_real_interval_and_types():
    assert validation.check_real(np.float32(0.25), "x", low=0, high=1) == 0.25
    with pytest.raises(TypeError, match="real number"):
        validation.check_real(1j, "x")
    with pytest.raises(ValueError, match=r"\[1, 2\]"):
        validation.check_real(3, "x", low=1, high=2)


@pytest.mark.parametrize("dtype", [jnp.int32, np.complex64, bool, "int8"])
def test_check_float_dtype_refuses_non_floats(dtype):
    with pytest.raises(TypeError, match=r"^dtype must be a real floating dtype"):
        validation.check_float_dtype(dtype)


def test_check_float_dtype_float64_follows_x64():
    if jax.config.jax_enable_x64:
        assert validation.check_float_dtype("float64") == np.float64
    else:
        with pytest.raises(ValueError, match="JAX_ENABLE_X64=1"):
            validation.check_float_dtype(np.float64)
    assert validation.check_float_dtype(jnp.float32) == np.float32


def test_check_finite_and_labels():
    with pytest.raises(ValueError, match=r"X contains NaN or inf \(first at index \(1, 0\)\)"):
        validation.check_finite(np.array([[1.0], [np.nan]]), "X")
    with pytest.raises(TypeError, match="real numbers"):
        validation.check_finite(np.array([1j]), "X")
    with pytest.raises(ValueError, match="one class only"):
        validation.check_labels([1, 1, 1], "y")
    with pytest.raises(ValueError, match=r"entries must be in \(-1, 1\), got 0"):
        validation.check_labels([1, 0, -1], "y")
    with pytest.raises(ValueError, match="must have 4 entries"):
        validation.check_labels([1, -1], "y", n=4)
    with pytest.raises(ValueError, match="contains NaN"):
        validation.check_labels([1.0, np.nan], "y", values=None)


def test_check_index_array():
    assert validation.check_index_array(np.array([[0.0, 2.0]]), "qrels", n=3).dtype == np.int64
    with pytest.raises(ValueError, match="integral"):
        validation.check_index_array([[0, 0.5]], "qrels", n=3)
    with pytest.raises(ValueError, match=r"index 3, outside \[0, 3\)"):
        validation.check_index_array([[0, 3]], "qrels", n=3)
    with pytest.raises(ValueError, match="repeats an index within row 1"):
        validation.check_index_array([[0, 1], [2, 2]], "qrels", n=3, unique_rows=True)
    # padding values may repeat
    validation.check_index_array([[0, -1, -1]], "qrels", n=3, unique_rows=True, allow=(-1,))
    with pytest.raises(TypeError, match="integer indices"):
        validation.check_index_array(np.array([True]), "qrels", n=3)


@pytest.mark.parametrize("bad", ["no", "False", 0, 1, None, 1.0, np.array([True])])
def test_check_bool_refuses_everything_but_booleans(bad):
    with pytest.raises(TypeError, match=r"^exponent must be True or False"):
        validation.check_bool(bad, "exponent")


def test_check_bool_accepts_python_and_numpy_booleans():
    assert validation.check_bool(True, "f") is True
    assert validation.check_bool(np.bool_(False), "f") is False


@pytest.mark.parametrize("bad", [5, 5.0, "4,5", {4, 5}, np.array(5), jax.random.key(0)])
def test_check_int_sequence_names_a_scalar(bad):
    with pytest.raises(TypeError, match=r"^dims must be a sequence of ints"):
        validation.check_int_sequence(bad, "dims")


def test_check_int_sequence_checks_items_length_and_duplicates():
    assert validation.check_int_sequence(range(4, 7), "dims") == (4, 5, 6)
    assert validation.check_int_sequence(np.array([3, 4]), "dims") == (3, 4)
    with pytest.raises(TypeError, match=r"dims\[1\] must be an integer"):
        validation.check_int_sequence([4, 4.5], "dims")
    with pytest.raises(ValueError, match=r"dims\[0\] must be >= 1"):
        validation.check_int_sequence([0], "dims", minimum=1)
    with pytest.raises(ValueError, match="at least 1"):
        validation.check_int_sequence([], "dims")
    with pytest.raises(ValueError, match=r"must not repeat a value, got \[3\]"):
        validation.check_int_sequence([3, 4, 3], "seeds", unique=True)


def test_a_typed_key_where_a_seed_is_expected_is_named():
    from embtheory.core.keys import root_key

    with pytest.raises(TypeError, match="seed must be an integer, got a typed PRNG key"):
        root_key(jax.random.key(0))
    with pytest.raises(TypeError, match="got a typed PRNG key"):
        validation.check_int(jax.random.key(3), "n")


def test_key_to_rng_follows_every_bit_of_the_key():
    from embtheory.core.keys import key_to_rng

    a = key_to_rng(key=jax.random.key(1)).integers(0, 2**31, 4)
    b = key_to_rng(key=jax.random.PRNGKey(1)).integers(0, 2**31, 4)
    c = key_to_rng(key=jax.random.key(2)).integers(0, 2**31, 4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    with pytest.raises(TypeError, match="key must be a PRNG key"):
        key_to_rng(key=3)


@pytest.mark.parametrize("level", ["0.05", None, [0.05], 1j])
def test_a_non_numeric_level_is_a_type_error_naming_it(level):
    with pytest.raises(TypeError, match="alpha must be a real number"):
        validation.check_probability(level, "alpha")


def test_a_step_count_past_int32_is_refused_before_the_loop():
    alg = Iterative(init=lambda: jnp.zeros(()), step=lambda s: s + 1)
    with pytest.raises(ValueError, match=r"max_steps must be <= 2147483647"):
        iterate(alg, jnp.zeros(()), max_steps=2**31)
    with pytest.raises(TypeError, match="max_steps"):
        iterate(alg, jnp.zeros(()), max_steps=2.5)
    assert float(iterate(alg, jnp.zeros(()), max_steps=3)) == 3.0


@pytest.mark.parametrize("call", [
    lambda: progress(range(2), enabled="no"),
    lambda: store.to_jsonable({"a": 1}, canonical="no"),
    lambda: validation.check_int_sequence([1, 2], "dims", unique="yes"),
    lambda: validation.check_probability(0.5, "p", closed=1),
    lambda: validation.check_positive(1.0, "x", allow_zero="no"),
    lambda: validation.as_matrix(np.ones((2, 2)), "X", finite="yes"),
    lambda: validation.check_float_dtype("float32", allow_none=0),
])
def test_core_flags_must_be_booleans(call):
    with pytest.raises(TypeError, match="must be True or False"):
        call()


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

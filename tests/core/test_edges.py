"""Edge inputs of the core helpers: each a clear error naming the argument and the fix, and the one
chunk planner and chunked map, whose chunking never changes a result."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core import memory, store, validation
from embtheory.core.algorithm import Iterative, iterate
from embtheory.core.progress import progress


def test_a_claim_path_that_is_a_directory_is_a_store_error_naming_the_fix(tmp_path):
    st = store.ResultStore(tmp_path)
    path = tmp_path / "claims" / f"{st.key({'n': 1})}.claim"
    path.mkdir(parents=True)
    with pytest.raises(store.StoreError, match=r"is a directory.*rm -r"):
        st.claim({"n": 1})


def test_memory_messages_print_sizes_in_units_that_show_them():
    assert memory.format_bytes(512) == "512 B"
    assert memory.format_bytes(1536) == "1.50 KiB"
    assert memory.format_bytes(3 * 2**20) == "3.00 MiB"
    assert memory.format_bytes(2**40) == "1.00 TiB"
    with pytest.raises(MemoryError, match=r"needs 900 B, over the memory budget of 500 B: lower n"):
        validation.check_memory(900, "the tile", memory_budget=500, fix="lower n")
    with pytest.raises(MemoryError, match=r"needs 1.95 KiB, over the memory budget of 1000 B"):
        validation.check_memory(2000, "the tile", memory_budget=1000, fix="lower n")


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


def test_run_sweep_takes_a_path_and_checks_its_arguments(tmp_path):
    out = store.run_sweep(str(tmp_path / "s"), [{"n": 1}, {"n": 2}], lambda c: {"v": c["n"] * 2},
                          progress=False)
    assert [r["v"] for r in out] == [2, 4]
    with pytest.raises(TypeError, match="progress must be True or False"):
        store.run_sweep(tmp_path / "s", [{"n": 1}], lambda c: {}, progress="no")
    with pytest.raises(TypeError, match="store must be a ResultStore or a directory path"):
        store.run_sweep(None, [{"n": 1}], lambda c: {})
    with pytest.raises(TypeError, match="fn must be a function"):
        store.run_sweep(tmp_path / "s", [{"n": 1}], "fn")


def test_chunk_planner_takes_a_quarter_of_the_budget_and_honours_a_chosen_chunk(monkeypatch):
    monkeypatch.delenv(memory.MEMORY_BUDGET_ENV, raising=False)
    per = 1000.0
    assert memory.chunk_size_for(10**9, bytes_per_item=per) == int(memory.DEFAULT_MEMORY_BUDGET / 4 // per)
    assert memory.chunk_size_for(100, bytes_per_item=per, memory_budget=4000 * 10) == 10
    assert memory.chunk_size_for(100, bytes_per_item=per, memory_budget="40kB") == 10
    assert memory.chunk_size_for(100, bytes_per_item=10**12) == 1  # refusing it is check_memory's job
    assert memory.chunk_size_for(5, bytes_per_item=per, chunk_size=50) == 5
    with pytest.raises(ValueError, match="n_items must be >= 1"):
        memory.chunk_size_for(0, bytes_per_item=per)
    with pytest.raises(ValueError, match="permutation_chunk_size must be >= 1"):
        memory.chunk_size_for(5, bytes_per_item=per, chunk_size=0, name="permutation_chunk_size")


@pytest.mark.parametrize("chunk", [1, 3, 7, 10, 64])
def test_chunked_map_and_reduce_do_not_depend_on_the_chunk(chunk):
    rng = np.random.default_rng(0)
    X = jnp.asarray(rng.normal(size=(10, 4)), jnp.float32)
    Y = jnp.asarray(rng.normal(size=(6, 4)), jnp.float32)

    def rows(x, start):  # a per-row result that also uses the row's global index
        d = jnp.linalg.norm(x[:, None, :] - Y[None], axis=-1).min(1)
        return {"d": d, "i": jnp.arange(x.shape[0]) + start}

    want = {"d": np.array([np.min(np.linalg.norm(np.asarray(Y) - x, axis=1)) for x in np.asarray(X)]),
            "i": np.arange(10)}
    got = jax.jit(lambda a: memory.chunked_map(rows, a, chunk))(X)
    np.testing.assert_allclose(np.asarray(got["d"]), want["d"], rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(got["i"]), want["i"])
    one = jax.jit(lambda a: memory.chunked_map(rows, a, 10))(X)
    np.testing.assert_array_equal(np.asarray(got["d"]), np.asarray(one["d"]))  # bitwise
    keys = jax.random.split(jax.random.key(1), 10)
    draws = memory.chunked_map(lambda k, _: jax.vmap(jax.random.normal)(k), keys, chunk, pad=True)
    np.testing.assert_array_equal(np.asarray(draws), np.asarray(jax.vmap(jax.random.normal)(keys)))
    top = memory.chunked_reduce(lambda x, _: jnp.max(x, axis=0), X, chunk, op=jnp.maximum)
    np.testing.assert_array_equal(np.asarray(top), np.asarray(X).max(0))
    total = memory.chunked_reduce(lambda x, _: jnp.sum(x.astype(jnp.int32) * 0 + 1), X, chunk)
    assert int(total) == 40

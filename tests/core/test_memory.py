"""The memory budget, chunk planner, chunked map and size printer of ``embtheory.core.memory``:
chunking never changes a result, and sizes print in units that show them."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core import memory, validation


def test_memory_messages_print_sizes_in_units_that_show_them():
    assert memory.format_bytes(512) == "512 B"
    assert memory.format_bytes(1536) == "1.50 KiB"
    assert memory.format_bytes(3 * 2**20) == "3.00 MiB"
    assert memory.format_bytes(2**40) == "1.00 TiB"
    with pytest.raises(MemoryError, match=r"needs 900 B, over the memory budget of 500 B: lower n"):
        validation.check_memory(900, "the tile", memory_budget=500, fix="lower n")
    with pytest.raises(MemoryError, match=r"needs 1.95 KiB, over the memory budget of 1000 B"):
        validation.check_memory(2000, "the tile", memory_budget=1000, fix="lower n")


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


def test_every_package_plans_its_chunks_with_the_one_planner():
    from embtheory.qkernels import embeddings
    from embtheory.signrank import losses
    from embtheory.signrank.solve import canonical_shape

    # the sign-rank loss: its fixed budget counts the score temporaries alone (share 1), evened out
    # so that the chunk divides the padded query count; the formula written out here
    for m, n, budget in [(190, 20, 2**30), (204_480, 640, 2**30), (1000, 64, 10**6), (7, 5, 1)]:
        c = max(1, min(m, budget // (6 * n * 4)))
        assert losses.chunk_for_budget(m, n, budget) == -(-m // -(-m // c))
    default = memory.DEFAULT_MEMORY_BUDGET
    assert canonical_shape(640).chunk_size == losses.chunk_for_budget(204_480, 640, default)
    with pytest.raises(ValueError, match="share"):
        memory.chunk_size_for(10, bytes_per_item=1.0, share=1.5)
    # quantum-kernel states: a quarter of the budget over the working copies of one state
    one = embeddings.state_nbytes(1, 10, mixed=False, dtype=np.complex64)
    budget = embeddings.memory_budget()
    want = int(max(1, min(10**6, (budget / 4) // (embeddings.WORK_COPIES * one))))
    got = embeddings.plan_memory(10**6, 10, mixed=False, dtype=np.complex64, chunk_size=None, kept=0,
                                 what="states")
    assert got == want


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


def test_memory_budget_parsing_and_chunks(monkeypatch):
    assert memory.parse_size("512MiB") == 512 * 2**20
    assert memory.parse_size("2e9") == 2e9
    with pytest.raises(ValueError, match="EMBTHEORY_MEMORY_BUDGET must be a size"):
        memory.parse_size("lots")
    monkeypatch.setenv("EMBTHEORY_MEMORY_BUDGET", "1MiB")
    assert memory.default_memory_budget() == 2**20
    assert memory.chunk_size_for(10_000, bytes_per_item=1024) == 256  # a quarter of the budget
    assert memory.chunk_size_for(10, bytes_per_item=1024) == 10
    assert memory.chunk_size_for(10_000, bytes_per_item=1024, chunk_size=7) == 7
    with pytest.raises(ValueError, match="memory_budget must be in"):
        memory.resolve_memory_budget(-5)
    with pytest.raises(MemoryError,
                       match=r"the Gram matrix needs 1\.00 GiB, over the memory budget of 1\.00 MiB.*N"):
        validation.check_memory(2**30, "the Gram matrix", fix="lower N")

"""The launcher: padded batches and their masks, the published boundary at d = 4, determinism whatever
the padding, and bad input refused before any launch."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.signrank import Recipe, k_subsets, solve, solve_batch
from embtheory.signrank.solve import make_batch


def test_published_boundary_at_d4_seed42():
    # The official script with seed 42 solves n = 9 and fails n = 10 at d = 4 (best accuracy 0.978).
    r9, r10 = solve_batch([9, 10], 4, keys=[42, 42])
    assert r9.solved and r9.reason == "solved" and r9.steps % 50 == 1
    assert not r10.solved and r10.reason == "plateau"
    assert r10.best_accuracy == pytest.approx(44 / 45, abs=1e-6)
    assert r9.loss > np.log(2)


def test_determinism_and_padding():
    a = solve(7, 3, key=jax.random.key(5), max_steps=400)
    # the same run inside a batch with a larger problem (another bucket) and a filler: bitwise
    # the same (canonical shape per n, members run one after another)
    batch = solve_batch([7, 11, 7], 3, keys=[jax.random.key(5), jax.random.key(5), 1],
                        recipe=Recipe(max_steps=400), return_embeddings=True)
    assert batch[0].steps == a.steps and batch[0].loss == a.loss and batch[0].solved == a.solved
    np.testing.assert_array_equal(batch[0].q, a.q)
    assert batch[0].q.shape == a.q.shape == (21, 3)
    np.testing.assert_allclose(np.linalg.norm(batch[0].q, axis=1), 1.0, rtol=1e-5)
    if a.solved:
        assert a.margin > 0  # the certificate backs the verdict


def test_float64_without_x64_is_an_error():
    if jax.config.jax_enable_x64:
        pytest.skip("x64 is on")
    with pytest.raises(ValueError, match="JAX_ENABLE_X64"):
        solve(5, 3, key=0, dtype=jnp.float64)


def test_make_batch_pads_and_masks():
    prob, chunk = make_batch([4, 6], k=2, memory_budget=6 * 6 * 4 * 4)
    assert chunk == 4
    assert prob.rel.shape == (2, 16, 2)
    assert prob.query_valid.sum(axis=1).tolist() == [6, 15]
    assert prob.doc_valid.sum(axis=1).tolist() == [4, 6]
    assert prob.rel[0, :6].tolist() == k_subsets(4, 2).tolist()


def test_bad_input():
    with pytest.raises(ValueError, match="n must exceed k"):
        solve(2, 3, key=0)
    with pytest.raises(TypeError, match="unknown recipe options"):
        solve(5, 3, key=0, lr=0.1)
    with pytest.raises(ValueError, match="loss must be one of"):
        solve(5, 3, key=0, loss="ce")
    with pytest.raises(ValueError, match="stop_rule"):
        solve(5, 3, key=0, stop_rule="never")
    with pytest.raises(ValueError, match="one key per run"):
        solve_batch([5, 6], 3, keys=[0])
    with pytest.raises(MemoryError, match="one run"):
        solve_batch([3000], 64, keys=[0], memory_budget=2**20)

import itertools
import math

import jax
import numpy as np
import pytest

from embtheory.signrank import dense_qrels, k_subsets, qrel_pattern, qrels_to_mask


@pytest.mark.parametrize("n,k", [(1, 1), (4, 2), (7, 3), (9, 4), (6, 6), (12, 1), (30, 2)])
def test_k_subsets_is_itertools_order(n, k):
    got = k_subsets(n, k)
    assert got.dtype == np.int32
    assert got.shape == (math.comb(n, k), k)
    assert got.tolist() == [list(c) for c in itertools.combinations(range(n), k)]


def test_k_subsets_errors_state_the_size():
    with pytest.raises(ValueError, match="k must be <= n"):
        k_subsets(3, 4)
    with pytest.raises(TypeError, match="n must be an integer"):
        k_subsets(3.0, 2)
    with pytest.raises(MemoryError, match=r"C\(100000,3\)"):
        k_subsets(100_000, 3)


def test_dense_is_limit_prefix():
    rel, used = dense_qrels(1000, 2)
    assert used == 46
    assert rel.tolist() == [list(c) for c in itertools.combinations(range(46), 2)][:1000]


def test_patterns_against_definitions():
    cyc = qrel_pattern("cycle", 5, 7, k=2)
    naive = [sorted([i % 5, (i + 1) % 5]) for i in range(7)]
    assert cyc.tolist() == naive
    dis = qrel_pattern("disjoint", 10, 4, k=2)
    assert dis.tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]
    rnd = qrel_pattern("random", 30, 200, k=3, key=jax.random.key(1))
    assert rnd.shape == (200, 3) and rnd.min() >= 0 and rnd.max() < 30
    assert np.all(np.diff(rnd, axis=1) > 0)  # distinct and sorted
    assert np.array_equal(rnd, qrel_pattern("random", 30, 200, k=3, key=jax.random.key(1)))
    assert np.array_equal(rnd, qrel_pattern("random", 30, 200, k=3, key=jax.random.PRNGKey(1)))  # raw key
    assert not np.array_equal(rnd, qrel_pattern("random", 30, 200, k=3, key=jax.random.key(2)))
    # every pair is about equally likely (a naive frequency check of uniformity)
    counts = np.bincount(rnd.ravel(), minlength=30)
    assert counts.min() > 0.4 * counts.mean()
    big = qrel_pattern("random", 10_000, 50, k=2, key=jax.random.key(3))
    assert np.all(np.diff(big, axis=1) > 0)


def test_pattern_errors():
    with pytest.raises(ValueError, match="disjoint pattern needs"):
        qrel_pattern("disjoint", 5, 3, k=2)
    with pytest.raises(ValueError, match="dense pattern with 1000 queries"):
        qrel_pattern("dense", 40, 1000, k=2)
    with pytest.raises(ValueError, match="key="):
        qrel_pattern("random", 10, 3)
    with pytest.raises(TypeError, match="PRNG key"):
        qrel_pattern("random", 10, 3, key=7)
    with pytest.raises(ValueError, match="pattern must be one of"):
        qrel_pattern("star", 10, 3)
    with pytest.raises(ValueError, match="k must be <= num_docs"):
        qrel_pattern("cycle", 2, 3, k=3)


def test_mask_roundtrip():
    rel = k_subsets(5, 2)
    mask = qrels_to_mask(rel, 5)
    assert mask.sum() == 2 * len(rel)
    assert all(set(np.flatnonzero(mask[i])) == set(rel[i]) for i in range(len(rel)))
    with pytest.raises(ValueError, match="outside"):
        qrels_to_mask(rel, 4)


def test_argument_names_outside_the_contract_are_errors():
    with pytest.raises(TypeError, match="key_seed"):
        qrel_pattern("random", 30, 20, k=3, key_seed=1)
    with pytest.raises(TypeError, match="budget_bytes"):
        k_subsets(5, 2, budget_bytes=1e6)
    with pytest.raises(MemoryError):
        k_subsets(2000, 3, memory_budget=1e6)
    with pytest.raises(TypeError, match="unexpected keyword"):
        k_subsets(5, 2, budget=1)

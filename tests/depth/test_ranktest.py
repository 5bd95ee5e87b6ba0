"""The reference's q against its literal loop, and the permutation test against scipy on its depths and
against a naive enumeration of every relabelling."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st
from depth_naive import chord_dist, cosine_dist, liu_singh_q, reference_q, tte

from embtheory.core.pairwise import normalize_rows as unit_rows
from embtheory.core.testing import assert_allclose
from embtheory.depth import depth_rank_test, q_liu_singh, q_pooled, tte_depth
from embtheory.depth import ranktest as rt


def _tol(x, loose=2e-5):
    return dict(rtol=0, atol=loose) if np.asarray(x).dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)


@pytest.mark.numerics
def test_q_scores_match_the_literal_definitions():
    rng = np.random.default_rng(1)
    for ties in (False, True):
        dF, dG = rng.normal(size=40), rng.normal(-0.5, size=25)
        if ties:
            dF, dG = np.round(dF, 1), np.round(dG, 1)
        dFj, dGj = jnp.asarray(dF), jnp.asarray(dG)
        dF, dG = np.asarray(dFj), np.asarray(dGj)
        assert_allclose(q_pooled(dFj, dGj), reference_q(dF, dG), **_tol(dF, 1e-6))
        assert_allclose(q_liu_singh(dFj, dGj), liu_singh_q(dF, dG), **_tol(dF, 1e-6))
        if not ties:  # q = (m Q + (n - 1)/2) / (m + n) without ties
            Q = liu_singh_q(dF, dG)
            assert_allclose(q_pooled(dFj, dGj), (40 * Q + 12) / 65, **_tol(dF, 1e-6))


@pytest.mark.numerics
@pytest.mark.parametrize("distance", ["cosine", "chord"])
def test_depth_rank_test_equals_scipy_on_its_depths(distance):
    rng = np.random.default_rng(2)
    F, G = rng.normal(size=(60, 8)) + 1, rng.normal(size=(45, 8)) + 1
    G[:20] += rng.normal(size=(20, 8)) * 3
    res = depth_rank_test(F, G, distance=distance)
    assert_allclose(res.depths_F, tte_depth(F, distance=distance), **_tol(res.depths_F))
    assert_allclose(res.depths_G, tte_depth(F, G, distance=distance), **_tol(res.depths_G))
    dF, dG = np.asarray(res.depths_F), np.asarray(res.depths_G)
    ref = st.ranksums(dF, dG, alternative="greater")
    assert_allclose(res.statistic, ref.statistic, **_tol(dF, 1e-5))
    assert_allclose(res.pvalue, ref.pvalue, **_tol(dF, 1e-6))
    assert_allclose(res.q, reference_q(dF, dG), **_tol(dF, 1e-6))
    assert_allclose(res.q_liu_singh, liu_singh_q(dF, dG), **_tol(dF, 1e-6))
    assert res.pvalue_permutation is None and res.n_permutations == 0
    assert float(res.pvalue) < 0.05  # G's outliers make it more outlying


def _all_splits(N, m):
    perms = []
    for S in itertools.combinations(range(N), m):
        rest = [i for i in range(N) if i not in S]
        perms.append(list(S) + rest)
    return np.array(perms)


def _naive_split_z(Z, perms, m, dist):
    out = []
    for p in perms:
        F, G = Z[p[:m]], Z[p[m:]]
        out.append(st.ranksums(tte(F, dist=dist), tte(F, G, dist=dist)).statistic)
    return np.array(out)


@pytest.mark.numerics
def test_split_statistics_recompute_every_depth_exactly():
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(9, 4)) + 0.5
    m = 4
    perms = _all_splits(9, m)  # all 126 relabellings
    Zh = unit_rows(jnp.asarray(Z))
    selfs = jnp.sum(Zh * Zh, axis=1)

    def cos_sums(ind):
        return (ind @ Zh) @ Zh.T

    ind = np.zeros(perms.shape)
    np.put_along_axis(ind, perms[:, :m], 1.0, axis=1)
    ind = jnp.asarray(ind, Zh.dtype)
    got = rt.split_z(cos_sums, selfs, ind, m, c0=1.0, sign=1.0)
    want = _naive_split_z(Z, perms, m, cosine_dist)
    assert_allclose(got, want, **_tol(got, 1e-4))

    K = rt.distance_matrix(jnp.asarray(Z), jnp.asarray(Z), distance="chord", chunk=4)
    got = rt.split_z(lambda i: i @ K.T, jnp.diagonal(K), ind, m, c0=2.0, sign=-1.0)
    assert_allclose(got, _naive_split_z(Z, perms, m, chord_dist), **_tol(got, 1e-4))


@pytest.mark.numerics
def test_cosine_closed_form_and_cosine_matrix_permutations_agree():
    rng = np.random.default_rng(4)
    Z = jnp.asarray(rng.normal(size=(30, 5)) + 1.0)
    keys = jax.random.split(jax.random.key(0), 50)
    Zh = unit_rows(Z)
    K = 1.0 - Zh @ Zh.T  # cosine distance: depth 2 - mean(1 - cos) = 1 + mean cos
    a = rt.permutation_z_cosine(Zh, keys, m=12, chunk=7)
    b = rt.permutation_z_matrix(K, keys, m=12, chunk=50)
    assert_allclose(a, b, **_tol(a, 1e-4))


@pytest.mark.numerics
def test_permutation_pvalue_reproducible_chunk_free_and_near_exact():
    rng = np.random.default_rng(5)
    F, G = rng.normal(size=(5, 3)) + 1.0, rng.normal(size=(4, 3)) + 1.0
    G[0] *= -1
    key = jax.random.key(7)
    res = depth_rank_test(F, G, n_permutations=4000, key=key)
    again = depth_rank_test(F, G, n_permutations=4000, key=key, permutation_chunk_size=333)
    assert float(res.pvalue_permutation) == float(again.pvalue_permutation)
    # the exact permutation p-value over all 126 relabellings, computed naively
    Z = np.concatenate([F, G])
    z_all = _naive_split_z(Z, _all_splits(9, 5), 5, cosine_dist)
    z_obs = st.ranksums(tte(F), tte(F, G)).statistic
    exact = np.mean(z_all >= z_obs - 1e-9)
    se = np.sqrt(exact * (1 - exact) / 4000)
    assert abs(float(res.pvalue_permutation) - exact) < 4 * se + 1e-3
    other = depth_rank_test(F, G, n_permutations=4000, key=jax.random.key(8))
    assert float(other.pvalue_permutation) != float(res.pvalue_permutation)


@pytest.mark.numerics
def test_permutation_alternatives_and_other_distances():
    rng = np.random.default_rng(6)
    F, G = rng.normal(size=(40, 6)) + 1.0, rng.normal(size=(30, 6)) * 3 + 1.0
    key = jax.random.key(1)
    g = depth_rank_test(F, G, n_permutations=300, key=key)
    assert float(g.pvalue_permutation) < 0.01 and float(g.pvalue) < 0.01
    le = depth_rank_test(F, G, n_permutations=300, key=key, alternative="less")
    assert float(le.pvalue_permutation) > 0.9
    two = depth_rank_test(F, G, n_permutations=300, key=key, alternative="two-sided")
    assert float(two.pvalue_permutation) < 0.02
    ch = depth_rank_test(F, G, n_permutations=300, key=key, distance="chord")
    assert float(ch.pvalue_permutation) < 0.01
    assert abs(float(ch.pvalue_permutation) - 1 / 301) < 1e-6  # no relabelling as extreme


def test_bad_arguments_are_clear_errors():
    F, G = np.ones((4, 3)) + np.eye(4, 3), np.ones((3, 3))
    with pytest.raises(TypeError, match="key must be a PRNG key"):
        depth_rank_test(F, G, n_permutations=10)
    with pytest.raises(ValueError, match="alternative must be one of"):
        depth_rank_test(F, G, alternative="bigger")
    with pytest.raises(ValueError, match="n_permutations must be >= 0"):
        depth_rank_test(F, G, n_permutations=-1)
    with pytest.raises(TypeError, match="G must be an array"):
        depth_rank_test(F, None)
    with pytest.raises(ValueError, match="dimension 2 but F has 3"):
        depth_rank_test(F, np.ones((3, 2)))
    with pytest.raises(MemoryError, match="distance='cosine'"):
        depth_rank_test(F, G, n_permutations=10, key=jax.random.key(0), distance="chord", memory_budget=100)


def test_random_subsets_are_uniform():
    keys = jax.random.split(jax.random.key(3), 6000)
    ind = np.asarray(jax.vmap(lambda k: rt.random_subset(k, 6, 3))(keys))
    assert np.all(ind.sum(axis=1) == 3)
    codes = ind @ (2 ** np.arange(6))
    counts = np.array([np.sum(codes == c) for c in np.unique(codes)])
    assert len(counts) == 20  # every one of C(6, 3) subsets appears
    assert st.chisquare(counts).pvalue > 1e-3


@pytest.mark.numerics
def test_callable_distance_permutation_test_matches_cosine():
    rng = np.random.default_rng(9)
    F, G = rng.normal(size=(25, 4)) + 1.0, rng.normal(size=(20, 4)) * 2 + 1.0

    def cos_dist(x, h):
        return 1.0 - jnp.dot(x, h) / (jnp.linalg.norm(x) * jnp.linalg.norm(h))

    key = jax.random.key(4)
    a = depth_rank_test(F, G, n_permutations=200, key=key)
    b = depth_rank_test(F, G, n_permutations=200, key=key, distance=cos_dist, chunk_size=7)
    assert_allclose(b.statistic, a.statistic, **_tol(a.statistic, 1e-4))
    assert abs(float(a.pvalue_permutation) - float(b.pvalue_permutation)) <= 2 / 201

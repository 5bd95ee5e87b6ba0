"""Exact halfspace depth in 1-3 dimensions against brute force over point pairs, in host blocks and
under vmap."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from depth_naive import halfspace, halfspace_exact_pairs

from embtheory.core.testing import assert_allclose
from embtheory.depth import halfspace_depth


def _counts(depths, m):
    return np.rint(np.asarray(depths, np.float64) * m).astype(int)


@pytest.mark.numerics
@pytest.mark.parametrize("d,m,n", [(2, 40, 25), (3, 14, 8)])
def test_exact_halfspace_matches_brute_force_over_point_pairs(d, m, n):
    rng = np.random.default_rng(d)
    F = rng.normal(size=(m, d)) * np.arange(1, d + 1)
    X = np.concatenate([rng.normal(size=(n, d)), 10.0 + np.zeros((1, d))])
    got = _counts(halfspace_depth(F, X, exact=True), m)
    np.testing.assert_array_equal(got, _counts(halfspace_exact_pairs(F, X), m))
    own = _counts(halfspace_depth(F, exact=True), m)  # each point of F counts itself
    np.testing.assert_array_equal(own, _counts(halfspace_exact_pairs(F, F), m))
    np.testing.assert_array_equal(_counts(halfspace_depth(F, X, exact=True, chunk_size=3), m), got)
    assert got[-1] == 0 and np.all(own >= 1)
    # random directions can only over-estimate the exact depth
    approx = _counts(halfspace_depth(F, X, key=jax.random.key(0), n_directions=500), m)
    assert np.all(approx >= got)


@pytest.mark.numerics
def test_exact_halfspace_in_one_dimension_and_at_a_symmetric_centre():
    F = np.array([[0.0], [1.0], [1.0], [3.0], [7.0]])
    X = np.array([[1.0], [2.0], [-1.0], [7.0]])
    want = [min(np.sum(F[:, 0] >= x), np.sum(F[:, 0] <= x)) / 5 for x in X[:, 0]]
    assert_allclose(halfspace_depth(F, X, exact=True), np.array(want), rtol=0, atol=1e-7)
    # 2k points symmetric about 0 in general position: the centre lies in every halfspace with k
    P = np.random.default_rng(3).normal(size=(10, 2))
    sym = np.concatenate([P, -P])
    d = np.asarray(halfspace_depth(sym, np.zeros((1, 2)), exact=True))
    assert d[0] == pytest.approx(0.5)


def test_exact_halfspace_refuses_what_it_cannot_do():
    F = np.random.default_rng(0).normal(size=(6, 4))
    with pytest.raises(ValueError, match="d <= 3, got d=4"):
        halfspace_depth(F, exact=True)
    with pytest.raises(ValueError, match="drop key= and directions="):
        halfspace_depth(F[:, :2], exact=True, key=jax.random.key(0))
    with pytest.raises(TypeError, match="exact must be True or False"):
        halfspace_depth(F[:, :2], exact="yes")
    with pytest.raises(MemoryError, match="exact halfspace depth of one query"):
        halfspace_depth(F[:, :3], exact=True, memory_budget=100)


@pytest.mark.numerics
def test_halfspace_pair_reference_agrees_with_closed_halfspaces_over_many_directions():
    # the reference itself, against the literal closed-halfspace minimum over dense directions in 2-D
    rng = np.random.default_rng(11)
    F, X = rng.normal(size=(12, 2)), rng.normal(size=(6, 2))
    t = np.linspace(0, 2 * np.pi, 20001)[:-1]
    U = np.stack([np.cos(t), np.sin(t)], axis=1)
    np.testing.assert_array_equal(_counts(halfspace_exact_pairs(F, X), 12), _counts(halfspace(F, X, U), 12))


def test_exact_halfspace_in_host_blocks_gives_the_same_counts(monkeypatch):
    import embtheory.depth._common as common

    rng = np.random.default_rng(4)
    F, X = rng.normal(size=(30, 3)), rng.normal(size=(11, 3))
    whole = np.asarray(halfspace_depth(F, X, exact=True))
    monkeypatch.setattr(common, "BLOCK_FLOPS", 1.0)  # one query per host block
    np.testing.assert_array_equal(np.asarray(halfspace_depth(F, X, exact=True)), whole)


@pytest.mark.numerics
def test_exact_halfspace_kernel_vmaps_over_reference_sets():
    import jax.numpy as jnp

    from embtheory.depth import kernels

    rng = np.random.default_rng(8)
    Fs, Gs = rng.normal(size=(3, 16, 2)), rng.normal(size=(3, 5, 2))
    got = jax.jit(jax.vmap(lambda F, G: kernels.exact_halfspace_depths(F, G, chunk_size=2)))(
        jnp.asarray(Fs), jnp.asarray(Gs))
    want = np.stack([halfspace_exact_pairs(F, G) for F, G in zip(Fs, Gs)])
    np.testing.assert_array_equal(_counts(got, 16), _counts(want, 16))
    with pytest.raises(ValueError, match="d = 2 or 3, got d=4"):
        kernels.exact_halfspace_depths(jnp.ones((5, 4)))

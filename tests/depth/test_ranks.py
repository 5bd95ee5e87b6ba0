"""The rank-sum statistic against scipy.stats, the sortable keys behind its ranks, and bad input."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st

from embtheory.core.testing import assert_allclose
from embtheory.depth import pvalue_from_z, q_liu_singh, q_pooled, rank_sum_z

B, M, N, D = 4, 9, 5, 3


def test_rank_sum_z_with_an_empty_side_is_an_error():
    empty, two = np.array([]), np.array([1.0, 2.0])
    for dF, dG, name in ((empty, two, "dF"), (two, empty, "dG")):
        with pytest.raises(ValueError, match=f"{name} is empty"):
            rank_sum_z(dF, dG)
        with pytest.raises(ValueError, match=f"{name} is empty"):
            q_liu_singh(dF, dG)
        with pytest.raises(ValueError, match=f"{name} is empty"):
            q_pooled(dF, dG)
    with pytest.raises(ValueError, match="dF contains NaN"):
        rank_sum_z(np.array([1.0, np.nan]), np.array([1.0]))
    with pytest.raises(ValueError, match="dG must be 1-D"):
        rank_sum_z(np.array([1.0, 2.0]), np.ones((2, 2)))
    with pytest.raises(TypeError, match="dF must hold real numbers"):
        rank_sum_z(np.array(["a", "b"]), np.array([1.0]))


def _tol(x, loose=2e-5):
    return dict(rtol=0, atol=loose) if np.asarray(x).dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)


@pytest.mark.numerics
@pytest.mark.parametrize("m,n,ties", [(30, 20, False), (25, 25, True), (7, 90, True), (1, 3, False)])
def test_rank_sum_matches_scipy_ranksums(m, n, ties):
    rng = np.random.default_rng(m * n)
    x, y = rng.normal(size=m), rng.normal(0.3, size=n)
    if ties:
        x, y = np.round(x, 1), np.round(y, 1)
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    z = rank_sum_z(xj, yj)
    x_, y_ = np.asarray(xj), np.asarray(yj)  # the same (possibly float32) values scipy sees
    for alt in ("greater", "less", "two-sided"):
        ref = st.ranksums(x_, y_, alternative=alt)
        assert_allclose(z, ref.statistic, **_tol(z, 1e-5))
        assert_allclose(pvalue_from_z(z, alt), ref.pvalue, **_tol(z, 1e-6))


def test_sortable_keys_order_and_ties():
    from embtheory.depth.ranks import sortable_keys

    x = np.array([3.0, -0.0, 0.0, -1.5, -1e-30, 1e-30, -np.inf, np.inf, 2.0, -2.0, 2.0, -1.5], np.float32)
    k = np.asarray(sortable_keys(jnp.asarray(x)))
    for i in range(len(x)):
        for j in range(len(x)):
            assert (x[i] < x[j]) == (k[i] < k[j]) and (x[i] == x[j]) == (k[i] == k[j])

import math

import numpy as np
import pytest

from embtheory.signrank import k_subsets, qrels_to_mask, theory

TABLE1 = {2: [4, 6, 8, 10, 12, 14, 16, 17, 19, 21], 10: [13, 23, 33, 42, 52, 61, 71, 81, 90, 100]}


@pytest.mark.parametrize("k", [2, 10])
def test_table1_exactly(k):
    assert [theory.margin_dimension_bound(10**e, k, 0.1) for e in range(2, 12)] == TABLE1[k]


def test_margin_bound_errors():
    with pytest.raises(ValueError, match="gamma"):
        theory.margin_dimension_bound(100, 2, 0.0)
    with pytest.raises(ValueError, match="k must be <= 10"):
        theory.margin_dimension_bound(10, 11, 0.1)


def test_forster_matches_dense_svd():
    for n, k in [(8, 2), (9, 3)]:
        rel = k_subsets(n, k)
        m = 2.0 * qrels_to_mask(rel, n) - 1.0
        want = math.sqrt(m.size) / np.linalg.svd(m, compute_uv=False)[0]
        assert theory.forster_lower_bound(rel, n) == pytest.approx(want, rel=1e-10)
    # all pairs: M is close to -J, so the bound is weak (a constant), as the sign rank <= 2k + 1 allows
    assert 1.0 <= theory.forster_lower_bound(k_subsets(40, 2), 40) < 2.0


@pytest.mark.parametrize("n,k", [(12, 2), (9, 3), (7, 1)])
def test_moment_curve_realises_every_subset(n, k):
    q, d = theory.moment_curve_embedding(n, k, dtype=np.float64)
    assert q.shape == (math.comb(n, k), 2 * k + 1) and d.shape == (n, 2 * k + 1)
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, rtol=1e-12)
    rel = k_subsets(n, k)
    scores = q @ d.T
    mask = qrels_to_mask(rel, n)
    # naive: relevant scores are ~0, irrelevant strictly negative, so every row is solved
    assert np.all(np.abs(scores[mask]) < 1e-10)
    assert np.all(scores[~mask] < -1e-10)
    assert theory.certified_sign_rank(q, d, rel) == 2 * k + 2


def test_gap_closed_form_and_precision_break():
    g64 = theory.moment_curve_gap(40, 2, dtype=np.float64)
    assert g64.solved and g64.n == 40 and g64.dtype == "float64"
    assert g64.min_gap == pytest.approx(g64.exact_min_gap, rel=1e-6)
    # naive exact gap for a tiny n: direct products
    n = 7
    t = np.linspace(-1, 1, n)
    best = np.inf
    for i, j in k_subsets(n, 2):
        p = np.polynomial.polynomial.polyfromroots([t[i], t[i], t[j], t[j]])
        for o in range(n):
            if o not in (i, j):
                v = t[o] ** np.arange(5)
                best = min(best, np.prod((t[o] - t[[i, j]]) ** 2) / np.linalg.norm(p) / np.linalg.norm(v))
    assert theory.moment_curve_gap(n, 2).exact_min_gap == pytest.approx(best, rel=1e-9)
    # the neighbour check agrees with the exhaustive one
    a = theory.moment_curve_gap(60, 2, dtype=np.float32, exhaustive=True)
    b = theory.moment_curve_gap(60, 2, dtype=np.float32, exhaustive=False)
    assert a.min_gap == pytest.approx(b.min_gap, rel=1e-6)
    brk = theory.precision_break_n(2, dtype=np.float32, n_max=200)
    assert brk is not None and 20 < brk < 200
    assert not theory.moment_curve_gap(brk, 2, dtype=np.float32).solved
    assert theory.moment_curve_gap(brk, 2, dtype=np.float64).solved


def test_precision_break_n_refuses_a_silent_long_scan(capsys):
    # float64 up to n = 5000 would run for many minutes; it is refused with its cost
    with pytest.raises(ValueError, match=r"may score up to .* pairs.*lower n_max"):
        theory.precision_break_n(2, dtype=np.float64, n_max=5000)
    assert theory.precision_break_n(1, dtype=np.float64, n_max=12, progress=True) is None
    out = capsys.readouterr().out
    assert "n=11" in out and "min_gap" in out
    with pytest.raises(TypeError, match="float32 or float64"):
        theory.precision_break_n(2, dtype=np.int64, n_max=12)


def test_certified_sign_rank_rejects_unsolved():
    rng = np.random.default_rng(0)
    rel = k_subsets(10, 2)
    assert theory.certified_sign_rank(rng.normal(size=(45, 3)), rng.normal(size=(10, 3)), rel) is None

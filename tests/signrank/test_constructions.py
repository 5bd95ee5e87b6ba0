import itertools
import math
import time
import warnings

import numpy as np
import pytest

from embtheory.signrank import certify, k_subsets
from embtheory.signrank.constructions import (
    PRECISION_LIMITS,
    exact_certify,
    moment_curve_exact_check,
    neighbourly_embedding,
    neighbourly_exact_check,
    precision_limit,
)
from embtheory.signrank.theory import moment_curve_embedding


def test_k2_normal_matches_the_hand_derived_closed_form():
    n = 11
    q, d = neighbourly_embedding(n, 2)
    t = 2 * np.pi * np.arange(n) / n
    for row, (a, b) in enumerate(itertools.combinations(range(n), 2)):
        al, be = t[a], t[b]
        want = np.array([np.cos(al) + np.cos(be), np.sin(al) + np.sin(be),
                         -0.5 * np.cos(al + be), -0.5 * np.sin(al + be)])
        np.testing.assert_allclose(q[row], want / np.linalg.norm(want), atol=1e-12)
    curve = np.stack([np.cos(t), np.sin(t), np.cos(2 * t), np.sin(2 * t)], 1) / np.sqrt(2)
    np.testing.assert_allclose(d, curve, atol=1e-15)


@pytest.mark.parametrize("n,k", [(9, 1), (10, 2), (9, 3), (11, 4)])
def test_every_subset_is_the_top_k_naive(n, k):
    q, d = neighbourly_embedding(n, k, unit=False)
    assert q.shape == (math.comb(n, k), 2 * k) and d.shape == (n, 2 * k)
    t = 2 * np.pi * np.arange(n) / n
    scores = q @ d.T
    for row, subset in enumerate(itertools.combinations(range(n), k)):
        # identity: score + prod_i (1 - cos(t - t_i)) is one constant over all documents
        f = np.prod([1 - np.cos(t - t[i]) for i in subset], axis=0)
        total = scores[row] + f
        np.testing.assert_allclose(total, total[0], atol=1e-12)
        top = set(np.argsort(-scores[row], kind="stable")[:k].tolist())
        assert top == set(subset)
        assert np.max(np.delete(scores[row], subset)) < scores[row][list(subset)].min() - 1e-9
    qu, du = neighbourly_embedding(n, k)
    np.testing.assert_allclose(np.linalg.norm(du, axis=1), 1.0, atol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(qu, axis=1), 1.0, atol=1e-14)


@pytest.mark.x64
def test_neighbourly_certifies_640_documents_in_4_dimensions_float64():
    t0 = time.perf_counter()
    q, d = neighbourly_embedding(640, 2, dtype=np.float64)
    c = certify(q, d, k=2, dtype=np.float64)
    assert q.shape == (204_480, 4)
    assert c.solved and c.violations == 0 and c.num_queries == 204_480 and c.margin > 0
    assert time.perf_counter() - t0 < 60


def test_float32_precision_limit_boundary():
    r = precision_limit("neighbourly", 2, dtype=np.float32, n_min=150, n_max=190)
    assert not r.capped and r.first_failure == r.largest_certified + 1
    assert 150 <= r.largest_certified < 190 and r.dim == 4 and r.dtype == "float32"
    margins = dict(r.checked)
    assert margins[r.largest_certified] > 0 >= margins[r.first_failure]
    # the boundary agrees with direct certificates of those two sizes (near it, success is not
    # monotone in n: rounding decides, so the search reports a boundary it found, with both sides)
    for n, solved in ((r.largest_certified, True), (r.first_failure, False)):
        e = neighbourly_embedding(n, 2, dtype=np.float32, check_precision=False)
        assert certify(e.q, e.d, k=2, dtype=np.float32).solved is solved


def test_precision_limit_caps_and_says_so():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = precision_limit("neighbourly", 2, dtype=np.float32, n_min=8, n_max=64, max_pairs=20 * 190)
    assert r.capped and r.first_failure is None and r.largest_certified == 20
    assert r.next_cost_pairs == math.comb(21, 2) * 21
    assert any("max_pairs" in str(x.message) for x in w)
    r = precision_limit("moment_curve", 1, dtype=np.float32, n_min=4, n_max=9)
    assert r.capped and r.largest_certified == 9 and r.dim == 3 and r.next_cost_pairs == 0


@pytest.mark.parametrize("n,k", [(9, 1), (10, 2), (8, 3)])
def test_exact_checks_of_both_constructions(n, k):
    nb = neighbourly_exact_check(n, k)
    assert nb.identity and nb.certificate.solved and nb.certificate.violations == 0
    mc = moment_curve_exact_check(n, k)
    assert mc.identity and mc.certificate.solved
    # the moment curve's relevant scores are exactly 0, the nearest competitor of a k = 1 query
    # t_i is its neighbour at distance h = 2/(n-1): margin (h^2)... at least the product form
    if k == 1:
        h = 2 / (n - 1)
        assert mc.certificate.margin == pytest.approx(h * h)


def test_exact_certify_of_stored_float_arrays():
    q, d = neighbourly_embedding(10, 2)
    ex = exact_certify(q, d, k=2)
    assert ex.solved and ex.violations == 0
    assert float(ex.margin) == pytest.approx(certify(q, d, k=2, dtype=np.float32).margin, abs=1e-6)
    bad = q.copy()
    bad[[3, 4]] = bad[[4, 3]]  # two queries swapped: both now rank the wrong pair first
    ex = exact_certify(bad, d, k=2)
    assert not ex.solved and ex.violations == 2 and ex.worst_query in (3, 4)
    with pytest.raises(ValueError, match="max_pairs"):
        exact_certify(q, d, k=2, max_pairs=10)


@pytest.mark.parametrize("fn", [neighbourly_embedding, moment_curve_embedding])
def test_constructions_refuse_bad_dtypes_and_sizes(fn):
    for dt in (np.int32, np.int64, bool, np.complex64):
        with pytest.raises(TypeError, match="dtype"):
            fn(8, 2, dtype=dt)
    with pytest.raises(ValueError, match="k must be <="):
        fn(4, 4)
    with pytest.raises(MemoryError, match="lower n"):
        fn(5000, 3, memory_budget=2**20)


def test_exact_check_sizes():
    with pytest.raises(ValueError, match="lower n"):
        neighbourly_exact_check(200, 3)
    assert k_subsets(5, 2).shape == (10, 2)


def _certifies_in_float32(construction, n):
    if construction == "neighbourly":
        e = neighbourly_embedding(n, 2, dtype=np.float32, check_precision=False)
    else:
        e = moment_curve_embedding(n, 2, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # near the limit rounding decides, by design
        return certify(e[0], e[1], k=2, dtype=np.float32).solved


@pytest.mark.parametrize("construction", ["neighbourly", "moment_curve"])
def test_float32_precision_limit_table_is_the_measured_boundary(construction):
    """The table's limit certifies, the next size fails (every smaller size: the slow test below)."""
    lim = PRECISION_LIMITS[(construction, 2, "float32")]
    assert [_certifies_in_float32(construction, n) for n in (lim - 2, lim - 1, lim, lim + 1)] == [
        True, True, True, False]


@pytest.mark.slow
@pytest.mark.parametrize("construction", ["neighbourly", "moment_curve"])
def test_float32_precision_limit_every_size_below_certifies(construction):
    lim = PRECISION_LIMITS[(construction, 2, "float32")]
    failing = [n for n in range(6, lim + 1) if not _certifies_in_float32(construction, n)]
    assert failing == []


def test_construction_beyond_its_precision_is_refused_with_the_limit():
    lim = PRECISION_LIMITS[("neighbourly", 2, "float32")]
    with pytest.raises(ValueError, match=f"every n up to {lim} certifies"):
        neighbourly_embedding(200, 2, dtype=np.float32)
    with pytest.raises(ValueError, match="float64 epsilon near n = 30,000"):
        neighbourly_embedding(40_000, 2, dtype=np.float64)
    e = neighbourly_embedding(200, 2, dtype=np.float32, check_precision=False)
    assert not certify(e.q, e.d, k=2, dtype=np.float32).solved  # the limit is real

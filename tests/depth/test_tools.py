"""DD-plots, most central / outlying, and example selection, against the literal depths."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from depth_naive import chord_dist, cosine_dist, lens, mahalanobis, spatial, tte

from embtheory.core.testing import assert_allclose
from embtheory.depth import dd_plot, most_central, most_outlying, plot_dd, select_examples


def _tol(x):
    return dict(rtol=0, atol=2e-5) if np.asarray(x).dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)


def _classes(seed=0, per=(12, 9, 15), d=5):
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(size=(k, d)) + 3 * np.eye(d)[c] for c, k in enumerate(per)])
    y = np.concatenate([np.full(k, c) for c, k in enumerate(per)])
    return X, y


@pytest.mark.numerics
def test_dd_plot_coordinates_are_depths_wrt_each_sample():
    rng = np.random.default_rng(1)
    F, G = rng.normal(size=(15, 3)) + 1, rng.normal(size=(11, 3)) + 2
    dd = dd_plot(F, G)
    assert_allclose(dd.depth_F, np.concatenate([tte(F), tte(F, G)]), **_tol(dd.depth_F))
    assert_allclose(dd.depth_G, np.concatenate([tte(G, F), tte(G)]), **_tol(dd.depth_G))
    np.testing.assert_array_equal(np.asarray(dd.from_G), np.r_[np.zeros(15, bool), np.ones(11, bool)])
    sp = dd_plot(F, G, depth="spatial")
    P = np.concatenate([F, G])
    assert_allclose(sp.depth_F, spatial(F, P), **_tol(sp.depth_F))
    assert_allclose(sp.depth_G, spatial(G, P), **_tol(sp.depth_G))
    ch = dd_plot(F, G, depth="chord")  # TTE with chord distance: leave-one-out for own points
    assert_allclose(ch.depth_F, np.concatenate([tte(F, dist=chord_dist), tte(F, G, dist=chord_dist)]),
                    **_tol(ch.depth_F))
    assert_allclose(ch.depth_G, np.concatenate([tte(G, F, dist=chord_dist), tte(G, dist=chord_dist)]),
                    **_tol(ch.depth_G))
    for depth, naive in (("mahalanobis", mahalanobis), ("lens", lens)):
        out = dd_plot(F, G, depth=depth)
        assert_allclose(out.depth_F, naive(F, P), **_tol(out.depth_F), err_msg=depth)
        assert_allclose(out.depth_G, naive(G, P), **_tol(out.depth_G), err_msg=depth)
    for depth in ("projection", "halfspace"):  # random directions: checked against naive loops elsewhere
        out = dd_plot(F, G, depth=depth, key=jax.random.key(0))
        assert out.depth_F.shape == (26,) and np.all(np.isfinite(np.asarray(out.depth_F)))
        assert not np.allclose(np.asarray(out.depth_F), np.asarray(out.depth_G))
    with pytest.raises(TypeError, match="key"):
        dd_plot(F, G, depth="halfspace")
    with pytest.raises(ValueError, match="depth must be one of"):
        dd_plot(F, G, depth="simplicial")
    ax = plot_dd(dd)
    assert len(ax.collections) == 2 and ax.get_xlabel() == "depth w.r.t. F"


@pytest.mark.numerics
def test_most_central_and_outlying_follow_the_literal_depths():
    rng = np.random.default_rng(2)
    F = rng.normal(size=(40, 4)) + 1.5
    order = np.argsort(-tte(F), kind="stable")
    np.testing.assert_array_equal(np.asarray(most_central(F, 5)), order[:5])
    np.testing.assert_array_equal(np.asarray(most_outlying(F, 5)), order[::-1][:5])
    with pytest.raises(ValueError, match="k must be <= 40"):
        most_central(F, 41)


@pytest.mark.numerics
def test_select_examples_each_method_against_a_direct_computation():
    X, y = _classes()
    k = 3
    for method in ("depth", "centroid", "diversity"):
        sel = select_examples(X, y, k, method=method)
        np.testing.assert_array_equal(sel.classes, [0, 1, 2])
        assert sel.indices.shape == (3, k)
        for c in range(3):
            rows = np.flatnonzero(y == c)
            Xc = X[rows]
            if method == "depth":
                want = rows[np.argsort(-tte(Xc), kind="stable")[:k]]
            elif method == "centroid":
                want = rows[np.argsort(np.linalg.norm(Xc - Xc.mean(0), axis=1))[:k]]
            else:  # greedy farthest point in cosine distance from the deepest point
                chosen = [int(np.argmax(tte(Xc)))]
                while len(chosen) < k:
                    gap = [min(cosine_dist(Xc[i], Xc[j]) for j in chosen) if i not in chosen else -1
                           for i in range(len(Xc))]
                    chosen.append(int(np.argmax(gap)))
                want = rows[chosen]
            np.testing.assert_array_equal(sel.indices[c], want, err_msg=f"{method} class {c}")
    r1 = select_examples(X, y, k, method="random", key=jax.random.key(0))
    r2 = select_examples(X, y, k, method="random", key=jax.random.key(0))
    np.testing.assert_array_equal(r1.indices, r2.indices)
    for c in range(3):
        assert len(set(r1.indices[c])) == k and np.all(y[r1.indices[c]] == c)


def test_select_examples_bad_input():
    X, y = _classes()
    with pytest.raises(ValueError, match="class 1 has only 9 examples"):
        select_examples(X, y, 10)
    with pytest.raises(TypeError, match="key"):
        select_examples(X, y, 2, method="random")
    with pytest.raises(ValueError, match="method must be one of"):
        select_examples(X, y, 2, method="kmeans")
    with pytest.raises(ValueError, match="y must be integer labels"):
        select_examples(X, y[:-1], 2)



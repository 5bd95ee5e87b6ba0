"""DD-plots, most central / outlying, example selection, and the simulation of calibration and power."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from depth_naive import chord_dist, cosine_dist, lens, mahalanobis, spatial, tte

from embtheory.core.testing import assert_allclose
from embtheory.depth import (
    dd_plot,
    depth_rank_test,
    gaussian_mixture_sampler,
    most_central,
    most_outlying,
    plot_dd,
    rejection_rates,
    select_examples,
    spherical_mixture_sampler,
)

_draw = jax.jit(lambda sampler, key: sampler(key))  # samplers are pytrees: jit them as arguments


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


@pytest.mark.numerics
def test_samplers_null_and_shift():
    key = jax.random.key(0)
    g0 = gaussian_mixture_sampler(key=key, m=30, n=20, d=6, shift=0.0)
    F, G = _draw(g0, jax.random.key(1))
    assert F.shape == (30, 6) and G.shape == (20, 6)
    F2, _ = _draw(g0, jax.random.key(1))
    np.testing.assert_array_equal(np.asarray(F), np.asarray(F2))
    s = spherical_mixture_sampler(key=key, m=30, n=20, d=6, angle=0.3)
    F, G = _draw(s, jax.random.key(2))
    assert_allclose(np.linalg.norm(np.asarray(G), axis=1), np.ones(20), rtol=1e-5, atol=1e-5)
    # a big shift moves G's mean by about `shift` along one direction
    g5 = gaussian_mixture_sampler(key=key, m=2000, n=2000, d=6, shift=5.0)
    F, G = _draw(g5, jax.random.key(3))
    assert abs(float(np.linalg.norm(np.asarray(G).mean(0) - np.asarray(F).mean(0))) - 5.0) < 0.3


@pytest.mark.numerics
def test_rejection_rates_calibrated_under_null_and_powerful_under_shift():
    g0 = gaussian_mixture_sampler(key=jax.random.key(0), m=20, n=20, d=6, shift=0.0)
    null = rejection_rates(g0, key=jax.random.key(1), n_trials=240, n_permutations=49, chunk_size=120)
    # binomial(240, 0.05): s.d. 1.4%; 4 s.d. band
    assert 0.0 < null.permutation < 0.107 and null.asymptotic < 0.107
    assert null.pvalues.shape == (240,)
    again = rejection_rates(g0, key=jax.random.key(1), n_trials=240, n_permutations=49, chunk_size=80)
    np.testing.assert_array_equal(np.asarray(again.pvalues_permutation), np.asarray(null.pvalues_permutation))
    # each trial's p-value is the depth_rank_test p-value of that trial's data
    k_data, _ = jax.random.split(jax.random.split(jax.random.key(1), 240)[7])
    F, G = _draw(g0, k_data)
    assert_allclose(null.pvalues[7], depth_rank_test(F, G).pvalue, rtol=1e-4, atol=1e-6)
    s = spherical_mixture_sampler(key=jax.random.key(0), m=30, n=30, d=8, angle=1.0)
    power = rejection_rates(s, key=jax.random.key(2), n_trials=100)
    assert power.asymptotic > 0.8 and np.isnan(power.permutation)

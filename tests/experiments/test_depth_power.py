"""The depth-power-curves experiment end to end at its tiny size, through the runner, into a tmp store."""

from __future__ import annotations

import sys

import numpy as np
from experiment_runs import run_tiny


def test_power_curves_tiny_detects_a_large_shift(experiments, tmp_path):
    exp = experiments["depth-power-curves"]
    cfg = exp.make_config("tiny")
    _res, store = run_tiny(exp, tmp_path)
    by = {(r["config"]["family"], r["config"]["shift"]): r["result"] for r in store.records()}
    assert len(by) == len(cfg.gaussian) + len(cfg.spherical)
    big_s = by[("spherical", max(cfg.spherical))]
    # a 0.6-rad rotation of every mean direction is rejected in most of the 16 trials (quick size:
    # 0.90 at 0.3 rad, 1.00 at 0.4 rad)
    assert big_s["asymptotic"] >= 0.6 and big_s["permutation"] >= 0.6
    null_s = by[("spherical", 0)]
    assert null_s["asymptotic"] <= 0.3  # 16 null trials at alpha = 0.05
    assert big_s["asymptotic"] >= null_s["asymptotic"] + 0.4
    # Liu & Singh's Q is near 1/2 under no shift and falls as G rotates away from F
    assert 0.3 < null_s["q_liu_singh"] < 0.7 and big_s["q_liu_singh"] < null_s["q_liu_singh"]
    # the Gaussian shift moves G inwards along F's mean vector (away from F's depth centre), so
    # the one-sided test has power whatever the seed (see also test_seed_changes_the_draws)
    null_g, big_g = by[("gaussian", 0)], by[("gaussian", max(cfg.gaussian))]
    assert null_g["asymptotic"] <= 0.3
    assert big_g["asymptotic"] >= 0.6 and big_g["permutation"] >= 0.6
    assert big_g["q_liu_singh"] < null_g["q_liu_singh"]
    assert (tmp_path / "depth-power-curves" / "depth_power_curves.png").exists()
    assert "power (normal / permutation)" in (tmp_path / "depth-power-curves" / "report.md").read_text()


def test_seed_changes_the_draws(experiments, tmp_path):
    exp = experiments["depth-power-curves"]
    _, a = run_tiny(exp, tmp_path / "a", seed=0)
    _, b = run_tiny(exp, tmp_path / "b", seed=1)
    qa = np.array([r["result"]["q"] for r in a.records()])
    qb = np.array([r["result"]["q"] for r in b.records()])
    assert not np.array_equal(qa, qb)
    # the design does not hinge on the seed: both seeds detect the largest shift of both families
    cfg = exp.make_config("tiny")
    for store in (a, b):
        by = {(r["config"]["family"], r["config"]["shift"]): r["result"] for r in store.records()}
        for family, grid in (("gaussian", cfg.gaussian), ("spherical", cfg.spherical)):
            assert by[(family, max(grid))]["asymptotic"] >= 0.6, (family, by[(family, max(grid))])


def test_power_curve_moves_one_mixture(experiments):
    """Every shift of a curve uses the same mixture (means and direction); only the shift changes."""
    mod = sys.modules[experiments["depth-power-curves"].run.__module__]
    base = dict(family="gaussian", seed=0, m=5, n=5, d=4)
    a, b = mod.sampler_for(dict(base, shift=0.0)), mod.sampler_for(dict(base, shift=2.0))
    np.testing.assert_array_equal(np.asarray(a.means_F), np.asarray(b.means_F))
    moved = np.linalg.norm(np.asarray(b.means_G) - np.asarray(b.means_F), axis=1)
    np.testing.assert_allclose(moved, 2.0, rtol=1e-5)  # every component mean moved by the shift
    c = mod.sampler_for(dict(base, shift=0.0, seed=1))
    assert not np.array_equal(np.asarray(a.means_F), np.asarray(c.means_F))

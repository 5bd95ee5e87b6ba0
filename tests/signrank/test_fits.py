import jax
import numpy as np
import pytest
from scipy import optimize, stats

from embtheory.signrank import fits


def test_published_cubic_is_reproduced():
    d = np.array(sorted(fits.PUBLISHED_CRITICAL_N))
    n = np.array([fits.PUBLISHED_CRITICAL_N[x] for x in d])
    fit = fits.poly_fit(d, n, 3)
    np.testing.assert_allclose(fit.coef, [-10.5322, 4.0309, 0.0520, 0.0037], atol=5e-5)
    assert round(fit.r2, 3) == 0.999
    # the independent reference: numpy's own polynomial fit
    np.testing.assert_allclose(fit.coef, np.polynomial.polynomial.polyfit(d, n, 3), rtol=1e-8)
    assert fit.coef[3] == pytest.approx(0.0036756, abs=5e-7)


def test_weighted_fit_against_numpy_polyfit_weights():
    rng = np.random.default_rng(0)
    d = np.arange(4, 20, dtype=float)
    sig = rng.uniform(0.5, 3.0, d.size)
    n = 2 + 0.5 * d + 0.1 * d**2 + rng.normal(0, sig)
    fit = fits.poly_fit(d, n, 2, sigma=sig)
    # numpy's polyfit takes w = 1/sigma (it minimises sum (w * resid)^2)
    np.testing.assert_allclose(fit.coef, np.polynomial.polynomial.polyfit(d, n, 2, w=1 / sig), rtol=1e-8)
    with pytest.raises(ValueError, match="sigma"):
        fits.poly_fit(d, n, 2, sigma=-sig)


def test_extrapolations_and_fragility():
    c = fits.compare_fits()
    ex = c.cubic.extrapolation
    assert ex[512] == pytest.approx(5.0e5, rel=0.05)
    assert ex[768] == pytest.approx(1.7e6, rel=0.05)
    assert ex[1024] == pytest.approx(4.0e6, rel=0.05)
    assert ex[3072] == pytest.approx(1.07e8, rel=0.05)
    assert ex[4096] == pytest.approx(2.5e8, rel=0.05)
    assert c.cubic_le_cut.extrapolation[512] == pytest.approx(7.0e4, rel=0.05)
    assert c.quadratic.extrapolation[512] == pytest.approx(8.4e4, rel=0.05)
    assert dict(c.items())["cubic"] is c.cubic


def test_bootstrap_band():
    d = np.arange(4, 46)
    n = np.array([fits.PUBLISHED_CRITICAL_N[x] for x in d])
    b1 = fits.bootstrap_band(d, n, [20, 512], num=200, key=jax.random.key(3))
    b2 = fits.bootstrap_band(d, n, [20, 512], num=200, key=jax.random.key(3))
    np.testing.assert_array_equal(b1.lo, b2.lo)
    assert np.all(b1.lo <= b1.median) and np.all(b1.median <= b1.hi)
    fit = fits.poly_eval(fits.poly_fit(d, n).coef, np.array([20, 512]))
    assert b1.lo[0] <= fit[0] <= b1.hi[0]
    assert b1.hi[1] / b1.lo[1] > 1.5  # wide at d = 512: the extrapolation is fragile
    with pytest.raises(TypeError, match="seed"):
        fits.bootstrap_band(d, n, [20, 512], num=200, seed=3)
    with pytest.raises(TypeError, match="key="):
        fits.bootstrap_band(d, n, [20], num=20)


def test_sample_band_carries_point_noise():
    d = np.arange(4, 16, dtype=float)
    truth = 1 + 2 * d + 0.3 * d**2
    rng = np.random.default_rng(1)
    samples = truth[None, :] + rng.normal(0, 1.0, (300, d.size))
    band = fits.sample_band(d, samples, [10, 100], degree=2)
    assert band.lo[0] < 1 + 20 + 30 < band.hi[0]
    assert (band.hi[1] - band.lo[1]) > 10 * (band.hi[0] - band.lo[0])  # far extrapolation is wider


def test_fit_errors():
    with pytest.raises(ValueError, match="more than 3 points"):
        fits.poly_fit([1, 2, 3], [1, 2, 3], 3)
    with pytest.raises(ValueError, match="finite"):
        fits.poly_fit([1, 2, 3, 4, 5], [1, 2, np.nan, 4, 5], 2)


def test_fits_refuse_too_few_distinct_d():
    d, n = [1, 1, 1, 1, 2], [3.0, 3.1, 2.9, 3.0, 5.0]
    with pytest.raises(ValueError, match="distinct d"):
        fits.poly_fit(d, n, degree=3)
    with pytest.raises(ValueError, match="distinct d"):
        fits.bootstrap_band(d, n, [5.0], degree=3, key=jax.random.key(0))
    with pytest.raises(ValueError, match="level"):
        fits.bootstrap_band([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [6.0], degree=1, level=1.5,
                            key=jax.random.key(0))


# --- success probabilities ------------------------------------------------------------------------

@pytest.mark.parametrize("m", [1, 8, 16, 100])
def test_wilson_interval_closed_form_and_scipy(m):
    x = np.arange(m + 1)
    lo, hi = fits.wilson_interval(x, m, level=0.9)
    z = stats.norm.ppf(0.95)
    p = x / m
    centre = (p + z**2 / (2 * m)) / (1 + z**2 / m)
    half = z / (1 + z**2 / m) * np.sqrt(p * (1 - p) / m + z**2 / (4 * m * m))
    np.testing.assert_allclose(lo, np.maximum(centre - half, 0), atol=1e-12)
    np.testing.assert_allclose(hi, np.minimum(centre + half, 1), atol=1e-12)
    for xi in (0, m // 2, m):
        ci = stats.binomtest(int(xi), m).proportion_ci(confidence_level=0.9, method="wilson")
        assert lo[xi] == pytest.approx(ci.low, abs=1e-9) and hi[xi] == pytest.approx(ci.high, abs=1e-9)
    with pytest.raises(ValueError, match="successes"):
        fits.wilson_interval([m + 1], m)


def test_logistic_n50_recovers_a_known_crossing():
    rng = np.random.default_rng(5)
    ns = np.arange(10, 31)
    p = 1 / (1 + np.exp((ns - 20.3) / 1.5))
    y = rng.random((ns.size, 3000)) < p[:, None]
    fit = fits.logistic_n50(ns, y)
    assert fit.converged
    assert fit.n50 == pytest.approx(20.3, abs=0.1)
    assert fit.slope == pytest.approx(-1 / 1.5, rel=0.05)

    # the same penalised likelihood minimised by scipy (an independent optimiser)
    x = (ns - ns.mean()) / ns.std()
    succ, tot = y.sum(1), y.shape[1]

    def nll(t):
        eta = t[0] + t[1] * x
        return -np.sum(succ * eta - tot * np.logaddexp(0, eta)) + 0.5 * 1e-2 * t[1] ** 2

    t = optimize.minimize(nll, [0.0, -1.0], method="BFGS", options={"gtol": 1e-9}).x
    assert fit.n50 == pytest.approx(ns.mean() - t[0] / t[1] * ns.std(), abs=1e-4)


def test_logistic_n50_on_separated_and_flat_verdicts():
    ns = np.arange(5, 15)
    sep = np.array([[n <= 9] * 8 for n in ns])
    assert 9 < fits.logistic_n50(ns, sep).n50 < 10  # in the gap, kept finite by the ridge
    assert np.isnan(fits.logistic_n50(ns, np.ones((10, 4), bool)).n50)  # no crossing: NaN, not a number
    with pytest.raises(ValueError, match="solved must be"):
        fits.logistic_n50(ns, np.ones((9, 4), bool))


def test_n50_bootstrap_over_seeds():
    rng = np.random.default_rng(2)
    ns = np.arange(10, 31)
    p = 1 / (1 + np.exp((ns - 20.0) / 2.0))
    y = rng.random((ns.size, 16)) < p[:, None]
    b = fits.n50_bootstrap(ns, y, key=jax.random.key(0), num=400)
    b2 = fits.n50_bootstrap(ns, y, key=jax.random.key(0), num=400)
    assert (b.lo, b.hi) == (b2.lo, b2.hi)
    assert b.lo < fits.logistic_n50(ns, y).n50 < b.hi
    assert 17 < b.lo < b.hi < 23 and b.samples.shape == (400,)
    wide = fits.n50_bootstrap(ns, y[:, :4], key=jax.random.key(0), num=400)
    assert wide.hi - wide.lo > b.hi - b.lo  # fewer seeds, wider band

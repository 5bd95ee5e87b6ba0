import numpy as np
import pytest

from embtheory.signrank.fits import PUBLISHED_CRITICAL_N, bootstrap_band, compare_fits, poly_eval, poly_fit


def test_published_cubic_is_reproduced():
    d = np.array(sorted(PUBLISHED_CRITICAL_N))
    n = np.array([PUBLISHED_CRITICAL_N[x] for x in d])
    fit = poly_fit(d, n, 3)
    np.testing.assert_allclose(fit["coef"], [-10.5322, 4.0309, 0.0520, 0.0037], atol=5e-5)
    assert round(fit["r2"], 3) == 0.999
    # the independent reference: numpy's own polynomial fit
    np.testing.assert_allclose(fit["coef"], np.polynomial.polynomial.polyfit(d, n, 3), rtol=1e-8)
    assert fit["coef"][3] == pytest.approx(0.0036756, abs=5e-7)


def test_extrapolations_and_fragility():
    c = compare_fits()
    ex = c["cubic"]["extrapolation"]
    assert ex[512] == pytest.approx(5.0e5, rel=0.05)
    assert ex[768] == pytest.approx(1.7e6, rel=0.05)
    assert ex[1024] == pytest.approx(4.0e6, rel=0.05)
    assert ex[3072] == pytest.approx(1.07e8, rel=0.05)
    assert ex[4096] == pytest.approx(2.5e8, rel=0.05)
    assert c["cubic_le_cut"]["extrapolation"][512] == pytest.approx(7.0e4, rel=0.05)
    assert c["quadratic"]["extrapolation"][512] == pytest.approx(8.4e4, rel=0.05)


def test_bootstrap_band():
    d = np.arange(4, 46)
    n = np.array([PUBLISHED_CRITICAL_N[x] for x in d])
    b1 = bootstrap_band(d, n, [20, 512], num=200, seed=3)
    b2 = bootstrap_band(d, n, [20, 512], num=200, seed=3)
    np.testing.assert_array_equal(b1["lo"], b2["lo"])
    assert np.all(b1["lo"] <= b1["median"]) and np.all(b1["median"] <= b1["hi"])
    fit = poly_eval(poly_fit(d, n)["coef"], np.array([20, 512]))
    assert b1["lo"][0] <= fit[0] <= b1["hi"][0]
    assert b1["hi"][1] / b1["lo"][1] > 1.5  # wide at d = 512: the extrapolation is fragile


def test_fit_errors():
    with pytest.raises(ValueError, match="more than 3 points"):
        poly_fit([1, 2, 3], [1, 2, 3], 3)
    with pytest.raises(ValueError, match="finite"):
        poly_fit([1, 2, 3, 4, 5], [1, 2, np.nan, 4, 5], 2)


def test_fits_refuse_too_few_distinct_d():
    d, n = [1, 1, 1, 1, 2], [3.0, 3.1, 2.9, 3.0, 5.0]
    with pytest.raises(ValueError, match="distinct d"):
        poly_fit(d, n, degree=3)
    with pytest.raises(ValueError, match="distinct d"):
        bootstrap_band(d, n, [5.0], degree=3)
    with pytest.raises(ValueError, match="level"):
        bootstrap_band([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [6.0], degree=1, level=1.5)

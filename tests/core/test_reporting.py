"""The report formatting helpers, against scipy.stats and hand-written expectations."""

import math

import numpy as np
import pytest
from scipy import stats

from embtheory.core.experiment import Report
from embtheory.core.reporting import (
    format_dims,
    format_extrapolation,
    format_interval,
    format_pvalue,
    read_one_sided,
)


@pytest.mark.parametrize("p, want", [(0.0, "p < 1e-300"), (1e-320, "p < 1e-300"), (1e-300, "p = 1e-300"),
                                     (0.012345, "p = 0.0123"), (1.0, "p = 1")])
def test_pvalue_is_a_bound_below_the_floor(p, want):
    assert format_pvalue(p) == want
    assert "= <" not in format_pvalue(p)


def test_pvalue_of_a_normal_tail_that_underflows():
    p = float(stats.norm.sf(40.0))  # about 3.6e-350 in exact arithmetic: 0.0 in float64
    assert p == 0.0
    assert format_pvalue(p, name="p_perm") == "p_perm < 1e-300"
    assert format_pvalue(p, name=None) == "< 1e-300"
    assert format_pvalue(0.5, name=None, digits=1) == "0.5"


@pytest.mark.parametrize("bad, err", [(-0.1, ValueError), (1.5, ValueError), (float("nan"), ValueError),
                                      ("0.5", TypeError), (True, TypeError)])
def test_pvalue_refuses_what_is_not_a_probability(bad, err):
    with pytest.raises(err, match="p"):
        format_pvalue(bad)


def test_interval_flags_orders_of_magnitude():
    text = format_interval(2.068, 0.041, 104.682)
    assert text.startswith("2.07 (95% CI 0.041-105")
    assert f"factor of {104.682 / 0.041:.0f}" in text and "uninformative" in text
    assert format_interval(2.07, 1.95, 2.2) == "2.07 (95% CI 1.95-2.2)"
    assert format_interval(2.07, 1.95, 2.2, level=0.9) == "2.07 (90% CI 1.95-2.2)"
    # the threshold is the ratio, not the width
    assert "uninformative" not in format_interval(500.0, 100.0, 999.0)
    assert "uninformative" in format_interval(500.0, 100.0, 1001.0)


def test_interval_flags_zero_and_unbounded_and_nan():
    assert "contains 0" in format_interval(0.3, -0.1, 0.8)
    assert "unbounded" in format_interval(1.0, 0.5, math.inf)
    assert "not available" in format_interval(1.0, math.nan, 2.0)
    with pytest.raises(ValueError, match="low"):
        format_interval(1.0, 3.0, 2.0)
    with pytest.raises(TypeError, match="value"):
        format_interval("1", 0.0, 2.0)
    # more significant digits than a float holds would print noise
    assert format_interval(1.0, 0.5, 2.0, digits=17).startswith("1 (")
    with pytest.raises(ValueError, match="digits"):
        format_interval(1.0, 0.5, 2.0, digits=18)


def test_extrapolation_of_a_polynomial_that_turns_negative():
    # a cubic fitted to a few small d whose leading coefficient is negative
    d = np.array([4.0, 5.0, 6.0, 7.0, 8.0])
    n = np.array([10.0, 14.0, 19.0, 23.0, 26.0])
    coef = np.polyfit(d, n, 3)
    at512 = float(np.polyval(coef, 512.0))
    assert coef[0] < 0 and at512 < 0
    text = format_extrapolation(at512, at=512)
    assert text.startswith("d=512: not meaningful") and "negative" in text
    assert f"{at512:.3g}" in text
    assert format_extrapolation(1.234e6, at=512) == "d=512: 1.23e+06"
    assert "not meaningful" in format_extrapolation(0.0, at=4096)
    assert "not finite" in format_extrapolation(math.inf, at=4096)
    assert format_extrapolation(-2.0, at=3, positive=False) == "d=3: -2"
    with pytest.raises(TypeError, match="positive"):
        format_extrapolation(1.0, at=3, positive=1)


def test_dims():
    assert format_dims(range(4, 9)) == "d = 4..8"
    assert format_dims([9, 4, 6]) == "d = 4, 6, 9"
    assert format_dims([5, 6]) == "d = 5, 6"
    with pytest.raises(ValueError, match="dims"):
        format_dims([])
    with pytest.raises(TypeError, match="dims"):
        format_dims([4.5])


def test_one_sided_reading_names_the_direction():
    # p from scipy's rank-sum convention: "greater" rejects for large z
    z = -2.10
    p = float(stats.norm.sf(z))
    text = read_one_sided(z, p, tests="G more outlying than F", opposite="G more central than F")
    assert "one-sided test of G more outlying than F" in text and "not significant" in text
    assert "points the other way (G more central than F" in text
    two = 2 * float(stats.norm.sf(abs(z)))
    assert f"two-sided p = {two:.3g}" in text
    sig = read_one_sided(2.5, float(stats.norm.sf(2.5)), tests="A", opposite="B")
    assert "significant at 0.05" in sig and "other way" not in sig
    flat = read_one_sided(0.3, float(stats.norm.sf(0.3)), tests="A", opposite="B")
    assert "not significant" in flat and "other way" not in flat
    with pytest.raises(ValueError, match="alpha"):
        read_one_sided(0.3, 0.4, alpha=1.0, tests="A", opposite="B")


def test_report_without_files_has_no_files_section():
    assert "Files:" not in Report("T", lines=["a"]).markdown()
    assert "Files:\n- `x.png`" in Report("T", lines=["a"], files=["x.png"]).markdown()


def test_integer_axis_shows_only_what_was_run():
    from embtheory.core.plotting import house_style, integer_axis, legend_outside, new_figure

    with house_style():
        fig, ax = new_figure()
        ax.plot([4, 5], [10, 14], label="a")
        integer_axis(ax, [4, 5])
        legend_outside(ax)
        assert list(ax.get_xticks()) == [4, 5]
        lo, hi = ax.get_xlim()
        assert 3 < lo < 4 and 5 < hi < 6  # no slot for a d = 6 that was not run
        box = ax.get_legend().get_bbox_to_anchor()
        assert box is not None
        integer_axis(ax, range(2, 21))  # 19 layers: every other one labelled
        assert list(ax.get_xticks()) == list(range(2, 21, 2))
        integer_axis(ax, range(1, 11))
        assert list(ax.get_xticks()) == list(range(1, 11))
        with pytest.raises(ValueError, match="axis"):
            integer_axis(ax, [4], axis="z")
        with pytest.raises(ValueError, match="values"):
            integer_axis(ax, [])
        import matplotlib.pyplot as plt

        plt.close(fig)

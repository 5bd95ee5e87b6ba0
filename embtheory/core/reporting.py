"""Small formatting helpers for REPORT.md: numbers a reader can take at face value.

A report line is read without the code beside it, so each helper refuses to print a number that
would mislead on its own: a p-value that underflowed to zero is a bound (``p < 1e-300``), not an
equality; a confidence interval spanning orders of magnitude is flagged as uninformative; an
extrapolation of a positive quantity that comes out negative is replaced by the reason it means
nothing; a one-sided test is read in the direction it tests.

Example:
    >>> format_pvalue(0.0)
    'p < 1e-300'
    >>> format_pvalue(0.01234)
    'p = 0.0123'
    >>> format_interval(2.068, 0.041, 104.682)
    '2.07 (95% CI 0.041-105; uninformative: the interval spans a factor of 2553)'
    >>> format_extrapolation(-4.66e7, at=512)
    'd=512: not meaningful (the fit predicts -4.66e+07, a negative count)'
    >>> format_dims([4, 5, 6, 7, 8])
    'd = 4..8'
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from embtheory.core.validation import check_bool, check_int, check_probability, check_real

__all__ = [
    "P_FLOOR",
    "format_dims",
    "format_extrapolation",
    "format_interval",
    "format_pvalue",
    "read_one_sided",
]

#: The smallest p-value a float64 normal tail reports before it underflows to 0.
P_FLOOR = 1e-300


def _number(value, name: str) -> float:
    """A real number that may be infinite or NaN (a fit's output is printed, not refused)."""
    if isinstance(value, bool) or isinstance(value, (str, bytes, complex)):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})") from None


def format_pvalue(p, *, digits: int = 3, name: str | None = "p") -> str:
    """A p-value as ``"p = 0.0123"``, or ``"p < 1e-300"`` where it underflowed to (about) zero.

    Args:
        p: the p-value, in ``[0, 1]``.
        digits: significant digits (1 to 17, the most a float64 holds).
        name: the symbol before the relation (``"p_perm"``); ``None`` gives a table cell
            without it (``"0.0123"``, ``"< 1e-300"``).
    """
    p = check_probability(p, "p", closed=True)
    digits = check_int(digits, "digits", minimum=1, maximum=17)
    if p < P_FLOOR:
        text = f"< {P_FLOOR:.0e}"
    else:
        text = f"{p:.{digits}g}"
    if name is None:
        return text
    return f"{name} {text}" if text.startswith("<") else f"{name} = {text}"


def format_interval(value, low, high, *, level: float = 0.95, digits: int = 3,
                    max_ratio: float = 10.0) -> str:
    """An estimate with its confidence interval, flagged when the interval says little.

    An interval is flagged as uninformative when a bound is not finite, or when both bounds are
    positive and ``high / low`` exceeds ``max_ratio`` (the data leave the quantity open over
    more than that factor), or when it contains zero while the estimate does not.

    Args:
        value, low, high: the estimate and the interval's bounds.
        level: the interval's level, for the text (``0.95`` gives ``"95% CI"``).
        digits: significant digits (1 to 17, the most a float64 holds).
        max_ratio: the factor ``high / low`` above which the interval is flagged.
    """
    value = _number(value, "value")
    low = _number(low, "low")
    high = _number(high, "high")
    level = check_probability(level, "level")
    digits = check_int(digits, "digits", minimum=1, maximum=17)
    max_ratio = check_real(max_ratio, "max_ratio", low=1.0, low_open=True)
    if math.isnan(low) or math.isnan(high):
        return f"{value:.{digits}g} ({100 * level:g}% CI not available: a bound is NaN)"
    if not low <= high:
        raise ValueError(f"low must not exceed high, got low={low!r} > high={high!r}: pass the interval's "
                         "lower bound first")
    pct = f"{100 * level:g}%"
    text = f"{value:.{digits}g} ({pct} CI {low:.{digits}g}-{high:.{digits}g}"
    if not (math.isfinite(low) and math.isfinite(high)):
        return text + "; uninformative: an unbounded interval)"
    if low > 0 and high / low > max_ratio:
        return text + f"; uninformative: the interval spans a factor of {high / low:.0f})"
    if low <= 0 <= high and value != 0:
        return text + "; uninformative: the interval contains 0)"
    return text + ")"


def format_extrapolation(value, *, at, digits: int = 3, positive: bool = True) -> str:
    """One extrapolated value, ``"d=512: 1.2e+06"``, or why it is not meaningful.

    A fit of a positive quantity (a critical n, a variance) that extrapolates to zero, a negative
    or a non-finite value has left the range where its form holds: that is said instead of the
    number, which would otherwise be read as a prediction.

    Args:
        value: the fit's value at ``at``.
        at: where it was evaluated (printed as ``d=<at>``).
        digits: significant digits (1 to 17, the most a float64 holds).
        positive: the quantity is positive by nature (a count, a variance).
    """
    value = _number(value, "value")
    digits = check_int(digits, "digits", minimum=1, maximum=17)
    positive = check_bool(positive, "positive")
    label = f"d={at:g}" if isinstance(at, float) else f"d={at}"
    if not math.isfinite(value):
        return f"{label}: not meaningful (the fit is not finite there)"
    if positive and value <= 0:
        what = "zero" if value == 0 else f"{value:.{digits}g}, a negative count"
        return f"{label}: not meaningful (the fit predicts {what})"
    return f"{label}: {value:.{digits}g}"


def format_dims(dims: Iterable[int]) -> str:
    """The dimensions tried, ``"d = 4..8"`` for a contiguous run, else ``"d = 4, 6, 9"``."""
    ds = sorted({check_int(d, "dims", minimum=0) for d in dims})
    if not ds:
        raise ValueError("dims must name at least one dimension, got an empty sequence")
    if len(ds) > 2 and ds == list(range(ds[0], ds[-1] + 1)):
        return f"d = {ds[0]}..{ds[-1]}"
    return "d = " + ", ".join(str(d) for d in ds)


def read_one_sided(z, p, *, alpha: float = 0.05, tests: str, opposite: str) -> str:
    """A one-sided test's verdict in words, with the direction it tests.

    The test rejects for large ``z``.  A ``z`` in the other direction gives a large p-value,
    which is not "no difference": the data point the other way, which the one-sided test does
    not test; the two-sided normal p-value is given for that reading.

    Args:
        z: the standardised statistic (positive in the tested direction).
        p: its one-sided p-value.
        alpha: the level.
        tests: what ``z > 0`` means, e.g. ``"G more outlying than F"``.
        opposite: what ``z < 0`` means, e.g. ``"G more central than F"``.

    Example:
        >>> text = read_one_sided(-2.10, 0.982, tests="G more outlying than F",
        ...                       opposite="G more central than F")
        >>> for part in text.split("; "):
        ...     print(part)
        one-sided test of G more outlying than F: not significant (p = 0.982)
        z = -2.10 points the other way (G more central than F, two-sided p = 0.0357)
    """
    z = check_real(z, "z")
    p = check_probability(p, "p", closed=True)
    alpha = check_probability(alpha, "alpha")
    head = f"one-sided test of {tests}: "
    if p <= alpha:
        return head + f"significant at {alpha:g} ({format_pvalue(p)}, z = {z:.2f})"
    if z >= 0:
        return head + f"not significant ({format_pvalue(p)}, z = {z:.2f})"
    two = math.erfc(abs(z) / math.sqrt(2.0))
    return (head + f"not significant ({format_pvalue(p)}); z = {z:.2f} points the other way "
            f"({opposite}, two-sided {format_pvalue(two)})")

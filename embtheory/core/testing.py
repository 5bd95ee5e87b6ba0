"""One tolerance table, by dtype, for comparing arrays in tests and checks."""

from __future__ import annotations

import numpy as np

__all__ = ["TOLERANCES", "assert_allclose", "tolerance"]

#: (rtol, atol) by dtype; float32 values come from single-precision accumulation over
#: hundreds of terms, float64 from double precision with the same margin.
TOLERANCES = {
    np.dtype(np.float16): (1e-2, 1e-2),
    np.dtype(np.float32): (5e-5, 5e-6),
    np.dtype(np.complex64): (5e-5, 5e-6),
    np.dtype(np.float64): (1e-10, 1e-12),
    np.dtype(np.complex128): (1e-10, 1e-12),
}


def tolerance(dtype) -> tuple[float, float]:
    """``(rtol, atol)`` for ``dtype`` (bfloat16 and others fall back to float16's)."""
    return TOLERANCES.get(np.dtype(dtype), TOLERANCES[np.dtype(np.float16)])


def assert_allclose(actual, desired, *, rtol=None, atol=None, dtype=None, err_msg=""):
    """``np.testing.assert_allclose`` with the tolerance of ``dtype`` (default: of ``actual``)."""
    actual = np.asarray(actual)
    r, a = tolerance(dtype if dtype is not None else actual.dtype)
    np.testing.assert_allclose(actual, np.asarray(desired), rtol=r if rtol is None else rtol,
                               atol=a if atol is None else atol, err_msg=err_msg)

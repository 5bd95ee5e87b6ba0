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
    """``(rtol, atol)`` for ``dtype``: exact for integers and booleans; bfloat16 and other
    low-precision floats take float16's."""
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.bool_):
        return (0.0, 0.0)
    import jax.numpy as jnp  # knows bfloat16 and the other ml_dtypes floats

    if dtype not in TOLERANCES and not jnp.issubdtype(dtype, jnp.inexact):
        raise TypeError(f"no tolerance for dtype {dtype}: compare numbers")
    return TOLERANCES.get(dtype, TOLERANCES[np.dtype(np.float16)])


def assert_allclose(actual, desired, *, rtol=None, atol=None, dtype=None, err_msg=""):
    """``np.testing.assert_allclose`` with the tolerance of ``dtype`` (default: of ``actual``)."""
    actual = np.asarray(actual)
    r, a = tolerance(dtype if dtype is not None else actual.dtype)
    np.testing.assert_allclose(actual, np.asarray(desired), rtol=r if rtol is None else rtol,
                               atol=a if atol is None else atol, err_msg=err_msg)

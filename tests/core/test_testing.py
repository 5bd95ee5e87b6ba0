"""The tolerance table that assert_allclose reads for each dtype."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core.testing import assert_allclose, tolerance


def test_tolerance_table():
    assert tolerance(np.float64) == (1e-10, 1e-12) and tolerance(np.float32) == (5e-5, 5e-6)
    assert tolerance(np.int32) == (0.0, 0.0) and tolerance(np.bool_) == (0.0, 0.0)
    assert tolerance(jnp.bfloat16) == tolerance(np.float16)
    with pytest.raises(TypeError, match="no tolerance"):
        tolerance(np.dtype("U3"))
    with pytest.raises(AssertionError):  # integers compare exactly
        assert_allclose(np.array([100]), np.array([101]))
    assert_allclose(np.float32(1.0) + np.float32(1e-6), np.float32(1.0))

"""kernels_by_depth: every recorded depth equals a fresh fidelity_gram / projected_gram at that depth."""

from __future__ import annotations

import numpy as np
import pytest

from embtheory.core.testing import assert_allclose
from embtheory.qkernels import fidelity_gram, projected_gram
from embtheory.qkernels.profiles import kernels_by_depth

pytestmark = pytest.mark.numerics


@pytest.mark.x64
@pytest.mark.parametrize("noise", [None, 0.04])
def test_every_depth_matches_a_fresh_gram(noise):
    X = np.random.default_rng(0).uniform(0, 2 * np.pi, (5, 3))
    depths = [1, 2, 5]
    out = kernels_by_depth(X, layers=depths, noise=noise, gamma=0.8)
    assert out.fidelity.shape == (3, 5, 5)
    for i, L in enumerate(depths):
        assert_allclose(out.fidelity[i], fidelity_gram(X, layers=L, noise=noise), rtol=0, atol=1e-12)
        assert_allclose(out.projected[i], projected_gram(X, layers=L, noise=noise, gamma=0.8),
                        rtol=0, atol=1e-12)
        assert_allclose(out.distance[i], projected_gram(X, layers=L, noise=noise, exponent=True),
                        rtol=0, atol=1e-12)
    with pytest.warns(DeprecationWarning, match="out.fidelity"):
        assert out["fidelity"] is out.fidelity


def test_float32_product_embedding_and_errors():
    X = np.random.default_rng(1).uniform(0, 2 * np.pi, (6, 4)).astype(np.float32)
    out = kernels_by_depth(X, layers=[1], embedding="ry")
    naive = np.prod(np.cos((X[:, None, :] - X[None, :, :]) / 2) ** 2, axis=-1)
    assert_allclose(out.fidelity[0], naive, rtol=0, atol=2e-6)
    with pytest.raises(ValueError, match="increasing"):
        kernels_by_depth(X, layers=[3, 2])
    with pytest.raises(ValueError, match="native non-trainable"):
        kernels_by_depth(X, layers=[1], embedding="ry-hee")

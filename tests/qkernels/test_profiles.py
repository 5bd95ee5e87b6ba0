"""kernels_by_depth: every recorded depth equals a fresh fidelity_gram / projected_gram at that depth."""

from __future__ import annotations

import numpy as np
import pytest

from embtheory.core.testing import assert_allclose
from embtheory.qkernels import fidelity_gram, projected_gram, zz_feature_map
from embtheory.qkernels.profiles import kernels_by_depth


@pytest.mark.numerics
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


@pytest.mark.numerics
@pytest.mark.x64
@pytest.mark.parametrize("embedding", ["ry-hee", "zz"])
def test_circuits_and_trainable_embeddings_match_a_fresh_gram(embedding):
    X = np.random.default_rng(2).uniform(0, 2 * np.pi, (4, 3))
    params = np.array([0.3, -1.2, 2.0]) if embedding == "ry-hee" else None
    emb = zz_feature_map(3, reps=1, entanglement="linear") if embedding == "zz" else embedding
    out = kernels_by_depth(X, layers=[1, 3], embedding=emb, params=params, noise=0.02)
    for i, L in enumerate([1, 3]):
        assert_allclose(out.fidelity[i], fidelity_gram(X, embedding=emb, layers=L, params=params, noise=0.02),
                        rtol=0, atol=1e-12)


@pytest.mark.numerics
def test_float32_product_embedding_and_errors():
    X = np.random.default_rng(1).uniform(0, 2 * np.pi, (6, 4)).astype(np.float32)
    out = kernels_by_depth(X, layers=[1], embedding="ry")
    naive = np.prod(np.cos((X[:, None, :] - X[None, :, :]) / 2) ** 2, axis=-1)
    assert_allclose(out.fidelity[0], naive, rtol=0, atol=2e-6)
    with pytest.raises(ValueError, match="increasing"):
        kernels_by_depth(X, layers=[3, 2])
    with pytest.raises(ValueError, match=r"params of shape \(4,\)"):
        kernels_by_depth(X, layers=[1], embedding="ry-hee")


@pytest.mark.numerics
def test_a_depth_profile_past_the_budget_is_refused_before_it_runs(monkeypatch):
    # the measured peak of a depth profile is about 25 copies of its states: 40 points at n = 20
    # (complex128) need about 16 GiB and were killed by the OS on a 24 GB machine; 80 in complex64 alike
    import numpy as np
    import pytest

    from embtheory.qkernels import kernels_by_depth

    monkeypatch.setenv("EMBTHEORY_MEMORY_BUDGET", "12GiB")
    with pytest.raises(MemoryError, match=r"states of every depth \(80 points, 20 qubits.*points fit"):
        kernels_by_depth(np.zeros((80, 20)), layers=[2, 4], dtype=np.complex64)


def test_kernels_by_depth_returns_a_namedtuple():
    out = kernels_by_depth(np.zeros((2, 2), np.float32), layers=[1])
    assert out._fields == ("layers", "fidelity", "projected", "distance")

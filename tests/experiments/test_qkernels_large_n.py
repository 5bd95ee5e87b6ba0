"""qkernels-large-n end to end at its tiny size: the statevector at n = 4 and a run at n = 40."""

from __future__ import annotations

import numpy as np
import pytest
from experiment_runs import load_module


@pytest.mark.data
@pytest.mark.x64
def test_large_n_tiny_matches_the_statevector_at_n4_and_runs_n40(ctx):
    import jax.numpy as jnp

    from embtheory.qkernels import fidelity_gram, mnist_pca, pair_values

    mod = load_module("qkernels_large_n")
    report = mod.run_large_n(mod.LargeNConfig.tiny(), ctx)
    assert "discarded weight 0.0e+00" in report.lines[0] or "discarded weight" in report.lines[0]
    unit = mod.large_n_unit(dict(n=4, max_layers=1, n_samples=6))
    X, _ = mnist_pca(4, 6, dtype=jnp.float64)
    ref = pair_values(fidelity_gram(X, layers=1))
    np.testing.assert_allclose(unit["fidelity"]["var"][0], float(jnp.var(ref)), rtol=1e-9)
    np.testing.assert_allclose(unit["fidelity"]["mean"][0], float(jnp.mean(ref)), rtol=1e-9)
    line = next(s for s in report.lines if s.startswith("fidelity L=1: Var"))
    assert "all n: b =" in line

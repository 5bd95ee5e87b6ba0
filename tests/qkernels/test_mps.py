"""The MPS backend against the statevector backend, the analytic product kernel at n = 100, and bad input."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core.testing import assert_allclose
from embtheory.qkernels import embed, fidelity_gram, projected_gram
from embtheory.qkernels.mps import bond_for, mps_log_overlap


def _data(seed, N, n):
    return np.random.default_rng(seed).uniform(0, 2 * np.pi, (N, n))


@pytest.mark.x64
@pytest.mark.parametrize(("n", "layers"), [(2, 3), (5, 3), (10, 3)])
def test_hee_fidelity_and_projected_match_the_statevector(n, layers):
    # 3 x 3 distinct points: X and Y share a shape, so one MPS compile per n.
    X, Y = _data(n, 3, n), _data(n + 50, 3, n)
    ref_f = fidelity_gram(X, Y, layers=layers)
    ref_d = projected_gram(X, Y, layers=layers, exponent=True)
    assert_allclose(fidelity_gram(X, Y, layers=layers, backend="mps"), ref_f, rtol=0, atol=1e-10)
    assert_allclose(
        projected_gram(X, Y, layers=layers, backend="mps", exponent=True), ref_d, rtol=0, atol=1e-10
    )
    states = embed(X, layers=layers, backend="mps")
    assert states.tensors.shape[2] == bond_for(n, layers, True, None)[0]
    assert float(jnp.max(states.discarded)) < 1e-12  # exact bond: nothing is dropped


@pytest.mark.x64
@pytest.mark.parametrize(("n", "layers"), [(14, 3), (16, 3)])
def test_hee_at_14_and_16_qubits_matches_the_statevector(n, layers):
    # The range n <= 16 at the full L = 3 bond 4^3 = 64 (< 2^(n/2): every middle cut is at the
    # cap). Four points, Y = None (6 distinct pairs, one evolution per Gram call) keep it short; the
    # test took 32-34 s on the 2-core CPU at load ~8 (OPENBLAS_NUM_THREADS=1, as `make test` sets): long,
    # but it is the acceptance check, so CI's x64 pass runs it.
    X = _data(n + 100, 4, n)
    assert_allclose(fidelity_gram(X, layers=layers, backend="mps"), fidelity_gram(X, layers=layers),
                    rtol=0, atol=1e-10)
    assert_allclose(projected_gram(X, layers=layers, backend="mps", exponent=True),
                    projected_gram(X, layers=layers, exponent=True), rtol=0, atol=1e-10)


@pytest.mark.x64
@pytest.mark.parametrize("embedding", ["rx", "ry", "hrz"])
def test_product_embeddings_match_the_statevector(embedding):
    X = _data(1, 4, 6)
    assert_allclose(
        fidelity_gram(X, embedding=embedding, backend="mps"),
        fidelity_gram(X, embedding=embedding),
        rtol=0,
        atol=1e-10,
    )


@pytest.mark.x64
def test_trainable_ry_hee_matches_the_statevector():
    X, theta = _data(2, 4, 7), np.random.default_rng(3).uniform(-2 * np.pi, 2 * np.pi, 7)
    kw = dict(embedding="ry-hee", params=theta, layers=2)
    assert_allclose(fidelity_gram(X, backend="mps", **kw), fidelity_gram(X, **kw), rtol=0, atol=1e-10)


@pytest.mark.x64
def test_product_kernel_at_100_qubits_equals_the_closed_form():
    # Fig. 7's product embedding: k(x, y) = prod_k cos^2((x_k - y_k)/2), values near 1e-40 at n = 100
    # (mean 2^-100); compared in log space, to 1e-10 relative.
    X, Y = _data(4, 5, 100), _data(5, 4, 100)
    K = np.asarray(fidelity_gram(X, Y, embedding="rx", backend="mps"))
    log_exact = np.sum(np.log(np.cos((X[:, None, :] - Y[None, :, :]) / 2) ** 2), axis=-1)
    assert np.all(K > 0)
    assert_allclose(np.log(K), log_exact, rtol=1e-10, atol=0)


@pytest.mark.x64
def test_log_overlaps_do_not_underflow_in_single_precision():
    # complex64 MPS at n = 100: |<a|b>|^2 ~ 1e-40 is below float32's normal range, its log is not.
    X = _data(6, 2, 100)
    states = embed(X, embedding="rx", backend="mps", dtype=jnp.complex64)
    log_ab = float(mps_log_overlap(states.tensors[0], states.tensors[1]))
    exact = 0.5 * np.sum(np.log(np.cos((X[0] - X[1]) / 2) ** 2))
    assert np.isfinite(log_ab)
    assert abs(log_ab - exact) < 1e-4 * abs(exact)


@pytest.mark.x64
def test_truncation_reports_the_discarded_weight():
    X = _data(7, 5, 10)
    with pytest.warns(UserWarning, match="discarded weight"):
        K = fidelity_gram(X, layers=3, backend="mps", max_bond=4)
    states = embed(X, layers=3, backend="mps", max_bond=4)
    assert float(jnp.min(states.discarded)) > 1e-6
    err = float(jnp.max(jnp.abs(K - fidelity_gram(X, layers=3))))
    assert 0 < err < 0.5  # truncated: not exact, still a fidelity
    assert_allclose(jnp.diag(K), np.ones(5), atol=1e-10)  # states renormalised after truncation


@pytest.mark.x64
def test_jit_and_vmap_over_points():
    from embtheory.qkernels.mps import mps_embed_fn

    fn = mps_embed_fn("rx", True, 2, 5, 16, False, np.dtype(np.complex128))
    X = jnp.asarray(_data(8, 3, 5))
    out = fn(X, jnp.zeros(5))
    one = jax.vmap(lambda x: fn(x[None], jnp.zeros(5)).tensors[0])(X)
    assert_allclose(out.tensors, one, rtol=0, atol=1e-12)
    logs = jax.jit(jax.vmap(mps_log_overlap))(out.tensors, out.tensors)
    assert_allclose(logs, np.zeros(3), atol=1e-12)  # normalised states


def test_bad_input_names_the_argument():
    X = np.zeros((2, 4))
    with pytest.raises(ValueError, match="max_bond must be >= 1"):
        fidelity_gram(X, backend="mps", max_bond=0, dtype=jnp.complex64)
    with pytest.raises(TypeError, match="max_bond"):
        fidelity_gram(X, backend="mps", max_bond=2.5, dtype=jnp.complex64)
    with pytest.raises(ValueError, match="backend='mps'"):
        fidelity_gram(X, max_bond=4)
    with pytest.raises(ValueError, match="DepolarizingChannel"):
        fidelity_gram(X, backend="mps", noise=0.1, dtype=jnp.complex64)
    # a template runs on MPS when it converts to the native form; one that never reads x is refused
    with pytest.raises(ValueError, match="never reads x"):
        fidelity_gram(X, embedding=lambda x, wires: None, backend="mps")
    with pytest.raises(ValueError, match="X contains NaN"):
        fidelity_gram(np.array([[0.1, np.nan]]), backend="mps", dtype=jnp.complex64)
    with pytest.raises(ValueError, match="max_bond="):
        fidelity_gram(np.zeros((2, 24)), layers=6, backend="mps", dtype=jnp.complex64)  # 4^6 > the cap
    with pytest.raises(MemoryError, match="backend='mps'"):
        fidelity_gram(np.zeros((4, 60), np.float32))  # 2^60 amplitudes per state


def test_float64_default_needs_x64():
    if jax.config.jax_enable_x64:
        pytest.skip("x64 is on")
    with pytest.raises(ValueError, match="JAX_ENABLE_X64"):
        fidelity_gram(np.zeros((2, 3), np.float32), backend="mps")

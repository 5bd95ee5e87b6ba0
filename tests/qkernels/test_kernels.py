"""Kernel properties and naive formulas, the fused fidelity Gram (one XLA program for states and Gram)
against the unfused one, and density matrices against dense Kraus sums written here (PennyLane
oracles: test_pennylane_oracles.py)."""

from __future__ import annotations

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from dense_states import I2, PX, PY, PZ, dense_state, on, rx, same

from embtheory.core.testing import assert_allclose
from embtheory.qkernels import embed, fidelity_gram, product_kernel, projected_gram


def _data(seed, N, n, dtype=np.float64):
    return np.random.default_rng(seed).uniform(0, 2 * np.pi, (N, n)).astype(dtype)


@pytest.mark.numerics
@pytest.mark.x64
def test_product_kernel_is_the_single_layer_fidelity():
    X, Y = _data(4, 5, 4), _data(5, 3, 4)
    naive = np.array([[np.prod(np.cos((a - b) / 2) ** 2) for b in Y] for a in X])
    assert_allclose(product_kernel(X, Y), naive, atol=1e-14)
    for emb in ("rx", "ry", "hrz"):
        assert_allclose(fidelity_gram(X, Y, embedding=emb), naive, rtol=0, atol=1e-12)
    assert_allclose(product_kernel(X, Y, chunk_size=2), naive, atol=1e-14)


@pytest.mark.numerics
@pytest.mark.parametrize("kernel", [fidelity_gram, projected_gram])
def test_gram_is_symmetric_psd_with_unit_diagonal(kernel):
    X = _data(6, 12, 5, np.float32)
    K = np.asarray(kernel(X, embedding="hee", layers=3), np.float64)
    assert_allclose(K, K.T, rtol=0, atol=1e-6)
    assert_allclose(np.diag(K), np.ones(12), rtol=0, atol=1e-5)
    assert np.linalg.eigvalsh(K).min() > -1e-5
    assert np.all((K >= -1e-6) & (K <= 1 + 1e-5))


@pytest.mark.numerics
@pytest.mark.x64
def test_chunked_gram_matches_unchunked():
    X = _data(7, 9, 4)
    assert_allclose(fidelity_gram(X, layers=3, chunk_size=2), fidelity_gram(X, layers=3), rtol=0, atol=1e-14)
    assert_allclose(fidelity_gram(X[:5], X[5:], layers=2, noise=0.03, chunk_size=2),
                    fidelity_gram(X[:5], X[5:], layers=2, noise=0.03), rtol=0, atol=1e-14)
    assert_allclose(projected_gram(X, layers=3, chunk_size=4), projected_gram(X, layers=3),
                    rtol=0, atol=1e-14)


@pytest.mark.numerics
def test_gram_errors_name_the_argument():
    X = _data(8, 3, 2, np.float32)
    with pytest.raises(ValueError, match="Y must have 2 columns"):
        fidelity_gram(X, np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="gamma"):
        projected_gram(X, gamma=0.0)
    with pytest.raises(ValueError, match="backend"):
        fidelity_gram(X, backend="qiskit")
    with pytest.raises(ValueError, match="dtype"):
        fidelity_gram(X, dtype=jnp.float32)


def cnot(c, t, n):
    P0 = np.diag([1, 0]).astype(complex)
    P1 = np.diag([0, 1]).astype(complex)
    return on(P0, c, n) + on(P1, c, n) @ on(PX, t, n)


def ring(n):
    return [(0, 1)] if n == 2 else [(k, (k + 1) % n) for k in range(n)]


def depolarise(rho, p, k, n):
    """Kraus sum: sqrt(1-p) I, sqrt(p/3) X, Y, Z on qubit k."""
    kraus = [np.sqrt(1 - p) * I2, np.sqrt(p / 3) * PX, np.sqrt(p / 3) * PY, np.sqrt(p / 3) * PZ]
    return sum(on(K, k, n) @ rho @ on(K, k, n).conj().T for K in kraus)


def noisy_hee(x, layers, p):
    n = len(x)
    rho = np.zeros((2**n, 2**n), complex)
    rho[0, 0] = 1
    for _ in range(layers):
        for k in range(n):
            U = on(rx(x[k]), k, n)
            rho = depolarise(U @ rho @ U.conj().T, p, k, n)
        for c, t in ring(n):
            C = cnot(c, t, n)
            rho = C @ rho @ C.conj().T
    return rho


def reduced(rho, k, n):
    """One-qubit reduced state by an explicit partial trace."""
    t = rho.reshape((2,) * (2 * n))
    t = np.moveaxis(t, (k, n + k), (0, 1)).reshape(2, 2, 2 ** (n - 1), 2 ** (n - 1))
    return np.einsum("abjj->ab", t)


@pytest.mark.x64
@pytest.mark.numerics
@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("p", [0.0, 0.05])
def test_density_matrices_fidelity_and_projected_against_kraus_sums(n, p):
    X = np.random.default_rng(n).uniform(0, 2 * np.pi, (3, n))
    rhos = np.stack([noisy_hee(x, 2, p) for x in X])
    assert_allclose(embed(X, embedding="hee", layers=2, noise=p), rhos, rtol=0, atol=1e-12)
    F = np.array([[np.trace(a @ b).real for b in rhos] for a in rhos])
    assert_allclose(fidelity_gram(X, embedding="hee", layers=2, noise=p), F, rtol=0, atol=1e-12)
    D = np.array(
        [
            [sum(np.linalg.norm(reduced(a, k, n) - reduced(b, k, n)) ** 2 for k in range(n)) for b in rhos]
            for a in rhos
        ]
    )
    assert_allclose(projected_gram(X, exponent=True, layers=2, noise=p), D, rtol=0, atol=1e-12)
    if p == 0:  # the noiseless path: statevectors
        psi = np.stack([noisy_hee(x, 2, 0.0)[:, 0] / np.sqrt(noisy_hee(x, 2, 0.0)[0, 0].real) for x in X])
        assert_allclose(np.abs(np.asarray(embed(X, layers=2)).conj() @ psi.T) ** 2, F, rtol=0, atol=1e-12)




@pytest.mark.numerics
@pytest.mark.parametrize("embedding", ["hee", "rx", "ry", "hrz", "ry-hee"])
@pytest.mark.parametrize("with_y", [False, True])
def test_fused_gram_equals_the_unfused_gram_bitwise(embedding, with_y):
    # chunk_size=1 simulates one point at a time: the Gram must not depend on the chunking.
    X = _data(2, 9, 5, np.float32)
    Y = _data(3, 4, 5, np.float32) if with_y else None
    params = np.array([0.4, -0.2, 1.3, 0.9, -2.0], np.float32) if embedding == "ry-hee" else None
    kw = dict(embedding=embedding, layers=2, params=params, dtype=jnp.complex64)
    same(fidelity_gram(X, Y, **kw), fidelity_gram(X, Y, chunk_size=1, **kw))
    same(fidelity_gram(X, Y, **kw), fidelity_gram(X, Y, chunk_size=4, **kw))


@pytest.mark.numerics
def test_fused_gram_equals_the_unfused_gram_at_the_benchmark_size():
    X = _data(0, 60, 8, np.float32)
    same(fidelity_gram(X, layers=2, dtype=jnp.complex64),
          fidelity_gram(X, layers=2, dtype=jnp.complex64, chunk_size=60))


@pytest.mark.numerics
@pytest.mark.parametrize("with_y", [False, True])
def test_a_pure_gram_summed_over_slices_of_the_amplitudes_equals_the_whole_product(monkeypatch, with_y):
    from embtheory.qkernels import kernels

    X, Y = _data(6, 7, 6, np.float32), (_data(7, 3, 6, np.float32) if with_y else None)
    S = np.asarray(embed(X, layers=2), np.complex128)
    T = S if Y is None else np.asarray(embed(Y, layers=2), np.complex128)
    want = np.abs(S.conj() @ T.T) ** 2
    monkeypatch.setattr(kernels, "PRODUCT_SLICE", 8)  # 64 amplitudes: eight slices
    kernels._native_gram_fn.cache_clear()
    try:
        sliced = fidelity_gram(X, Y, layers=2, dtype=jnp.complex64)
        one = fidelity_gram(X, Y, layers=2, dtype=jnp.complex64, chunk_size=1)
    finally:
        kernels._native_gram_fn.cache_clear()
    assert_allclose(sliced, want, rtol=0, atol=2e-6)
    same(sliced, one)  # still one value per pair, whatever the chunking


@pytest.mark.numerics
def test_fused_noisy_gram_equals_the_unfused_gram():
    X = _data(4, 5, 3, np.float32)
    fused = fidelity_gram(X, layers=2, noise=0.05, dtype=jnp.complex64)
    same(fused, fidelity_gram(X, layers=2, noise=0.05, dtype=jnp.complex64, chunk_size=2))


@pytest.mark.numerics
def test_fused_gram_matches_a_dense_simulation():
    X = _data(5, 7, 4, np.float32)
    S = np.stack([dense_state(x, "rx", True, 2) for x in X])
    want = np.abs(S.conj() @ S.T) ** 2
    np.testing.assert_allclose(fidelity_gram(X, layers=2, dtype=jnp.complex64), want, rtol=0, atol=3e-6)


@pytest.mark.numerics
def test_trainable_fused_gram_is_differentiable_in_params():
    from embtheory.qkernels.embeddings import resolve
    from embtheory.qkernels.kernels import fidelity_from_spec

    X = _data(6, 4, 3, np.float32)
    theta = jnp.array([0.2, -0.5, 1.0], jnp.float32)
    Xr, spec = resolve(X, embedding="ry-hee", layers=2, params=theta, noise=None, backend=None,
                       dtype=jnp.complex64)

    def loss(t):
        return jnp.sum(fidelity_from_spec(Xr, None, spec._replace(params=t)))

    g = jax.grad(loss)(theta)

    def dense_loss(t):
        S = np.stack([dense_state(x, "rx", True, 2, prefix=t) for x in X])
        return np.sum(np.abs(S.conj() @ S.T) ** 2)

    eps = 1e-4
    t0 = np.asarray(theta, np.float64)
    fd = [(dense_loss(t0 + eps * e) - dense_loss(t0 - eps * e)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(np.asarray(g), fd, rtol=0, atol=2e-3)


def _compiles(fn, caplog):
    caplog.clear()
    with caplog.at_level(logging.WARNING), jax.log_compiles(True):
        jax.block_until_ready(fn())
    messages = [r.getMessage() for r in caplog.records]
    return [m.split(" with ")[0] for m in messages if m.startswith("Compiling")]


@pytest.mark.numerics
def test_repeated_call_and_another_depth_compile_nothing(caplog):
    from embtheory.qkernels.embeddings import RUNTIME_DEPTH_FROM

    X = _data(7, 12, 6, np.float32)
    deep = RUNTIME_DEPTH_FROM
    jax.block_until_ready(fidelity_gram(X, layers=deep, dtype=jnp.complex64))
    assert _compiles(lambda: fidelity_gram(X, layers=deep, dtype=jnp.complex64), caplog) == []
    # from RUNTIME_DEPTH_FROM on, the depth is a run-time argument of the fused program: one
    # compile serves every such L
    assert _compiles(lambda: fidelity_gram(X, layers=deep + 2, dtype=jnp.complex64), caplog) == []
    assert _compiles(lambda: fidelity_gram(X + 0.5, layers=deep + 5, dtype=jnp.complex64), caplog) == []
    # a smaller depth is its own program, compiled once (and only that depth's branch)
    assert _compiles(lambda: fidelity_gram(X, layers=1, dtype=jnp.complex64), caplog) != []
    assert _compiles(lambda: fidelity_gram(X + 0.5, layers=1, dtype=jnp.complex64), caplog) == []


def test_a_statevector_call_past_its_time_estimate_is_refused_before_it_starts(monkeypatch):
    import importlib

    kernels = importlib.import_module("embtheory.qkernels.kernels")
    embeddings = importlib.import_module("embtheory.qkernels.embeddings")
    monkeypatch.setattr(kernels, "_native_gram_fn", lambda *a, **k: pytest.fail("the refused Gram ran"))
    monkeypatch.setattr(embeddings, "run_native", lambda *a, **k: pytest.fail("the refused states ran"))
    monkeypatch.setenv("EMBTHEORY_MAX_SECONDS", "1e-6")
    X = np.zeros((200, 10))
    # 8 operations per amplitude: 200 x 2^10 for the states, 200^2 x 2^10 for the Gram: 3.29e8 in all
    with pytest.raises(TimeoutError, match=r"the fidelity Gram matrix \(200 points, 10 qubits, 1 layers, "
                                           r"40,000 kernel entries\) needs at least 0.00329 s .* raise "
                                           "EMBTHEORY_MAX_SECONDS"):
        fidelity_gram(X)
    with pytest.raises(TimeoutError, match=r"the states \(200 points, 10 qubits, 3 layers\)"):
        projected_gram(X, layers=3)
    monkeypatch.setenv("EMBTHEORY_MAX_SECONDS", "soon")
    with pytest.raises(ValueError, match="EMBTHEORY_MAX_SECONDS must be a positive number of seconds"):
        fidelity_gram(X[:2, :2])


@pytest.mark.parametrize("slices", [True, False])
@pytest.mark.parametrize("kw", [{}, {"layers": 3, "dtype": np.complex64}, {"noise": 0.01}])
def test_a_long_gram_in_host_blocks_agrees_with_the_fused_program(monkeypatch, kw, slices):
    import importlib

    kernels = importlib.import_module("embtheory.qkernels.kernels")
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(-3, 3, size=(37, 6)), rng.uniform(-3, 3, size=(23, 6))
    fused = [np.asarray(fidelity_gram(X, **kw)), np.asarray(fidelity_gram(X, Y, **kw))]
    calls = []
    blocked = kernels._gram_in_host_blocks
    monkeypatch.setattr(kernels, "_gram_in_host_blocks", lambda *a: calls.append(1) or blocked(*a))
    monkeypatch.setattr(kernels, "HOST_BLOCKS_PAST", 0.0)
    monkeypatch.setattr(kernels, "HOST_BLOCK_FLOPS", 8 * 64 * 10**2)  # blocks of 10 points: ragged ends
    monkeypatch.setattr(kernels, "SLICE_FLOPS", 8 * 64 * 10**2)
    monkeypatch.setattr(kernels, "MIN_SLICE", 2 if slices else 10**9)  # the two forms of the product
    sizes = []
    make = kernels._slice_fn
    monkeypatch.setattr(kernels, "_slice_fn",
                        lambda size, same: (lambda *a: sizes.append(size) or make(size, same)(*a)))
    got = [np.asarray(fidelity_gram(X, **kw)), np.asarray(fidelity_gram(X, Y, **kw))]
    assert len(calls) == 2
    dim = 4**6 if "noise" in kw else 2**6
    if slices:  # summed over slices of the amplitudes, every amplitude once in each of the two Grams
        assert len(sizes) > 2 and sum(sizes) == 2 * dim
    else:
        assert sizes == []
    np.testing.assert_array_equal(got[0], got[0].T)
    for a, b in zip(fused, got):
        assert a.shape == b.shape
        assert_allclose(b, a, atol=2e-6)


def test_a_long_gram_returns_soon_after_ctrl_c(ctrl_c):
    setup = """
import importlib
import numpy as np
from embtheory.qkernels import fidelity_gram
kernels = importlib.import_module("embtheory.qkernels.kernels")
kernels.HOST_BLOCKS_PAST, kernels.MIN_SLICE = 0.0, float("inf")  # compile the programs of blocks of
fidelity_gram(np.zeros((100, 14)))  # points (as 6,000 points run) before the signal can come
kernels.HOST_BLOCKS_PAST, kernels.MIN_SLICE = 0.5, 1024
"""
    # 6,000 points of 14 qubits: 36 million entries, minutes on a CPU, in blocks of a fraction of a second
    assert ctrl_c(setup, "fidelity_gram(np.zeros((6000, 14)))") < 5.0


@pytest.mark.parametrize("kw", [{}, {"layers": 3}, {"noise": 0.01}])
def test_states_in_host_chunks_are_bitwise_the_one_program_s(monkeypatch, kw):
    import importlib

    embeddings = importlib.import_module("embtheory.qkernels.embeddings")
    X = np.random.default_rng(1).uniform(-3, 3, size=(37, 6))
    whole = [np.asarray(embed(X, **kw)), np.asarray(projected_gram(X, **kw))]
    monkeypatch.setattr(embeddings, "HOST_CHUNKS_PAST", 0.0)
    monkeypatch.setattr(embeddings, "HOST_CHUNK_FLOPS", 8 * 64 * 10 * 3)  # chunks of 10 or fewer: ragged end
    chunked = [np.asarray(embed(X, **kw)), np.asarray(projected_gram(X, **kw))]
    for a, b in zip(whole, chunked):
        np.testing.assert_array_equal(a, b)


def test_a_long_embed_returns_soon_after_ctrl_c(ctrl_c):
    setup = """
import numpy as np
from embtheory.qkernels import embed
embed(np.zeros((4, 16)), layers=200)
"""
    # 3,000 points of 16 qubits at 200 layers: minutes on a CPU, in chunks of a fraction of a second
    assert ctrl_c(setup, "embed(np.zeros((3000, 16)), layers=200)") < 5.0

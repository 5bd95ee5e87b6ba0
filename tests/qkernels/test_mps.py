"""The MPS backend against the statevector backend, the analytic product kernel at n = 100, and bad
input; any native circuit (and a PennyLane template that converts) on the MPS; and its one- and
two-qubit reduced states against a NumPy statevector written here."""

from __future__ import annotations

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core.testing import assert_allclose
from embtheory.qkernels import embed, fidelity_gram, projected_gram
from embtheory.qkernels.mps import bond_for, mps_bloch_vectors, mps_log_overlap, mps_two_site_rdms


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
    # The range the MPS backend promises, n <= 16, at the full L = 3 bond 4^3 = 64 (< 2^(n/2): every
    # middle cut is at the cap). Four points, Y = None (6 distinct pairs, one evolution per Gram call)
    # keep it short; the test takes 32-34 s on the 2-core CPU at load ~8 (OPENBLAS_NUM_THREADS=1, as
    # `make test` sets): long, but it is the check of that promise, so CI's x64 pass runs it.
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


def _template(x, wires):
    import pennylane as qml

    for w in wires:
        qml.Hadamard(wires=w)
        qml.RZ(2.0 * x[w], wires=w)
    for a, b in ((0, 3), (1, 2), (3, 1)):
        qml.CNOT(wires=[wires[a], wires[b]])
        qml.RZ(2.0 * (np.pi - x[a]) * (np.pi - x[b]), wires=wires[b])
        qml.CNOT(wires=[wires[a], wires[b]])
    qml.IsingXX(x[0], wires=[wires[0], wires[2]])


def _pennylane_states(X):
    import pennylane as qml

    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def state(x):
        _template(x, range(4))
        return qml.state()

    return np.stack([np.asarray(state(x)) for x in X])


@pytest.mark.pennylane
@pytest.mark.x64
def test_a_template_runs_on_mps_and_matches_pennylane():
    from embtheory.qkernels import fidelity_gram, projected_gram

    X = np.random.default_rng(3).uniform(0, np.pi, (5, 4))
    S = _pennylane_states(X)
    want = np.abs(S.conj() @ S.T) ** 2
    got = np.asarray(fidelity_gram(X, embedding=_template, backend="mps"))
    np.testing.assert_allclose(got, want, atol=1e-12)
    # the projected kernel from one-qubit reduced states of the same statevectors
    rho = [[np.einsum("iabc,jabc->ij", np.moveaxis(s.reshape(2, 2, 2, 2), k, 0),
                      np.moveaxis(s.reshape(2, 2, 2, 2), k, 0).conj()) for k in range(4)] for s in S]
    D = np.array([[sum(np.sum(np.abs(ra[k] - rb[k]) ** 2) for k in range(4)) for rb in rho] for ra in rho])
    np.testing.assert_allclose(np.asarray(projected_gram(X, embedding=_template, backend="mps")),
                               np.exp(-D), atol=1e-12)


@pytest.mark.pennylane
@pytest.mark.x64
def test_a_native_circuit_on_mps_equals_the_statevector_backend():
    from embtheory.qkernels import fidelity_gram, zz_feature_map

    X = np.random.default_rng(4).uniform(0, np.pi, (4, 6))
    circuit = zz_feature_map(6, reps=2, entanglement="full")
    np.testing.assert_allclose(np.asarray(fidelity_gram(X, embedding=circuit, backend="mps")),
                               np.asarray(fidelity_gram(X, embedding=circuit)), atol=1e-12)


@pytest.mark.pennylane
@pytest.mark.x64
def test_noise_on_mps_is_still_refused():
    from embtheory.qkernels import fidelity_gram, zz_feature_map

    with pytest.raises(ValueError, match="pure states"):
        fidelity_gram(np.zeros((2, 3)), embedding=zz_feature_map(3), backend="mps", noise=0.1)


_PAULI = (
    np.array([[0, 1], [1, 0]], complex),
    np.array([[0, -1j], [1j, 0]], complex),
    np.array([[1, 0], [0, -1]], complex),
)


_CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], complex).reshape(2, 2, 2, 2)


def _rx(a):
    c, s = np.cos(a / 2), np.sin(a / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def _ry(a):
    c, s = np.cos(a / 2), np.sin(a / 2)
    return np.array([[c, -s], [s, c]], complex)


def _hrz(a):  # H first, then RZ(a)
    h = np.array([[1, 1], [1, -1]], complex) / np.sqrt(2)
    return np.diag([np.exp(-0.5j * a), np.exp(0.5j * a)]) @ h


def _one(psi, u, k):
    return np.moveaxis(np.tensordot(u, psi, axes=([1], [k])), 0, k)


def _cnot(psi, control, target):
    out = np.tensordot(_CNOT, psi, axes=([2, 3], [control, target]))
    return np.moveaxis(out, [0, 1], [control, target])


def _state(x, *, layers=1, gate=_rx, ring=True, prefix=None):
    """The ``(2,) * n`` state of the layered embedding, gate by gate."""
    n = len(x)
    psi = np.zeros((2,) * n, complex)
    psi[(0,) * n] = 1
    if prefix is not None:
        for k in range(n):
            psi = _one(psi, _ry(prefix[k]), k)
    for _ in range(layers):
        for k in range(n):
            psi = _one(psi, gate(x[k]), k)
        if ring:
            for k in range(n - 1):
                psi = _cnot(psi, k, k + 1)
            if n >= 3:
                psi = _cnot(psi, n - 1, 0)
    return psi


def _rdm(psi, qubits):
    """Partial trace onto ``qubits`` (in that order) of the pure state ``psi``."""
    m = np.moveaxis(psi, list(qubits), list(range(len(qubits)))).reshape(2 ** len(qubits), -1)
    return m @ m.conj().T


def _bloch(psi, k):
    rho = _rdm(psi, [k])
    return np.array([np.trace(rho @ p).real for p in _PAULI])


@pytest.mark.x64
@pytest.mark.parametrize(("n", "layers"), [(4, 1), (4, 3), (5, 2), (6, 3)])
def test_neighbour_rdms_and_bloch_vectors_match_a_numpy_statevector(n, layers):
    X = _data(10 + n, 2, n)
    states = embed(X, layers=layers, backend="mps")
    rho = np.asarray(mps_two_site_rdms(states))
    bloch = np.asarray(jax.vmap(mps_bloch_vectors)(states.tensors))
    assert rho.shape == (2, n - 1, 4, 4)
    for a, x in enumerate(X):
        psi = _state(x, layers=layers)
        for k in range(n - 1):
            np.testing.assert_allclose(rho[a, k], _rdm(psi, [k, k + 1]), rtol=0, atol=1e-12)
        for k in range(n):
            np.testing.assert_allclose(bloch[a, k], _bloch(psi, k), rtol=0, atol=1e-12)


@pytest.mark.x64
def test_arbitrary_pairs_either_order_match_the_statevector():
    n, layers = 6, 2
    X, theta = _data(20, 3, n), np.random.default_rng(21).uniform(-2 * np.pi, 2 * np.pi, n)
    pairs = np.array([[0, 5], [5, 0], [1, 3], [4, 2], [2, 3], [0, 1]])
    states = embed(X, embedding="ry-hee", params=theta, layers=layers, backend="mps")
    rho = np.asarray(mps_two_site_rdms(states.tensors, pairs))
    assert rho.shape == (3, len(pairs), 4, 4)
    for a, x in enumerate(X):
        psi = _state(x, layers=layers, prefix=theta)
        for p, (i, j) in enumerate(pairs):
            np.testing.assert_allclose(rho[a, p], _rdm(psi, [i, j]), rtol=0, atol=1e-12)


@pytest.mark.x64
@pytest.mark.parametrize(("embedding", "gate"), [("rx", _rx), ("ry", _ry), ("hrz", _hrz)])
def test_product_embeddings_bond_one(embedding, gate):
    X = _data(30, 2, 4)
    states = embed(X, embedding=embedding, backend="mps")
    assert states.tensors.shape[-1] == 1
    rho = np.asarray(mps_two_site_rdms(states, [[0, 3], [2, 1]]))
    for a, x in enumerate(X):
        psi = _state(x, gate=gate, ring=False)
        np.testing.assert_allclose(rho[a, 0], _rdm(psi, [0, 3]), rtol=0, atol=1e-12)
        np.testing.assert_allclose(rho[a, 1], _rdm(psi, [2, 1]), rtol=0, atol=1e-12)


def test_two_qubits_single_precision_without_x64():
    # n = 2: the ring is one CNOT(0, 1); complex64 states, float32 tolerance.
    X = _data(40, 3, 2)
    rho = np.asarray(mps_two_site_rdms(embed(X, layers=2, backend="mps", dtype=jnp.complex64)))
    assert rho.dtype == np.complex64 and rho.shape == (3, 1, 4, 4)
    for a, x in enumerate(X):
        np.testing.assert_allclose(rho[a, 0], _rdm(_state(x, layers=2), [0, 1]), rtol=0, atol=2e-6)


@pytest.mark.x64
def test_truncated_states_give_valid_rdms_consistent_with_the_bloch_vectors():
    # max_bond = 4 < 16: not the exact state, still a normalised state; the two-site marginals must
    # be density matrices whose one-site partial traces are the one-site states of the same MPS.
    X = _data(50, 2, 8)
    states = embed(X, layers=2, backend="mps", max_bond=4)
    assert float(jnp.min(states.discarded)) > 1e-6
    rho = np.asarray(mps_two_site_rdms(states))
    bloch = np.asarray(jax.vmap(mps_bloch_vectors)(states.tensors))
    np.testing.assert_allclose(rho, np.conj(np.swapaxes(rho, -1, -2)), atol=1e-14)
    np.testing.assert_allclose(np.trace(rho, axis1=-2, axis2=-1), 1, atol=1e-12)
    assert np.min(np.linalg.eigvalsh(rho)) > -1e-12
    r4 = rho.reshape(2, 7, 2, 2, 2, 2)
    first = np.einsum("pksata->pkst", r4)  # trace out the second qubit of the pair
    second = np.einsum("pksasb->pkab", r4)  # trace out the first
    for rho1, sites in ((first, slice(0, 7)), (second, slice(1, 8))):
        r = np.stack([np.einsum("pkst,ts->pk", rho1, p).real for p in _PAULI], axis=-1)
        np.testing.assert_allclose(r, bloch[:, sites], rtol=0, atol=1e-12)


@pytest.mark.x64
def test_jit_vmap_and_batch_axes():
    X = _data(60, 3, 5)
    T = embed(X, layers=2, backend="mps").tensors
    eager = mps_two_site_rdms(T)
    np.testing.assert_allclose(jax.jit(mps_two_site_rdms)(T), eager, rtol=0, atol=1e-14)
    np.testing.assert_allclose(jax.vmap(mps_two_site_rdms)(T), eager, rtol=0, atol=1e-14)
    np.testing.assert_allclose(mps_two_site_rdms(T[:, None])[:, 0], eager, rtol=0, atol=1e-14)
    pairs = jnp.array([[0, 4], [3, 1]])
    traced = jax.jit(mps_two_site_rdms)(T, pairs)  # traced pairs: shape-checked only
    np.testing.assert_allclose(traced, mps_two_site_rdms(T, np.asarray(pairs)), rtol=0, atol=1e-14)
    nn = [[k, k + 1] for k in range(4)]
    np.testing.assert_allclose(mps_two_site_rdms(T, nn), eager, rtol=0, atol=1e-13)


def test_second_eager_call_compiles_nothing(caplog):
    T = embed(_data(70, 2, 4), layers=1, backend="mps", dtype=jnp.complex64).tensors
    for call in (lambda: mps_two_site_rdms(T), lambda: mps_two_site_rdms(T, [[0, 2], [3, 1]])):
        jax.block_until_ready(call())
        caplog.clear()
        with caplog.at_level(logging.WARNING), jax.log_compiles(True):
            jax.block_until_ready(call())
        compiled = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Compiling")]
        assert compiled == []


def test_rdm_bad_input_names_the_argument():
    T = np.zeros((2, 4, 2, 2, 2), np.complex64)
    T[:, :, 0, 0, 0] = 1
    with pytest.raises(TypeError, match="tensors"):
        mps_two_site_rdms(None)
    with pytest.raises(TypeError, match="tensors"):
        mps_two_site_rdms(T.real.astype(np.int32))
    with pytest.raises(ValueError, match=r"tensors must have shape \(\.\.\., n, chi, 2, chi\)"):
        mps_two_site_rdms(T[..., 0])
    with pytest.raises(ValueError, match=r"tensors must have shape"):
        mps_two_site_rdms(np.zeros((2, 4, 2, 3, 2), np.complex64))
    with pytest.raises(ValueError, match="at least 2 sites"):
        mps_two_site_rdms(T[:, :1])
    bad = T.copy()
    bad[0, 1, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="tensors contain NaN"):
        mps_two_site_rdms(bad)
    with pytest.raises(ValueError, match="pairs holds index 4"):
        mps_two_site_rdms(T, [[0, 4]])
    with pytest.raises(ValueError, match="pairs row 1 names qubit 2 twice"):
        mps_two_site_rdms(T, [[0, 1], [2, 2]])
    with pytest.raises(ValueError, match=r"pairs must have shape \(P, 2\)"):
        mps_two_site_rdms(T, [[0, 1, 2]])
    with pytest.raises(ValueError, match="pairs must be 2-D"):
        mps_two_site_rdms(T, [0, 1])
    with pytest.raises(TypeError, match="pairs must be integer indices"):
        mps_two_site_rdms(T, [["a", "b"]])
    with pytest.raises(ValueError, match="pairs must hold integral indices"):
        mps_two_site_rdms(T, [[0.5, 1]])


def _product_zero_states(points, n, chi=2):
    """``points`` copies of ``|0...0>`` as site tensors (a valid, normalised state)."""
    T = np.zeros((points, n, chi, 2, chi), np.complex64)
    T[:, :, 0, 0, 0] = 1
    return T


def test_all_zero_tensors_are_refused_naming_the_argument():
    from embtheory.qkernels.mps import mps_bloch_batch, mps_gram_quantities, mps_log_fidelity

    good = _product_zero_states(2, 4)
    zero = np.zeros_like(good)
    with pytest.raises(ValueError, match=r"tensors\[0\] is all-zero .*<psi\|psi> = 0"):
        mps_two_site_rdms(zero)
    with pytest.raises(ValueError, match="tensors is all-zero"):
        mps_bloch_vectors(zero[0])
    with pytest.raises(ValueError, match=r"tensors\[0\] is all-zero"):
        mps_bloch_batch(zero)
    with pytest.raises(ValueError, match=r"tensors\[0\] is all-zero"):
        mps_gram_quantities(zero)
    with pytest.raises(ValueError, match=r"ta\[0\] is all-zero"):
        mps_log_fidelity(zero, good)
    with pytest.raises(ValueError, match=r"tb\[0\] is all-zero"):
        mps_log_fidelity(good, zero)
    # only the boundary index 0 is read: weight elsewhere is still no state
    stray = np.zeros_like(good)
    stray[:, :, 1, 0, 1] = 1
    with pytest.raises(ValueError, match="all-zero"):
        mps_two_site_rdms(stray)


def test_unnormalised_tensors_are_refused_naming_the_argument():
    from embtheory.qkernels.mps import mps_log_fidelity

    T = _product_zero_states(3, 4)
    T[1, 0] *= 2  # <psi|psi> = 4 for point 1
    with pytest.raises(ValueError, match=r"tensors\[1\] is not normalised: <psi\|psi> = 4.* 1 of 3 states"):
        mps_two_site_rdms(T)
    with pytest.raises(ValueError, match=r"tensors\[1\] is not normalised"):
        mps_two_site_rdms(T, [[0, 3]])
    with pytest.raises(ValueError, match=r"ta\[1\] is not normalised"):
        mps_log_fidelity(T, T[:1])
    slight = _product_zero_states(1, 4)
    slight[0, 2] *= 1.01  # 2% off: not a rounding error
    with pytest.raises(ValueError, match="not normalised"):
        mps_bloch_vectors(slight[0])
    # the same states, normalised, are accepted: |0000> has Bloch vectors (0, 0, 1)
    np.testing.assert_allclose(np.asarray(mps_bloch_vectors(_product_zero_states(1, 4)[0])),
                               np.tile([0.0, 0.0, 1.0], (4, 1)), atol=1e-6)

"""One- and two-qubit reduced states of the MPS backend against a NumPy statevector written here.

The oracle shares no code with embtheory: the HEE circuit (RX on every qubit, then CNOT(k, k+1) for
k = 0..n-2 and the ring's closing CNOT(n-1, 0); one CNOT at n = 2), the RY prefix and the product
embeddings are explicit 2x2 / 4x4 gate matrices applied to an ``(2,) * n`` state tensor (axis k is
qubit k), and reduced states are partial traces of ``|psi><psi|`` by reshaping.
"""

from __future__ import annotations

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.qkernels import embed
from embtheory.qkernels.mps import mps_bloch_vectors, mps_two_site_rdms

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


def _data(seed, N, n):
    return np.random.default_rng(seed).uniform(0, 2 * np.pi, (N, n))


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


def test_bad_input_names_the_argument():
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

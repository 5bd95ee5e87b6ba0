"""Dense NumPy statevectors of the named embeddings (full 2^n gate matrices by Kronecker
products, wire 0 the most significant bit), shared by the simulator and kernel tests."""

from __future__ import annotations

import jax
import numpy as np

# Bitwise equality holds where both programs run the same scalar operations (XLA's CPU backend);
# another backend may contract multiply-adds differently in the two programs.
EXACT = jax.default_backend() == "cpu"


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    if EXACT:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def dense_single(gate, k, n):
    return np.kron(np.kron(np.eye(2**k), gate), np.eye(2 ** (n - k - 1)))


def dense_cnot(c, t, n):
    dim = 2**n
    out = np.zeros((dim, dim))
    for i in range(dim):
        bits = [(i >> (n - 1 - w)) & 1 for w in range(n)]
        if bits[c]:
            bits[t] ^= 1
        j = sum(b << (n - 1 - w) for w, b in enumerate(bits))
        out[j, i] = 1.0
    return out


def ring(n):  # the published ring: (k, k+1 mod n); a single (0, 1) at n = 2; none at n = 1
    return [] if n == 1 else [(0, 1)] if n == 2 else [(k, (k + 1) % n) for k in range(n)]


def gate(rotation, a):
    c, s = np.cos(a / 2), np.sin(a / 2)
    if rotation == "rx":
        return np.array([[c, -1j * s], [-1j * s, c]])
    if rotation == "ry":
        return np.array([[c, -s], [s, c]])
    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)  # "hrz": H first, then RZ
    return np.diag([np.exp(-0.5j * a), np.exp(0.5j * a)]) @ h


def dense_state(x, rotation, entangle, layers, prefix=None):
    n = len(x)
    x = np.asarray(x, np.float64)
    psi = np.zeros(2**n, complex)
    psi[0] = 1
    if prefix is not None:
        for k in range(n):
            psi = dense_single(gate("ry", prefix[k]), k, n) @ psi
    for _ in range(layers):
        for k in range(n):
            psi = dense_single(gate(rotation, x[k]), k, n) @ psi
        if entangle:
            for c, t in ring(n):
                psi = dense_cnot(c, t, n) @ psi
    return psi


I2 = np.eye(2, dtype=complex)

PX = np.array([[0, 1], [1, 0]], complex)

PY = np.array([[0, -1j], [1j, 0]], complex)

PZ = np.array([[1, 0], [0, -1]], complex)


def rx(a):
    return np.cos(a / 2) * I2 - 1j * np.sin(a / 2) * PX


def on(op, k, n):
    """``op`` on qubit ``k`` of ``n`` (wire 0 most significant)."""
    out = np.eye(1, dtype=complex)
    for w in range(n):
        out = np.kron(out, op if w == k else I2)
    return out

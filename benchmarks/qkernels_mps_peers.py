"""The MPS fidelity Gram of the HEE side by side with quimb's ``CircuitMPS``, in one process.

Run by hand, in an environment with the ``bench`` extra (quimb); x64 is switched on here:
    python benchmarks/qkernels_mps_peers.py                    # n = 32, 48, 64, 100; N = 10
    python benchmarks/qkernels_mps_peers.py --n 32 --rounds 5

The circuit: HEE, L = 2 (RX(x_k) on every qubit, then CNOT(k, k+1 mod n) around the ring), exact
bonds, complex128, N points uniform on [0, 2 pi]^n. Three ways to the N x N Gram
``K[i, j] = |<psi_i|psi_j>|^2``:

- ``builtin``: ``fidelity_gram(X, layers=2, backend="mps")``, the built-in embedding's MPS;
- ``gates``: the same circuit as a ``(wires, U)`` sequence (the ring's closing CNOT(n-1, 0) is a
  long-range gate) through ``mps_gate_states``, then ``mps_log_fidelity``;
- ``quimb``: what a quimb user writes: one ``CircuitMPS`` per point with ``apply_gate("RX", ...)`` and
  ``apply_gate("CNOT", ...)`` (quimb's defaults: no bond cap, cutoff 1e-10), then
  ``MatrixProductState.overlap`` for every pair ``i <= j``.

Each way runs once first (compilation included, printed as "first"), then ``--rounds`` rounds of
A B C in turn (A B A B), and the medians over rounds are compared. The largest difference between
the Grams is printed; the run stops if it exceeds 1e-8. One OpenBLAS thread (see
benchmarks/qkernels_mps.py); the load average is printed with each row: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before OpenBLAS loads

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from embtheory.qkernels import fidelity_gram, mps_gate_states  # noqa: E402
from embtheory.qkernels.mps import mps_log_fidelity  # noqa: E402

LAYERS = 2
_CNOT = np.eye(4)[[0, 1, 3, 2]]


def _load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def _rx(angles: np.ndarray) -> np.ndarray:
    """``(N, 2, 2)``: RX(a) = exp(-i a X / 2) for each angle."""
    c, s = np.cos(angles / 2), np.sin(angles / 2)
    return np.stack([np.stack([c, -1j * s], -1), np.stack([-1j * s, c], -1)], -2)


def hee_gates(X: np.ndarray):
    n = X.shape[1]
    ring = [(k, (k + 1) % n) for k in range(n)] if n > 2 else [(0, 1)]
    gates = []
    for _ in range(LAYERS):
        gates += [((k,), _rx(X[:, k])) for k in range(n)]
        gates += [(pair, _CNOT) for pair in ring]
    return gates


def gram_builtin(X):
    return np.asarray(jax.block_until_ready(fidelity_gram(X, layers=LAYERS, backend="mps")))


def gram_gates(X):
    states = mps_gate_states(hee_gates(X), n=X.shape[1], dtype=np.complex128)
    return np.asarray(jnp.exp(mps_log_fidelity(states.tensors, states.tensors)))


def gram_quimb(X):
    import quimb.tensor as qtn

    n = X.shape[1]
    ring = [(k, (k + 1) % n) for k in range(n)] if n > 2 else [(0, 1)]
    psis = []
    for x in X:
        circ = qtn.CircuitMPS(n)
        for _ in range(LAYERS):
            for k in range(n):
                circ.apply_gate("RX", float(x[k]), k)
            for a, b in ring:
                circ.apply_gate("CNOT", a, b)
        psis.append(circ.psi)
    N = len(psis)
    K = np.empty((N, N))
    for i in range(N):
        for j in range(i, N):
            K[i, j] = K[j, i] = abs(psis[i].overlap(psis[j])) ** 2
    return K


WAYS = {"builtin": gram_builtin, "gates": gram_gates, "quimb": gram_quimb}


def _timed(fn, X):
    t0 = time.perf_counter()
    K = fn(X)
    return time.perf_counter() - t0, K


def bench(n: int, points: int, rounds: int) -> dict:
    X = np.random.default_rng(n).uniform(0, 2 * np.pi, (points, n))
    load = _load()
    first, grams = {}, {}
    for name, fn in WAYS.items():
        first[name], grams[name] = _timed(fn, X)
    diff = max(float(np.max(np.abs(grams[name] - grams["quimb"]))) for name in ("builtin", "gates"))
    if diff > 1e-8:
        raise SystemExit(f"n = {n}: the Grams differ by {diff:.2e}")
    times = {name: [] for name in WAYS}
    for _ in range(rounds):
        for name, fn in WAYS.items():
            times[name].append(_timed(fn, X)[0])
    med = {name: statistics.median(t) for name, t in times.items()}
    return {"n": n, "first": first, "median": med, "diff": diff, "load": f"{load} -> {_load()}"}


def main() -> None:
    import quimb

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[32, 48, 64, 100])
    parser.add_argument("--points", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; JAX {jax.__version__}, "
          f"quimb {quimb.__version__}; HEE L = {LAYERS}, N = {args.points}, complex128, "
          f"{args.rounds} rounds A B C", flush=True)
    print("| n | builtin first / median | gates first / median | quimb first / median | quimb / builtin | "
          "quimb / gates | max abs diff | load |", flush=True)
    print("|---|---|---|---|---|---|---|---|")
    for n in args.n:
        r = bench(n, args.points, args.rounds)
        f, m = r["first"], r["median"]
        print(f"| {n} | {f['builtin']:.3f} / {m['builtin']:.3f} s | {f['gates']:.3f} / {m['gates']:.3f} s | "
              f"{f['quimb']:.3f} / {m['quimb']:.3f} s | {m['quimb'] / m['builtin']:.1f}x | "
              f"{m['quimb'] / m['gates']:.1f}x | {r['diff']:.1e} | {r['load']} |", flush=True)


if __name__ == "__main__":
    main()

"""Fidelity Gram matrices against tensorcircuit-ng's statevector simulator, side by side (A B A B).

Two circuits, complex64 states, float32 angles: the HEE with L = 2 layers (``RX(x_k)`` then the CNOT
ring) and the ZZ feature map (Qiskit's ``ZZFeatureMap``, 2 reps, linear entanglement; tensorcircuit-ng
writes each ``PhaseShift`` as ``RZ``, which changes only a global phase).  For each ``(circuit, N, n)``:
both programs are compiled by a first call, the two Grams are compared, then ``--pairs`` times one
median of ``--repeats`` calls of ours (A) and one of tensorcircuit-ng's (B); the ratio B/A is taken
pair by pair.  The tensorcircuit-ng side is ``jit(vmap(state))`` followed by ``|S^* S^T|^2`` in the same
jitted function: the states once, then one product, as ours.

With ``--bandwidth``, the machine's memory bandwidth is measured first (a jitted ``x + 1`` over a
``float32`` array of 512 MiB in place, median of five, counting one read and one write) and every row also
prints the bytes a Gram must move at least (its states written once and read once by the product:
``2 N 2^n`` complex64 values) over that bandwidth, the time our call takes against it, and the
product's arithmetic (``8 N^2 2^n`` operations) against the measured rate of a large complex64
product, the other floor of a CPU run.

Needs the ``bench`` extra (``pip install "embtheory[bench]"``).  Usage:
``python benchmarks/qkernels_peers.py [--n 8 12 16 20] [--points 20 60] [--pairs 2] [--repeats 5]
[--bandwidth]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import tensorcircuit as tc

from embtheory.qkernels import fidelity_gram, named_circuit, zz_feature_map


def _median(fn, repeats):
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def _tc_hee(x, n, layers=2):
    c = tc.Circuit(n)
    pairs = [(0, 1)] if n == 2 else [(k, (k + 1) % n) for k in range(n)]
    for _ in range(layers):
        for k in range(n):
            c.rx(k, theta=x[k])
        for a, b in pairs:
            c.cnot(a, b)
    return c.state()


def _tc_zz(x, n, reps=2):
    c = tc.Circuit(n)
    for _ in range(reps):
        for k in range(n):
            c.h(k)
            c.rz(k, theta=2 * x[k])
        for k in range(n - 1):
            c.cnot(k, k + 1)
            c.rz(k + 1, theta=2 * (jnp.pi - x[k]) * (jnp.pi - x[k + 1]))
            c.cnot(k, k + 1)
    return c.state()


def _tc_gram(state_fn, n):
    def gram(X):
        S = jax.vmap(lambda x: state_fn(x, n))(X)
        return jnp.abs(jnp.conj(S) @ S.T) ** 2

    return jax.jit(gram)


def _bandwidth(repeats=5):
    """Bytes per second of a jitted ``x + 1`` over 512 MiB of float32 (one read, one write), in place
    (the input buffer donated: a fresh output would add the page faults of a new allocation)."""
    box = [jnp.ones(2**27, jnp.float32)]
    add = jax.jit(lambda v: v + 1, donate_argnums=0)

    def step():
        box[0] = add(box[0])
        return box[0]

    step().block_until_ready()
    return 2 * box[0].nbytes / _median(step, repeats)


def _product_rate(repeats=5):
    """Operations per second of a complex64 ``A^H A`` of 60 states of 2^18 amplitudes."""
    A = jax.random.normal(jax.random.key(0), (2**18, 60, 2), jnp.float32)
    A = jax.lax.complex(A[..., 0], A[..., 1])
    prod = jax.jit(lambda a: jnp.abs(jnp.conj(a).T @ a) ** 2)
    prod(A).block_until_ready()
    return 8.0 * 60 * 60 * 2**18 / _median(lambda: prod(A), repeats)


def _load():
    return "load " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[8, 12, 16, 20])
    ap.add_argument("--points", type=int, nargs="+", default=[20, 60])
    ap.add_argument("--circuits", nargs="+", default=["hee", "zz"])
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--bandwidth", action="store_true", help="measure memory bandwidth and print the floors")
    args = ap.parse_args()
    tc.set_backend("jax")
    tc.set_dtype("complex64")
    print(f"JAX {jax.__version__}, tensorcircuit-ng {tc.__version__}, {os.cpu_count()} cores; {_load()}",
          flush=True)
    bw = rate = None
    if args.bandwidth:
        bw, rate = _bandwidth(), _product_rate()
        print(f"memory bandwidth {bw / 1e9:.1f} GB/s (x + 1 over 512 MiB); complex64 product "
              f"{rate / 1e9:.0f} Gop/s (60 x 60 over 2^18 amplitudes)", flush=True)
    print("circuit  N   n   ours (ms)  tensorcircuit-ng (ms)  ratio  max|dK|"
          + ("  bytes floor (ms)  ours/floor  product floor (ms)" if bw else ""))
    for name in args.circuits:
        for N in args.points:
            for n in args.n:
                X = np.random.default_rng(n).uniform(0, 2 * np.pi, (N, n)).astype(np.float32)
                if name == "hee":
                    emb, layers, peer = named_circuit("hee", n), 2, _tc_gram(_tc_hee, n)
                else:
                    emb, layers = zz_feature_map(n, reps=2, entanglement="linear"), 1
                    peer = _tc_gram(_tc_zz, n)
                Xd = jnp.asarray(X)
                ours = lambda Xd=Xd, emb=emb, layers=layers: fidelity_gram(  # noqa: E731
                    Xd, embedding=emb, layers=layers, dtype=jnp.complex64)
                theirs = lambda Xd=Xd, peer=peer: peer(Xd)  # noqa: E731
                diff = float(jnp.max(jnp.abs(ours() - theirs())))
                a_runs, b_runs, ratios = [], [], []
                for _ in range(args.pairs):
                    a = _median(ours, args.repeats)
                    b = _median(theirs, args.repeats)
                    a_runs.append(a)
                    b_runs.append(b)
                    ratios.append(b / a)
                floors = ""
                if bw:
                    moved = 2 * N * 2**n * 8  # complex64 states written once and read once
                    floors = (f"  {moved / bw * 1e3:16.2f}  {statistics.median(a_runs) * bw / moved:9.1f}x"
                              f"  {8.0 * N * N * 2**n / rate * 1e3:18.2f}")
                print(f"{name:7s} {N:3d} {n:3d} {statistics.median(a_runs) * 1e3:10.2f} "
                      f"{statistics.median(b_runs) * 1e3:21.2f} {statistics.median(ratios):6.2f}x "
                      f"{diff:8.1e}{floors}  ({_load()})", flush=True)


if __name__ == "__main__":
    main()

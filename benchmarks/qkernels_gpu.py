"""Device benchmark of the quantum-kernel Gram matrices (run by benchmarks/gpu/qkernels.sh).

- statevector backend: a ``--points``-point fidelity Gram at each ``--sv-n`` (complex64, HEE, L = 2), chunked
  under the memory budget; time (first call and steady) and the fraction of the memory-bandwidth bound
  (every gate reads and writes every state once: ``points * 2^n * 8 B * 2 * gates``, plus the Gram
  product's read of the states, over ``--bandwidth`` bytes/s);
- MPS backend: a ``--points``-point fidelity Gram at ``--mps-n`` qubits, L = 2, complex128.

``--dry-run`` shrinks everything to seconds on a CPU (the test suite runs it).
"""

from __future__ import annotations

import argparse

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from _common import timed  # noqa: E402  (benchmarks/ is on sys.path when run as a script)

from embtheory.qkernels import fidelity_gram  # noqa: E402
from embtheory.qkernels.embeddings import memory_budget  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--points", type=int, default=64)
    ap.add_argument("--sv-n", type=int, nargs="*", default=[26, 28])
    ap.add_argument("--mps-n", type=int, default=100)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--bandwidth", type=float, default=4.8e12, help="peak bytes/s (H200: 4.8e12)")
    args = ap.parse_args(argv)
    if args.dry_run:
        args.points, args.sv_n, args.mps_n, args.layers = 6, [6], 8, 1
    device = jax.devices()[0]
    budget = memory_budget()
    print(
        f"device {device.device_kind} ({device.platform}), memory budget {budget / 2**30:.1f} GiB", flush=True
    )
    rng = np.random.default_rng(0)
    for n in args.sv_n:
        X = rng.uniform(0, 2 * np.pi, (args.points, n)).astype(np.float32)
        state = 2**n * 8
        chunk = int(max(1, min(args.points, (budget / 2 - args.points * state) // (4 * state))))
        try:
            K, first, steady = timed(
                lambda X=X, c=chunk: fidelity_gram(X, layers=args.layers, dtype=jnp.complex64, chunk_size=c)
            )
        except MemoryError as e:
            print(f"statevector n={n}: {e}", flush=True)
            continue
        gates = 2 * n * args.layers
        moved = args.points * state * (2 * gates + 1)
        print(
            f"statevector n={n}, {args.points} points, L={args.layers}, complex64, chunk {chunk}: first "
            f"{first:.2f} s, steady {steady:.3f} s; {moved / steady / 1e9:.0f} GB/s = "
            f"{moved / steady / args.bandwidth:.0%} of {args.bandwidth / 1e12:.1f} TB/s; "
            f"diag {float(K[0, 0]):.6f}",
            flush=True,
        )
    X = rng.uniform(0, 2 * np.pi, (args.points, args.mps_n))
    K, first, steady = timed(lambda: fidelity_gram(X, layers=args.layers, backend="mps"))
    print(
        f"MPS n={args.mps_n}, {args.points} points, L={args.layers}, complex128: first {first:.1f} s, steady "
        f"{steady:.2f} s; diag {float(K[0, 0]):.12f}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

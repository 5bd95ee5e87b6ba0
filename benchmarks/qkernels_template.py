"""A user's PennyLane ZZ template against the built-in ZZ map, first call included.

One process computes one fidelity Gram: ``--which builtin`` passes
``zz_feature_map(n, reps=2, entanglement="linear")``, ``--which template`` passes a template
``f(x, wires)`` written as a PennyLane user may write the same map (``Hadamard``, ``RZ`` and
``IsingZZ`` couplings, two repetitions), which ``fidelity_gram`` converts to the native form.
It prints the first call's seconds (conversion and compilation included) and the median of
``--repeats`` further calls, and with ``--check`` the largest difference to the other form's Gram.

Run both as whole processes side by side, A B A B (the ratio is the whole process, imports included):
``python benchmarks/qkernels_template.py --which template --n 16`` against ``--which builtin``.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
import pennylane as qml
from _common import timed  # benchmarks/ is on sys.path when run as a script

from embtheory.qkernels import fidelity_gram, zz_feature_map


def zz_template(x, wires):
    """The ZZ feature map (two repetitions, linear couplings) as a PennyLane user may write it: the
    couplings as ``IsingZZ`` (``CNOT, RZ, CNOT`` up to a global phase), the same kernel."""
    for _ in range(2):
        for k, w in enumerate(wires):
            qml.Hadamard(wires=w)
            qml.RZ(2 * x[k], wires=w)
        for k, (a, b) in enumerate(itertools.pairwise(wires)):
            qml.IsingZZ(2 * (np.pi - x[k]) * (np.pi - x[k + 1]), wires=[a, b])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--which", choices=["builtin", "template"], required=True)
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=0)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    X = np.random.default_rng(args.n).uniform(0, 2 * np.pi, (args.points, args.n)).astype(np.float32)
    builtin = zz_feature_map(args.n, reps=2, entanglement="linear")
    emb = builtin if args.which == "builtin" else zz_template
    K, first, warm = timed(lambda: fidelity_gram(X, embedding=emb), args.repeats)
    line = f"{args.which} n={args.n} N={args.points}: first {first:.3f} s, steady {warm * 1e3:.2f} ms"
    if args.check:
        other = fidelity_gram(X, embedding=zz_template if args.which == "builtin" else builtin)
        line += f", max |dK| {float(np.max(np.abs(np.asarray(K) - np.asarray(other)))):.1e}"
    print(line, flush=True)


if __name__ == "__main__":
    main()

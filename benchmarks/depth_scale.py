"""TTE depth at scale: 1,000,000 x 384 cosine depths, and a 10,000-relabelling permutation test on
100,000 points.

Both are timed warm (the first call compiles and is reported apart), float32, with the
achieved memory bandwidth of the depth pass (bytes of F read / time: the closed form reads F
twice, once for ``mu`` and once for the depths).  The data are drawn on the device from one key.
The permutation test can be shortened with ``--n-permutations`` (time per relabelling is
reported, so the full figure extrapolates linearly).

Command::

    python benchmarks/depth_scale.py                       # 1e6 x 384 depths; 10,000 x 1e5 test
    python benchmarks/depth_scale.py --rows 100000 --perm-points 20000 --n-permutations 500   # smoke
"""

from __future__ import annotations

import argparse
import json
import time

import jax
import jax.numpy as jnp
from _common import timed  # benchmarks/ is on sys.path when run as a script


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--d", type=int, default=384)
    p.add_argument("--perm-points", type=int, default=100_000, help="N = m + n, split in half")
    p.add_argument("--n-permutations", type=int, default=10_000)
    p.add_argument("--permutation-chunk", type=int, default=None)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--skip-depths", action="store_true")
    p.add_argument("--skip-test", action="store_true")
    args = p.parse_args(argv)

    from embtheory.depth import depth_rank_test, tte_depth

    key_F, key_G, key_P = jax.random.split(jax.random.key(0), 3)
    print(json.dumps({"device": str(jax.devices()[0]), "jax": jax.__version__}), flush=True)
    if not args.skip_depths:
        F = jax.block_until_ready(jax.random.normal(key_F, (args.rows, args.d)) + 0.3)
        _, first, warm = timed(lambda: tte_depth(F), args.repeats)
        read = 2 * F.size * F.dtype.itemsize
        print(json.dumps({"what": "tte_depth(F) cosine", "rows": args.rows, "d": args.d, "first_s": first,
                          "warm_s": warm, "GB_per_s": read / warm / 1e9}), flush=True)
        G = F[: args.rows // 10]
        _, first, warm = timed(lambda: tte_depth(F, G), args.repeats)
        read = (F.size + G.size) * F.dtype.itemsize
        print(json.dumps({"what": "tte_depth(F, G) cosine", "rows": args.rows, "n": G.shape[0], "d": args.d,
                          "first_s": first, "warm_s": warm, "GB_per_s": read / warm / 1e9}), flush=True)
        del F, G
    if not args.skip_test:
        N = args.perm_points
        Z = jax.random.normal(key_G, (N, args.d)) + 0.3
        F, G = Z[: N // 2], Z[N // 2:]
        t0 = time.perf_counter()
        res = depth_rank_test(F, G, n_permutations=args.n_permutations, key=key_P,
                              permutation_chunk_size=args.permutation_chunk)
        jax.block_until_ready(res.pvalue_permutation)
        total = time.perf_counter() - t0
        print(json.dumps({"what": "depth_rank_test permutation", "N": N, "d": args.d,
                          "n_permutations": args.n_permutations, "seconds_incl_compile": total,
                          "ms_per_permutation": 1e3 * total / args.n_permutations,
                          "pvalue": float(res.pvalue), "pvalue_permutation": float(res.pvalue_permutation)}),
              flush=True)
        _ = jnp.zeros(())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

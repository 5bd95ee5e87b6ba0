#!/usr/bin/env bash
# Sign-rank on one GPU, within about 8 minutes of device time:
#   1. a d = 20 success curve over 16 seeds (n = 112, 114, ..., 128): fractions, n50 and its band,
#      wall time and time per optimiser step;
#   2. the official-protocol critical-n table (seed 42, each d started at the paper's value) for
#      d = 4, 5, ... until 7 minutes have passed (a d already started finishes).
# Results: one JSON line per event in $OUT/signrank_gpu.jsonl (default .bench/signrank-gpu).
#
# Usage (repository root, on the device machine):
#   bash benchmarks/gpu/signrank.sh            # the real run; installs the package without touching JAX
#   bash benchmarks/gpu/signrank.sh --dry-run  # tiny sizes, seconds on a CPU (run by the tests)
set -euo pipefail
cd "$(dirname "$0")/../.."
DRY=()
if [[ "${1:-}" == "--dry-run" ]]; then
  DRY=(--dry-run)
  shift
fi
OUT="${1:-${OUT:-.bench/signrank-gpu}}"
PY="${PYTHON:-python}"
if [[ ${#DRY[@]} -eq 0 ]]; then
  # the device image brings its own JAX (with CUDA): install this package and its small
  # dependencies without letting pip replace it
  "$PY" -m pip install -q --no-deps -e . >/dev/null
  "$PY" -c "import optax, chex" 2>/dev/null || "$PY" -m pip install -q --no-deps optax chex >/dev/null
  "$PY" -c "import jax; print('devices:', jax.devices())"
fi
exec "$PY" benchmarks/signrank_bench.py gpu "${DRY[@]}" --out "$OUT" --budget-s "${BUDGET_S:-420}" \
  --compile-cache "${COMPILE_CACHE:-.bench/jax-cache}"

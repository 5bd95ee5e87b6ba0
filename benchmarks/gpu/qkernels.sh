#!/usr/bin/env bash
# Quantum-kernel Gram matrices on one accelerator (<= 8 min of an H200):
#   64-point statevector fidelity Gram at n = 26 and 28 (complex64, chunked under the memory budget) with
#   its fraction of the memory-bandwidth bound, and the 64-point MPS Gram at n = 100 (L = 2, complex128).
# Usage: benchmarks/gpu/qkernels.sh            (the device run)
#        benchmarks/gpu/qkernels.sh --dry-run  (tiny sizes, seconds on a CPU; run by the test suite)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-python}"
if [ -x .venv/bin/python ] && [ -z "${PYTHON:-}" ]; then PY=.venv/bin/python; fi
if [ "${1:-}" = "--dry-run" ]; then
  exec "$PY" benchmarks/qkernels_gpu.py --dry-run
fi
exec timeout 480 "$PY" benchmarks/qkernels_gpu.py "$@"

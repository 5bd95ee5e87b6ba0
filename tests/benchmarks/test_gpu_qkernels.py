"""The device benchmark script's dry run works on the CPU (tiny sizes; about 5 s of CPU)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_qkernels_gpu_script_dry_run():
    out = subprocess.run(
        [str(ROOT / "benchmarks/gpu/qkernels.sh"), "--dry-run"], capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "statevector n=6, 6 points" in out.stdout
    assert "MPS n=8, 6 points" in out.stdout
    assert "diag 1.000000" in out.stdout

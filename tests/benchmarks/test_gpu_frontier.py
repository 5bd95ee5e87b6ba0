"""The GPU frontier script's dry run (CPU, seconds): the set-up a device run depends on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_gpu_frontier_script_dry_run(tmp_path):
    env = dict(os.environ, OUT=str(tmp_path), PYTHON=sys.executable, JAX_PLATFORMS="cpu")
    proc = subprocess.run(["bash", str(ROOT / "benchmarks/gpu/frontier.sh"), "--dry-run"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads((tmp_path / "frontier_table.json").read_text())
    assert out["dry_run"] is True
    rows = out["rows"]
    assert {(r["loss"], r["n"]) for r in rows} == {("sigmoid", 6), ("infonce", 6)}
    for r in rows:
        assert r["status"] == "done" and r["steps"] == 20 and set(r["margins"]) == {"2/0", "3/0"}
        solved = [int(k.split("/")[0]) for k, (m, _) in r["margins"].items() if m > 0]
        assert r["query_dim"] == (min(solved) if solved else None)
        for m, g in r["margins"].values():
            assert g <= m + 1e-6  # the global margin is never above the per-query one
    assert "smallest d query" in proc.stdout

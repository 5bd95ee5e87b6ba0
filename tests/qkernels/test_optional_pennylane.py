"""PennyLane is optional: the package imports without it, and asking for it says how to install it."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )


def test_importing_qkernels_does_not_import_pennylane():
    out = _run("""
        import sys
        import embtheory.qkernels
        print("pennylane" in sys.modules)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_missing_pennylane_gives_one_install_line():
    # a meta-path finder that hides PennyLane, as if it were not installed
    out = _run("""
        import sys
        class Hide:
            def find_spec(self, name, path=None, target=None):
                if name == "pennylane" or name.startswith("pennylane."):
                    raise ImportError("No module named 'pennylane'")
        sys.meta_path.insert(0, Hide())
        import numpy as np
        from embtheory.qkernels import fidelity_gram
        K = fidelity_gram(np.zeros((2, 2), np.float32), layers=1)  # the native backend needs no PennyLane
        try:
            fidelity_gram(np.zeros((2, 2), np.float32), backend="pennylane")
        except ImportError as e:
            print("ERR", e)
    """)
    assert out.returncode == 0, out.stderr
    line = next(s for s in out.stdout.splitlines() if s.startswith("ERR"))
    assert 'pip install "embtheory[pennylane]"' in line

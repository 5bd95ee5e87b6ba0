"""Test set-up shared by the whole suite.

- Four host CPU devices, so that the sharding tests exercise a real 4-device mesh
  (``XLA_FLAGS=--xla_force_host_platform_device_count=4``) in every run.
- Rank promotion raises: an accidental broadcast between arrays of different rank is a bug.
- ``x64`` tests are skipped when x64 is off; CI runs the ``numerics`` and ``x64`` marks again
  with ``JAX_ENABLE_X64=1``.
- ``data`` tests are skipped when the real data is absent from the data cache (``EMBTHEORY_DATA``).
- ``pennylane`` tests are skipped when the ``pennylane`` extra is not installed; a test module that
  imports PennyLane at its top (rather than ``pytest.importorskip("pennylane")``) is then not collected,
  and the run's summary says which.
- ``jit_variant``: run the same test with and without ``jax.jit`` (``chex.fake_jit`` turns every
  ``jax.jit``, the library's own included, into a plain call for the "nojit" variant).
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    # appended, so that a run under another flag (e.g. --xla_cpu_max_isa=AVX2) keeps four devices
    _flags = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
    os.environ["XLA_FLAGS"] = _flags.strip()
os.environ.setdefault("EMBTHEORY_PROGRESS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
# Developer machines keep a ready copy of the data beside the checkout; CI sets EMBTHEORY_DATA itself.
_sibling = Path(__file__).resolve().parents[2] / "shared" / "data"
if "EMBTHEORY_DATA" not in os.environ and (_sibling / "README.md").is_file():
    os.environ["EMBTHEORY_DATA"] = str(_sibling)

import chex  # noqa: E402
import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")


def _data_folder() -> Path | None:
    """The data cache the ``data`` tests read, when it holds the data (its README is the marker)."""
    if "EMBTHEORY_DATA" in os.environ:
        folder = Path(os.environ["EMBTHEORY_DATA"])
    else:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "embtheory"
    return folder if (folder / "README.md").is_file() else None


SHARED_DATA = _data_folder()
HAVE_PENNYLANE = importlib.util.find_spec("pennylane") is not None


_PL_IMPORT = re.compile(r"^(import pennylane|from pennylane\b)", re.M)
_NOT_COLLECTED: list[str] = []


def pytest_configure(config):
    config.addinivalue_line("markers", "pennylane: needs the pennylane extra; skipped when it is absent")


def pytest_ignore_collect(collection_path, config):
    if HAVE_PENNYLANE or collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    if _PL_IMPORT.search(collection_path.read_text(encoding="utf-8")):
        _NOT_COLLECTED.append(str(collection_path.relative_to(config.rootpath)))
        return True
    return None


def pytest_terminal_summary(terminalreporter):
    if _NOT_COLLECTED:
        terminalreporter.write_line(
            'PennyLane absent (pip install "embtheory[pennylane]"): not collected: '
            + ", ".join(sorted(_NOT_COLLECTED)))


def pytest_collection_modifyitems(config, items):
    x64 = bool(jax.config.jax_enable_x64)
    skip_x64 = pytest.mark.skip(reason="needs JAX_ENABLE_X64=1 (run by CI's second pass)")
    skip_data = pytest.mark.skip(reason="real data absent: set EMBTHEORY_DATA to the data cache")
    skip_pl = pytest.mark.skip(reason='PennyLane absent: pip install "embtheory[pennylane]"')
    for item in items:
        if item.get_closest_marker("x64") and not x64:
            item.add_marker(skip_x64)
        if item.get_closest_marker("data") and SHARED_DATA is None:
            item.add_marker(skip_data)
        if item.get_closest_marker("pennylane") and not HAVE_PENNYLANE:
            item.add_marker(skip_pl)


@pytest.fixture
def getkey():
    """Fresh, distinct PRNG keys from one seed: ``k1, k2 = getkey(), getkey()``."""
    keys = iter(jax.random.split(jax.random.key(1234), 10_000))
    return lambda: next(keys)


@pytest.fixture
def shared_data() -> Path:
    """The real-data folder (tests using it are marked ``data``)."""
    if SHARED_DATA is None:
        pytest.skip("real data absent: set EMBTHEORY_DATA to the data cache")
    return SHARED_DATA


@pytest.fixture(params=["jit", "nojit"])
def jit_variant(request):
    """Run a test twice: ``f = jit_variant(f)`` is ``jax.jit(f)`` in the "jit" run and ``f`` itself,
    with every ``jax.jit`` inside it disabled by ``chex.fake_jit``, in the "nojit" run.

    Use it to check that a pure kernel gives the same answer traced and eager::

        def test_kernel(jit_variant):
            out = jit_variant(kernel)(x)
            chex.assert_shape(out, (n,))
    """
    if request.param == "jit":
        yield jax.jit
    else:
        with chex.fake_jit():
            yield lambda f: f


_CTRL_C_SCRIPT = """
import signal, sys
# a test runner's worker may ignore SIGINT, and a child inherits that: restore Python's handler
signal.signal(signal.SIGINT, signal.default_int_handler)
{setup}
print("started", flush=True)
try:
    {call}
except KeyboardInterrupt:
    sys.exit(3)
print("finished", flush=True)
"""


@pytest.fixture
def ctrl_c():
    """``ctrl_c(setup, call, wait=10.0) -> seconds``: runs ``setup`` (imports, a first call that
    compiles) then the long ``call`` in a fresh interpreter, sends SIGINT ``wait`` seconds into the
    call, and returns how long the process took to stop; it must stop by KeyboardInterrupt.

    A long call still compiles programs of its own shapes first (1-5 s on a loaded 2-core
    machine), and a SIGINT during an XLA compile can crash the interpreter (a known limitation,
    seen as exit status -11 when the signal came 3 s in): the signal comes after them."""
    import signal
    import subprocess
    import sys
    import time

    def run(setup: str, call: str, wait: float = 10.0) -> float:
        env = {**os.environ, "PYTHONPATH": os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", "")}
        script = _CTRL_C_SCRIPT.format(setup=setup, call=call)
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
        try:
            assert proc.stdout.readline().strip() == "started"
            time.sleep(wait)  # inside the long call
            sent = time.perf_counter()
            proc.send_signal(signal.SIGINT)
            rc = proc.wait(timeout=60)
            waited = time.perf_counter() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
        assert rc == 3, f"the call was not interrupted (exit status {rc}): {proc.stdout.read()}"
        return waited
    return run

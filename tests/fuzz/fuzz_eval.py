"""How one bad input is judged, in this process or in a child process (for inputs that may crash).

:func:`evaluate` returns ``(outcome, detail)``: ``"refused"`` (the right error, naming the
argument, raised by embtheory's code), ``"skip"`` (an optional extra or the data is missing),
or ``"fail"`` with what went wrong.  Inputs that can make a process abort (sizes past int32 or
int64, allocations beyond memory: XLA aborts on a failed allocation) go to :class:`Isolated`,
a child process that is restarted when one of them kills it, which is then a ``"fail"``.
"""

from __future__ import annotations

import functools
import multiprocessing as mp
import signal
import time
from pathlib import Path

import jax
import numpy as np

#: the distinct (function, argument, bad value) triples exercised, counted in the run's summary
SEEN: set[tuple[str, str, str]] = set()

DEADLINE_S = 20.0
BASELINE_DEADLINE_S = 180.0

#: mutations that a function may also honour (an int past int32 that never reaches a 32-bit
#: JAX value, e.g. a chunk size larger than the data); an overflow, a crash or a NaN still fails
RETURN_OK = ("past-int32",)


class Hang(Exception):
    pass


def _on_alarm(signum, frame):
    raise Hang


def _call(fn, kwargs, deadline: float = DEADLINE_S):
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, deadline)
    try:
        return fn(**kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _accepted(spec):
    errors = [ValueError, TypeError, MemoryError]
    if "DataError" in spec.errors:
        from embtheory.data import DataError

        errors.append(DataError)
    return tuple(errors)


def _has_nan(out) -> bool:
    try:
        leaves = jax.tree_util.tree_leaves(out)
    except Exception:
        return False
    for leaf in leaves:
        try:
            a = np.asarray(leaf)
            if a.dtype.kind in "fc" and np.isnan(a).any():
                return True
        except Exception:
            continue
    return False


def _specs():
    from fuzz_registry import SPECS

    return {s.id: s for s in SPECS}


@functools.cache
def baseline_status(spec_id: str) -> str | None:
    """None when the registry's baseline call works; else ``"skip: ..."`` or ``"fail: ..."``."""
    spec = _specs()[spec_id]
    try:
        _call(spec.fn, spec.baseline(), BASELINE_DEADLINE_S)  # compiles: generous on a loaded machine
    except ImportError as e:
        return f"skip: optional extra missing ({e})"
    except Exception as e:
        if type(e).__name__ in spec.errors:
            return f"skip: needs data ({e})"
        return f"fail: the registry's baseline call of {spec.id} fails: {type(e).__name__}: {e}"
    return None


def evaluate(spec_id: str, arg: str, label: str, value) -> tuple[str, str]:
    import embtheory

    emb_dir = str(Path(embtheory.__file__).resolve().parent)
    spec = _specs()[spec_id]
    status = baseline_status(spec_id)
    if status is not None:
        return ("skip", status) if status.startswith("skip") else ("fail", status)
    kwargs = spec.baseline()
    kwargs[arg] = value
    shown = f"{spec.id}({arg}={label})"
    t0 = time.perf_counter()
    try:
        out = _call(spec.fn, kwargs)
    except Hang:
        return "fail", f"{shown} ran past the {DEADLINE_S:.0f} s deadline instead of refusing"
    except ImportError:
        return "refused", "ImportError (optional extra)"
    except _accepted(spec) as e:
        msg = str(e)
        names = spec.names.get(arg, (arg,))
        if not any(n in msg for n in names):
            return "fail", f"{shown}: the message does not name {arg!r}: {msg[:300]}"
        tb = e.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        where = str(Path(tb.tb_frame.f_code.co_filename).resolve())
        if not where.startswith(emb_dir):
            return "fail", (f"{shown}: {type(e).__name__} raised from inside {where}, not by a check: "
                            f"{msg[:300]}")
        for word in ("XlaRuntimeError", "Traceback", "jax._src", "dot_general"):
            if word in msg:
                return "fail", f"{shown}: an internal message leaked: {msg[:300]}"
        return "refused", msg
    except Exception as e:
        return "fail", (f"{shown} raised {type(e).__name__} (want ValueError/TypeError/MemoryError "
                        f"naming {arg!r}): {str(e)[:300]}")
    nan = " containing NaN" if _has_nan(out) else ""
    if label in RETURN_OK and not nan:
        return "refused", "returned a clean result (a large integer that needs no refusal here)"
    return "fail", (f"{shown} accepted a bad input and returned {type(out).__name__}{nan} "
                    f"after {time.perf_counter() - t0:.1f} s")


def _serve(conn) -> None:
    import os

    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            conn.send(evaluate(*job))
        except Exception as e:  # an unpicklable value or result
            conn.send(("fail", f"worker error: {type(e).__name__}: {e}"))


class Isolated:
    """A child process that judges inputs which may abort the process."""

    def __init__(self):
        self._proc = None
        self._conn = None

    def _start(self):
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child,), daemon=True)
        self._proc.start()
        child.close()

    def evaluate(self, spec_id, arg, label, value) -> tuple[str, str]:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        try:
            self._conn.send((spec_id, arg, label, value))
            if not self._conn.poll(BASELINE_DEADLINE_S + DEADLINE_S + 120):
                self._proc.kill()
                self._proc = None
                return "fail", f"{spec_id}({arg}={label}) hung past the deadline"
            return self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            code = self._proc.exitcode if self._proc is not None else None
            self._proc.join(5)
            self._proc = None
            return "fail", (f"{spec_id}({arg}={label}) crashed the process (exit code {code}, e.g. an "
                            "allocation XLA could not make) instead of refusing")

    def close(self):
        if self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            self._proc.join(10)
            if self._proc.is_alive():
                self._proc.kill()

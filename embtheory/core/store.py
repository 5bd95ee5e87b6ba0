"""The results store: one checked record per finished unit of work.

A *unit* is one run of one configuration (one seed of one n at one d, one point of a
concentration sweep, ...).  Its identity, and so its file name
``<root>/records/<key>.json``, is the hash of everything that determines its numbers:

- the configuration, canonicalised: dict key order is irrelevant, tuples and lists are alike,
  NumPy scalars count as Python scalars (``np.float32(0.1)`` as ``0.1``) and an integral float
  as the integer (``1.0`` as ``1``);
- the effective floating dtype (``float64`` when JAX's x64 mode is on, else ``float32``); a
  configuration asking for ``dtype=float64`` while x64 is off is refused, never run in float32
  and stored as float64;
- the scope: the experiment's name and its code *revision* (see :meth:`ResultStore.scoped`),
  which is bumped whenever a change alters the experiment's numbers, so units of an older
  revision are never reused.

Each record is written as soon as the unit finishes, through a temporary file and ``os.replace``
(atomic on POSIX): a run killed at any moment leaves either no record or a complete one.  Every
record carries a sha256 checksum of its content; reading checks the checksum and that the
record's identity hashes to its file name, so an edited or misplaced record is an error naming
the file, never a result.  Non-finite numbers are stored as JSON's ``NaN``/``Infinity`` and come
back as floats.

A unit being computed is *claimed* by a file ``<root>/claims/<key>.claim`` holding the pid, the
host and a nonce, whose modification time a heartbeat refreshes.  A claim whose process is gone
(same host) or whose heartbeat is older than ``EMBTHEORY_CLAIM_STALE_S`` seconds (default 120) is
stale and is taken over, so a killed process never leaves a unit stuck, and several processes
sharing one store split the work of a sweep (:func:`run_sweep`) instead of repeating it.

Example:
    >>> import tempfile
    >>> store = ResultStore(tempfile.mkdtemp())
    >>> out = run_sweep(store, [{"x": 1}, {"x": 2}], lambda c: {"y": c["x"] ** 2}, progress=False)
    >>> [r["y"] for r in out]
    [1, 4]
    >>> len(store)
    2
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import errno
import hashlib
import json
import math
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embtheory.core.progress import progress as _progress
from embtheory.core.provenance import provenance as _provenance
from embtheory.core.validation import check_bool

__all__ = [
    "RECORD_FORMAT",
    "ResultStore",
    "StoreError",
    "as_store",
    "atomic_write_text",
    "config_hash",
    "load_results",
    "run_sweep",
    "to_jsonable",
    "unit_key",
]

#: The version of the record layout; records of other layouts are never read as results.
RECORD_FORMAT = 2


class StoreError(RuntimeError):
    """A results store that cannot be read or written; the message names the file and the fix."""


# --------------------------------------------------------------------------------------------
# Canonical JSON


def _short_float(x: np.floating) -> float:
    """A low-precision NumPy float as the Python float of its shortest repr (np.float32(0.1) -> 0.1)."""
    if isinstance(x, (np.float16, np.float32)) and np.isfinite(x):
        return float(str(x))
    return float(x)


def to_jsonable(obj: Any, *, canonical: bool = False) -> Any:
    """Converts configs and results to plain JSON types.

    Dataclasses and NamedTuples become dicts, NumPy/JAX arrays (nested) lists, NumPy scalars
    Python scalars (float16/float32 through their shortest repr), tuples lists, dtypes their
    names; NaN and infinities stay floats (the store writes them as JSON's ``NaN``/``Infinity``
    and reads them back as floats).  With ``canonical=True`` (how configurations are hashed)
    integral floats become integers, so ``1`` and ``1.0`` are one configuration.
    """
    canonical = check_bool(canonical, "canonical")

    def conv(o):
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return {f.name: conv(getattr(o, f.name)) for f in dataclasses.fields(o)}
        if isinstance(o, tuple) and hasattr(o, "_fields"):  # NamedTuple
            return {k: conv(v) for k, v in zip(o._fields, o)}
        if isinstance(o, Mapping):
            return {str(k): conv(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [conv(v) for v in o]
        if isinstance(o, (str, bool)) or o is None:
            return o
        if isinstance(o, np.bool_):
            return bool(o)
        if isinstance(o, (int, np.integer)):
            return int(o)
        if isinstance(o, (float, np.floating)):
            x = _short_float(o) if canonical else float(o)
            if canonical and math.isfinite(x) and x.is_integer():
                return int(x)
            return x
        if isinstance(o, Path):
            return str(o)
        if isinstance(o, np.dtype):
            return o.name
        if isinstance(o, type):
            try:
                return np.dtype(o).name
            except TypeError:
                pass
        elif hasattr(o, "__array__"):  # numpy or jax arrays
            arr = np.asarray(o)
            if arr.dtype.kind == "c":
                raise TypeError("cannot store a complex array: store its real and imaginary parts")
            if canonical and arr.dtype in (np.float16, np.float32):
                flat = np.array([_short_float(v) for v in arr.ravel()], dtype=object)
                return conv(flat.reshape(arr.shape).tolist())
            return conv(arr.tolist())
        raise TypeError(
            f"cannot store a value of type {type(o).__name__}: configs and results must be "
            "made of dataclasses, dicts, lists, numbers, strings, booleans or arrays"
        )

    return conv(obj)


def _dumps(obj: Any, **kw) -> str:
    return json.dumps(obj, sort_keys=True, allow_nan=True, **kw)


def _digest(obj: Any, n: int = 20) -> str:
    return hashlib.sha256(_dumps(obj, separators=(",", ":")).encode()).hexdigest()[:n]


def config_hash(config: Any) -> str:
    """A canonical hash of a configuration alone (sha256 of its canonical JSON, 20 hex digits)."""
    try:
        return _digest(to_jsonable(config, canonical=True))
    except TypeError as e:
        raise TypeError(f"config: {e}") from None


def _effective_dtype() -> str:
    import jax

    return "float64" if jax.config.jax_enable_x64 else "float32"


def _identity(config: Any, scope: Mapping[str, Any] | None) -> dict:
    try:
        canon = to_jsonable(config, canonical=True)
    except TypeError as e:
        raise TypeError(f"config: {e}") from None
    dtype = _effective_dtype()
    asked = canon.get("dtype") if isinstance(canon, dict) else None
    if asked == "float64" and dtype != "float64":
        raise ValueError(
            f"a unit's configuration asks for dtype float64 but JAX's x64 mode is off, so it would run "
            f"in float32: set JAX_ENABLE_X64=1 before starting Python (or call "
            f"jax.config.update(\"jax_enable_x64\", True)), or ask for float32; config: {canon}")
    return {"config": canon, "scope": dict(scope or {}), "dtype": dtype}


def unit_key(config: Any, *, scope: Mapping[str, Any] | None = None) -> str:
    """The file name (without ``.json``) of a unit: the hash of its config, scope and effective dtype."""
    return _digest(_identity(config, scope))


def _checksum(record: Mapping[str, Any]) -> str:
    return hashlib.sha256(_dumps({k: v for k, v in record.items() if k != "checksum"},
                                 separators=(",", ":")).encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# Files


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _os_error_fix(e: OSError, path: Path, root: Path | None = None) -> str:
    where = root if root is not None else path.parent
    if e.errno == errno.ENOSPC or e.errno == errno.EDQUOT:
        return (f"no space left on the device holding {where} while writing {path.name}: free some space "
                f"(or pass --out on another disk) and run the same command again; finished units are kept")
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (f"{where} is not writable ({e.strerror}) while writing {path.name}: make it writable "
                f"(or pass --out with a directory you can write to) and run the same command again; "
                f"finished units are kept")
    return (f"could not write {path} ({e.strerror or e}): fix the cause and run the same command again; "
            f"finished units are kept")


def atomic_write_text(path: str | os.PathLike, text: str, *, root: Path | None = None) -> None:
    """Writes ``text`` to ``path`` atomically (temporary file, fsync, ``os.replace``).

    Readers see the old file or the new one, never a torn one, whatever kills the writer.
    An OSError (full disk, read-only folder) becomes a :class:`StoreError` saying the fix;
    the temporary file is removed.
    """
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; records are ordinary files
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        raise StoreError(_os_error_fix(e, path, root)) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _is_writer() -> bool:
    import jax

    return jax.process_index() == 0


def _multi_process() -> bool:
    import jax

    return jax.process_count() > 1


# --------------------------------------------------------------------------------------------
# Claims


def _stale_after() -> float:
    try:
        return max(0.5, float(os.environ.get("EMBTHEORY_CLAIM_STALE_S", "120")))
    except ValueError:
        return 120.0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


class Claim:
    """This process's claim on one unit; a heartbeat thread keeps it fresh until released."""

    def __init__(self, path: Path, nonce: str, interval: float):
        self.path, self.nonce = path, nonce
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, args=(interval,), daemon=True)
        self._thread.start()

    def _beat(self, interval: float) -> None:
        while not self._stop.wait(interval):
            with contextlib.suppress(OSError):
                os.utime(self.path)

    def release(self) -> None:
        self._stop.set()
        self._thread.join()
        try:
            if json.loads(self.path.read_text()).get("nonce") == self.nonce:
                self.path.unlink()
        except (OSError, ValueError):
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


class _NoClaim:
    """Multi-process (SPMD) runs compute every unit together: nothing to claim."""

    def release(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


# --------------------------------------------------------------------------------------------
# The store


class ResultStore:
    """A directory of checked JSON records, one per finished unit (see the module docstring).

    Args:
        root: the store's directory; created if missing.
        scope: what, besides the config, identifies this view's units; use :meth:`scoped`.
    """

    def __init__(self, root: str | os.PathLike, *, scope: Mapping[str, Any] | None = None):
        if str(root) == "":
            raise StoreError("the results directory is the empty string: pass --out with a directory name")
        self.root = Path(root)
        self.scope = dict(scope or {})
        self._records = self.root / "records"
        self._claims = self.root / "claims"
        try:
            self._records.mkdir(parents=True, exist_ok=True)
            self._claims.mkdir(parents=True, exist_ok=True)
            # A probe of this process's own: several processes may open one store at once.
            with tempfile.NamedTemporaryFile(dir=self._records, prefix=".write-probe-"):
                pass
        except OSError as e:
            raise StoreError(
                f"results directory {self.root} is not writable ({e.strerror}): "
                "pass --out with a directory you can write to"
            ) from None

    def scoped(self, *, experiment: str, revision: int) -> ResultStore:
        """A view of this store whose units belong to one experiment at one code revision.

        Units are looked up and written under ``{experiment, revision}``: a record of another
        revision is never returned, so one figure never mixes revisions.
        """
        if isinstance(revision, bool) or not isinstance(revision, (int, np.integer)) or revision < 0:
            raise ValueError(f"revision must be a non-negative integer, got {revision!r}")
        view = object.__new__(ResultStore)
        view.root, view._records, view._claims = self.root, self._records, self._claims
        view.scope = {"experiment": str(experiment), "revision": int(revision)}
        return view

    # -- reading ----------------------------------------------------------------------------

    def key(self, config: Any) -> str:
        """The unit key of ``config`` in this view."""
        return unit_key(config, scope=self.scope)

    def _path(self, key: str) -> Path:
        return self._records / f"{key}.json"

    def _read(self, path: Path, *, legacy_ok: bool = False) -> dict | None:
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            raise StoreError(
                f"corrupt result file {path} ({e}): delete it and re-run; the unit it held "
                "will be recomputed and nothing else is lost"
            ) from None
        if not isinstance(record, dict) or not {"key", "config", "result"} <= record.keys():
            raise StoreError(
                f"corrupt result file {path} (missing key/config/result): delete it and re-run"
            )
        if record.get("format") != RECORD_FORMAT:
            if legacy_ok:
                return None
            raise StoreError(f"result file {path} has an older record format ({record.get('format', 1)}): "
                             "delete it and re-run; the unit will be recomputed")
        identity = {"config": record["config"], "scope": record.get("scope"), "dtype": record.get("dtype")}
        want = path.stem
        if _digest(identity) != want or record["key"] != want:
            raise StoreError(
                f"result file {path} does not match its name: its configuration hashes to "
                f"{_digest(identity)}, not {want} (edited or copied by hand): delete it and re-run; "
                "the unit will be recomputed"
            )
        if record.get("checksum") != _checksum(record):
            raise StoreError(
                f"result file {path} was modified after it was written (checksum mismatch), so its "
                "numbers cannot be trusted: delete it and re-run; the unit will be recomputed"
            )
        return record

    def __contains__(self, config: Any) -> bool:
        return self._path(self.key(config)).exists()

    def _files(self) -> list[Path]:
        return sorted(self._records.glob("*.json"))

    def __len__(self) -> int:
        if not self.scope:
            return len(self._files())
        return len(self.records())

    def get_record(self, config: Any) -> dict | None:
        """The whole checked record of ``config``, or None when it has not been run."""
        path = self._path(self.key(config))
        if not path.exists():
            return None
        return self._read(path)

    def get(self, config: Any) -> dict | None:
        """The stored result of ``config``, or None when it has not been run."""
        record = self.get_record(config)
        return None if record is None else record["result"]

    def _all(self) -> tuple[list[dict], int]:
        out, legacy = [], 0
        for p in self._files():
            r = self._read(p, legacy_ok=True)
            if r is None:
                legacy += 1
            else:
                out.append(r)
        return out, legacy

    def records(self, where: Mapping[str, Any] | None = None) -> list[dict]:
        """All records of this view (every scope for the root store), sorted by key.

        ``where`` keeps those whose config has these values (compared canonically).  Records of
        an older format are skipped; a corrupt or edited record is a :class:`StoreError`.
        """
        out, _ = self._all()
        if self.scope:
            out = [r for r in out if r.get("scope") == self.scope]
        if where:
            want = to_jsonable(dict(where), canonical=True)
            out = [r for r in out if all(r["config"].get(k) == v for k, v in want.items())]
        return out

    def other_revisions(self) -> dict[int, int]:
        """For a scoped view: ``{revision: number of records}`` of this experiment's other revisions.

        These units are not reused: a run at this revision recomputes them.
        """
        if not self.scope:
            return {}
        counts: dict[int, int] = {}
        for r in self._all()[0]:
            s = r.get("scope") or {}
            mine = s.get("experiment") == self.scope["experiment"]
            if mine and s.get("revision") != self.scope["revision"]:
                counts[s.get("revision")] = counts.get(s.get("revision"), 0) + 1
        return counts

    def legacy_count(self) -> int:
        """How many records of an older layout the store holds (never read as results)."""
        return self._all()[1]

    # -- writing ----------------------------------------------------------------------------

    def put(self, config: Any, result: Mapping[str, Any], *, seed: int | None = None,
            wall_time: float | None = None) -> dict:
        """Records a finished unit atomically and returns the record written.

        In a multi-host run (``jax.process_count() > 1``) only process 0 writes; every process
        returns the same record.  A full disk or a read-only store is a :class:`StoreError`
        saying the fix; records already written are untouched.
        """
        from embtheory.core.provenance import versions

        identity = _identity(config, self.scope)
        key = _digest(identity)
        record = {
            "format": RECORD_FORMAT,
            "key": key,
            "config": identity["config"],
            "scope": identity["scope"],
            "dtype": identity["dtype"],
            "result": to_jsonable(result),
            "provenance": {**_provenance(), "package_version": versions()["embtheory"], "seed": seed,
                           "wall_time_s": wall_time, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
        }
        record["checksum"] = _checksum(record)
        if _is_writer():
            atomic_write_text(self._path(key), _dumps(record, indent=1), root=self.root)
        # what a reader gets back (floats as JSON gives them)
        return json.loads(_dumps(record))

    # -- claims -----------------------------------------------------------------------------

    def claim(self, config: Any) -> Claim | _NoClaim | None:
        """Claims the unit of ``config`` for this process, or None if a live process holds it.

        A stale claim (its process gone, or no heartbeat for ``EMBTHEORY_CLAIM_STALE_S``
        seconds) is taken over.  Use as a context manager, or call ``release()``.
        """
        if _multi_process():
            return _NoClaim()
        path = self._claims / f"{self.key(config)}.claim"
        stale_after = _stale_after()
        nonce = uuid.uuid4().hex
        body = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "nonce": nonce,
                           "started": time.time()})
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            except FileExistsError:
                if not self._take_over_if_stale(path, stale_after):
                    return None
                continue
            except OSError as e:
                raise StoreError(_os_error_fix(e, path, self.root)) from None
            try:
                with os.fdopen(fd, "w") as f:
                    f.write(body)
            except OSError as e:
                with contextlib.suppress(OSError):
                    path.unlink()
                raise StoreError(_os_error_fix(e, path, self.root)) from None
            return Claim(path, nonce, interval=min(10.0, stale_after / 4))
        return None

    def drop_stale_claim(self, config: Any) -> None:
        """Removes a stale claim on the unit of ``config`` (one whose process was killed after its
        record was written and before the claim was released); a live claim stays."""
        if _multi_process():
            return
        path = self._claims / f"{self.key(config)}.claim"
        if path.exists():
            self._take_over_if_stale(path, _stale_after())

    def _take_over_if_stale(self, path: Path, stale_after: float) -> bool:
        """Removes the claim at ``path`` if it is stale; True if it is gone now."""
        import fcntl

        lock_path = self._claims / ".takeover.lock"
        try:
            lock = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o666)
        except OSError as e:
            raise StoreError(_os_error_fix(e, lock_path, self.root)) from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)  # takeovers one at a time; released if we die
            try:
                st = path.stat()
                text = path.read_text()
            except FileNotFoundError:
                return True
            except IsADirectoryError:
                raise StoreError(f"the claim file {path} is a directory (not made by this store): remove it "
                                 f"(rm -r '{path}') and run the same command again; finished units are kept"
                                 ) from None
            except OSError as e:
                raise StoreError(_os_error_fix(e, path, self.root)) from None
            try:
                info = json.loads(text)
            except ValueError:
                info = None  # a claim whose writer died before writing it: judge it by age
            age = time.time() - st.st_mtime
            stale = age > stale_after
            if isinstance(info, dict) and info.get("host") == socket.gethostname():
                pid = info.get("pid")
                if isinstance(pid, int) and not _pid_alive(pid):
                    stale = True
            elif info is None and age > min(stale_after, 5.0):
                stale = True
            if stale:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            return stale
        finally:
            os.close(lock)

    # -- export -----------------------------------------------------------------------------

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Writes one flat row per record (config.*, result.* scalars, scope.*, provenance.*)."""
        rows = []
        for r in self.records():
            row = {"key": r["key"], "dtype": r.get("dtype")}
            for section in ("config", "scope", "result", "provenance"):
                for k, v in (r.get(section) or {}).items():
                    if not isinstance(v, (list, dict)):
                        row[f"{section}.{k}"] = v
            rows.append(row)
        fields = sorted({k for row in rows for k in row})
        path = Path(path)
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        return path


def as_store(store: Any, name: str = "store") -> ResultStore | None:
    """A store argument as a :class:`ResultStore`: ``None`` stays ``None``, a path (``str`` or
    ``os.PathLike``) is opened (and created) for the caller, a store is returned as it is."""
    if store is None or isinstance(store, ResultStore):
        return store
    if isinstance(store, (str, os.PathLike)):
        return ResultStore(store)
    raise TypeError(f"{name} must be a ResultStore or a directory path, got {store!r} "
                    f"({type(store).__name__})")


def load_results(root: str | os.PathLike, where: Mapping[str, Any] | None = None) -> list[dict]:
    """Loads every record of a store in one call: ``[{"key", "config", "scope", "dtype", "result",
    "provenance", ...}]``."""
    root = Path(root)
    if not (root / "records").is_dir():
        raise StoreError(f"no results store at {root}: run `embtheory reproduce ... --out {root}`")
    return ResultStore(root).records(where)


def run_sweep(
    store: ResultStore | str | os.PathLike,
    configs: Sequence[Any] | Iterable[Any],
    fn: Callable[[Any], Mapping[str, Any]],
    *,
    desc: str = "sweep",
    progress: bool = True,
    seed_of: Callable[[Any], int | None] | None = None,
    poll: float = 0.2,
) -> list[dict]:
    """Runs ``fn`` on every config not yet in ``store``, recording each as it finishes.

    Each unit is claimed while it runs, so several processes running the same sweep on one
    store split the units between them; a process whose remaining units are all claimed by
    live processes waits (polling every ``poll`` seconds) and then reads their records.

    Args:
        store: where results go: a :class:`ResultStore` or a directory path (opened here).
        configs: the units of the sweep (dataclasses or dicts).
        fn: ``config -> result``; the result must be JSON-able (see :func:`to_jsonable`).
        desc: the progress bar's label.
        progress: show a progress bar.
        seed_of: how to read a unit's seed for its provenance (default: ``config.seed``).
        poll: seconds between looks at units claimed by other processes.

    Returns:
        The results of every config, in order: stored ones are read back, not recomputed.
    """
    if store is None:
        raise TypeError("store must be a ResultStore or a directory path, got None")
    store = as_store(store, "store")
    progress = check_bool(progress, "progress")
    if not callable(fn):
        raise TypeError(f"fn must be a function config -> result, got {type(fn).__name__}")
    configs = list(configs)
    results: list[dict | None] = [store.get(c) for c in configs]
    pending = [i for i, r in enumerate(results) if r is None]
    for i, r in enumerate(results):
        if r is not None:  # recorded, but its process may have died before releasing the claim
            store.drop_stale_claim(configs[i])
    bar = _progress(total=len(configs), initial=len(configs) - len(pending), desc=desc,
                    enabled=progress)
    try:
        while pending:
            waiting = []
            for i in pending:
                cfg = configs[i]
                r = store.get(cfg)
                if r is None:
                    claim = store.claim(cfg)
                    if claim is None:
                        waiting.append(i)
                        continue
                    with claim:
                        r = store.get(cfg)  # finished by another process since we looked
                        if r is None:
                            t0 = time.perf_counter()
                            result = fn(cfg)
                            wall = time.perf_counter() - t0
                            seed = seed_of(cfg) if seed_of else (
                                cfg.get("seed") if isinstance(cfg, Mapping) else getattr(cfg, "seed", None))
                            r = store.put(cfg, result, seed=seed, wall_time=wall)["result"]
                results[i] = r
                bar.update(1)
            if waiting and waiting == pending:
                time.sleep(poll)
            pending = waiting
    finally:
        bar.close()
    return results  # type: ignore[return-value]

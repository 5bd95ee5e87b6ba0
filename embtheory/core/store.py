"""The results store: one record per finished unit of work, keyed by its configuration.

A *unit* is one run of one configuration (one seed of one n at one d, one point of a
concentration sweep, ...).  Each finished unit is written as soon as it finishes to
``<root>/records/<hash>.json`` through a temporary file and ``os.replace``, which is atomic
on POSIX: a sweep killed at any moment, SIGKILL included, leaves either no record or a
complete one, never a torn or duplicated one.  A resumed sweep skips every unit whose record
exists.

Records are plain JSON (``{"key", "config", "result", "provenance"}``) and the whole store
loads in one call (:func:`load_results`) or exports to CSV (:meth:`ResultStore.to_csv`).

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

import csv
import dataclasses
import hashlib
import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embtheory.core.progress import progress as _progress
from embtheory.core.provenance import provenance as _provenance

__all__ = [
    "ResultStore",
    "StoreError",
    "config_hash",
    "load_results",
    "run_sweep",
    "to_jsonable",
]


class StoreError(RuntimeError):
    """A results store that cannot be read or written; the message names the file and the fix."""


def to_jsonable(obj: Any) -> Any:
    """Converts configs and results to plain JSON types.

    Dataclasses become dicts, NumPy/JAX arrays become (nested) lists, NumPy scalars become
    Python scalars, tuples become lists and non-finite floats become the strings ``"nan"``,
    ``"inf"`` and ``"-inf"`` (JSON has no literal for them).
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (str, bool)) or obj is None:
        return obj
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "__array__"):  # numpy or jax arrays
        return to_jsonable(np.asarray(obj).tolist())
    raise TypeError(
        f"cannot store a value of type {type(obj).__name__}: configs and results must be "
        "made of dataclasses, dicts, lists, numbers, strings, booleans or arrays"
    )


def config_hash(config: Any) -> str:
    """A canonical hash of a configuration: sha256 of its sorted-key JSON, 20 hex digits."""
    canonical = json.dumps(to_jsonable(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _atomic_write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; records are ordinary files
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _is_writer() -> bool:
    import jax

    return jax.process_index() == 0


class ResultStore:
    """A directory of JSON records, one per finished unit, keyed by :func:`config_hash`.

    Args:
        root: the store's directory; created if missing.
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self._records = self.root / "records"
        try:
            self._records.mkdir(parents=True, exist_ok=True)
            # A probe of this process's own: several processes may open one store at once.
            with tempfile.NamedTemporaryFile(dir=self._records, prefix=".write-probe-"):
                pass
        except OSError as e:
            raise StoreError(
                f"results directory {self.root} is not writable ({e.strerror}): "
                "pass --out with a directory you can write to"
            ) from None

    def _path(self, key: str) -> Path:
        return self._records / f"{key}.json"

    def _read(self, path: Path) -> dict:
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
        return record

    def __contains__(self, config: Any) -> bool:
        return self._path(config_hash(config)).exists()

    def __len__(self) -> int:
        return sum(1 for _ in self._records.glob("*.json"))

    def get(self, config: Any) -> dict | None:
        """The stored result of ``config``, or None when it has not been run."""
        path = self._path(config_hash(config))
        return self._read(path)["result"] if path.exists() else None

    def put(self, config: Any, result: Mapping[str, Any], *, seed: int | None = None,
            wall_time: float | None = None) -> dict:
        """Records a finished unit atomically and returns the record written.

        In a multi-host run (``jax.process_count() > 1``) only process 0 writes; every process
        returns the same record.
        """
        key = config_hash(config)
        record = {
            "key": key,
            "config": to_jsonable(config),
            "result": to_jsonable(result),
            "provenance": {**_provenance(), "seed": seed, "wall_time_s": wall_time,
                           "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
        }
        if _is_writer():
            _atomic_write_text(self._path(key), json.dumps(record, indent=1, sort_keys=True))
        return record

    def records(self, where: Mapping[str, Any] | None = None) -> list[dict]:
        """All records, sorted by key; ``where`` keeps those whose config has these values."""
        out = [self._read(p) for p in sorted(self._records.glob("*.json"))]
        if where:
            want = to_jsonable(dict(where))
            out = [r for r in out if all(r["config"].get(k) == v for k, v in want.items())]
        return out

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Writes one flat row per record (config.*, result.* scalars, provenance.*)."""
        rows = []
        for r in self.records():
            row = {"key": r["key"]}
            for section in ("config", "result", "provenance"):
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


def load_results(root: str | os.PathLike, where: Mapping[str, Any] | None = None) -> list[dict]:
    """Loads every record of a store in one call: ``[{"key", "config", "result", "provenance"}]``."""
    root = Path(root)
    if not (root / "records").is_dir():
        raise StoreError(f"no results store at {root}: run `embtheory reproduce ... --out {root}`")
    return ResultStore(root).records(where)


def run_sweep(
    store: ResultStore,
    configs: Sequence[Any] | Iterable[Any],
    fn: Callable[[Any], Mapping[str, Any]],
    *,
    desc: str = "sweep",
    progress: bool = True,
    seed_of: Callable[[Any], int | None] | None = None,
) -> list[dict]:
    """Runs ``fn`` on every config not yet in ``store``, recording each as it finishes.

    Args:
        store: where results go.
        configs: the units of the sweep (dataclasses or dicts).
        fn: ``config -> result``; the result must be JSON-able (see :func:`to_jsonable`).
        desc: the progress bar's label.
        progress: show a progress bar.
        seed_of: how to read a unit's seed for its provenance (default: ``config.seed``).

    Returns:
        The results of every config, in order: stored ones are read back, not recomputed.
    """
    configs = list(configs)
    results: list[dict | None] = [store.get(c) for c in configs]
    todo = [i for i, r in enumerate(results) if r is None]
    bar = _progress(total=len(configs), initial=len(configs) - len(todo), desc=desc,
                    enabled=progress)
    try:
        for i in todo:
            t0 = time.perf_counter()
            result = fn(configs[i])
            wall = time.perf_counter() - t0
            cfg = configs[i]
            seed = seed_of(cfg) if seed_of else (
                cfg.get("seed") if isinstance(cfg, Mapping) else getattr(cfg, "seed", None))
            results[i] = store.put(cfg, result, seed=seed, wall_time=wall)["result"]
            bar.update(1)
    finally:
        bar.close()
    return results  # type: ignore[return-value]

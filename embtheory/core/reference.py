"""The reference store: full-size records kept with the code, and the pages rendered from them.

``make reproduce-full`` writes every experiment's units at the paper's size into a results store;
its records (results and provenance only) are kept under ``reference/`` in the repository.  The
theory pages of the docs show figures and tables rendered from that store by :func:`render`, which
runs each experiment against a :class:`FrozenStore`: every unit is read back, none is computed, and a
missing unit is an error that names the command that computes it.  So a page can never show a number
that the stored records do not hold, and a test can re-render the pages and compare them with the
committed ones (:func:`stable_text` drops the lines that change from run to run: wall times, dates).

Why a read-only view rather than a flag on :class:`~embtheory.core.store.ResultStore`: the docs build
must not write into the committed store by accident, and a subclass keeps that rule in one place.

Command line (what ``make docs-reference`` runs)::

    python -m embtheory.core.reference --store reference --out docs/reference
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from embtheory.core.experiment import Experiment, run_experiment
from embtheory.core.store import ResultStore, StoreError

__all__ = ["FrozenStore", "MissingUnitError", "render", "stable_text"]

_FIX = ("run `make reproduce-full` (or `embtheory reproduce NAME --full --out reference-run`) and copy "
        "its store")


class MissingUnitError(StoreError):
    """A unit that a rendered page needs is not in the reference store."""


class FrozenStore(ResultStore):
    """A results store that is only read: ``put`` and ``claim`` raise :class:`MissingUnitError`.

    Args:
        root: the store's directory (it must exist and hold ``records/``).
    """

    def __init__(self, root: str | Path):
        root = Path(root)
        if not (root / "records").is_dir():
            raise StoreError(f"no reference store at {root} (no records/ folder): {_FIX}")
        self.root, self.scope = root, {}
        self._records, self._claims = root / "records", root / "claims"

    def scoped(self, *, experiment: str, revision: int) -> FrozenStore:
        view = super().scoped(experiment=experiment, revision=revision)
        frozen = object.__new__(FrozenStore)
        frozen.__dict__.update(view.__dict__)
        return frozen

    def _missing(self, config: Any) -> MissingUnitError:
        where = f"{self.scope.get('experiment', '?')} (revision {self.scope.get('revision', '?')})"
        return MissingUnitError(f"the reference store {self.root} has no record of a unit of {where}: "
                                f"{config!r}; {_FIX}")

    def put(self, config: Any, result: Any, *, seed: int | None = None, wall_time: float | None = None):
        raise self._missing(config)

    def claim(self, config: Any):
        raise self._missing(config)

    def drop_stale_claim(self, config: Any) -> None:
        return None


_VOLATILE = re.compile(r"^_size .*wall time .*_$|^\s*done in .*$")


def stable_text(report: str) -> str:
    """``report`` without the lines that differ between two renderings of the same records."""
    return "\n".join(line for line in report.splitlines() if not _VOLATILE.match(line)).strip() + "\n"


def render(experiments: Iterable[Experiment], *, store: str | Path, out: str | Path, seed: int = 0,
           size: str = "full") -> list[Path]:
    """Renders each experiment's report and figures from the reference store into ``out/<name>/``.

    Returns:
        The ``report.md`` written for each experiment, in order.

    Raises:
        MissingUnitError: a unit an experiment needs is not stored (nothing is computed).
    """
    frozen = FrozenStore(store)
    paths = []
    for exp in experiments:
        res = run_experiment(exp, out=out, store=frozen, size=size, seed=seed, progress=False)
        text = stable_text(res.report_path.read_text())
        # file paths in the report are relative to the output folder, never this machine's
        text = text.replace(str(Path(out).resolve()) + "/", "").replace(str(Path(out)) + "/", "")
        res.report_path.write_text(text)
        paths.append(res.report_path)
    return paths


def _experiments(names: Sequence[str]) -> list[Experiment]:
    from embtheory.cli import discover

    found = {e.name: e for e in discover()}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise SystemExit(f"unknown experiment(s): {', '.join(unknown)}; `embtheory list` shows them")
    return [found[n] for n in names]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m embtheory.core.reference", description=__doc__.split("\n")[0])
    p.add_argument("--store", default="reference", help="the reference store (default: reference)")
    p.add_argument("--out", default="docs/reference",
                   help="where pages are rendered (default: docs/reference)")
    p.add_argument("names", nargs="*", help="experiments (default: every one listed in reference/RENDERED)")
    args = p.parse_args(argv)
    names = args.names or [n.strip() for n in (Path(args.store) / "RENDERED").read_text().split()
                           if n.strip() and not n.startswith("#")]
    try:
        paths = render(_experiments(names), store=args.store, out=args.out)
    except MissingUnitError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

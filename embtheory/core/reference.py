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

__all__ = ["FrozenStore", "MissingUnitError", "render", "rendered_names", "stable_text"]

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


def _provenance_line(store: FrozenStore, exp: Experiment) -> str:
    """Where the page's numbers come from: how many records, which commits, backends and dates."""
    records = store.scoped(experiment=exp.name, revision=exp.revision).records()
    if not records:
        return "_Computed while rendering (this experiment stores no units)._"
    prov = [r.get("provenance") or {} for r in records]
    commits = sorted({str(p.get("git_commit") or "unknown")[:10] for p in prov})
    backends = sorted({str(p.get("backend") or "unknown") for p in prov})
    days = sorted({str(p.get("finished_at") or "")[:10] for p in prov} - {""})
    when = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}" if days else "unknown dates"
    return (f"_Rendered from {len(records)} records of the reference store (revision {exp.revision}), "
            f"computed at commit {', '.join(commits)} on {', '.join(backends)}, {when}._")


def _page(text: str, exp: Experiment, exp_dir: Path, provenance: str) -> str:
    """The report as a docs page: a title, the provenance line, figures shown and tables inlined.

    A PNG is shown, a PDF removed (it is for papers), a Markdown table inlined (and its file
    removed, so the docs do not take it for a page of its own), any other file offered as a
    download.
    """
    body, cpu = [], []
    for line in text.splitlines():
        if line.startswith("_The part of the paper's size a CPU finishes"):
            cpu = [line, ""]
            continue
        m = re.match(r"^- `(?:[^`/]+/)?([^`/]+)`$", line)
        name = m.group(1) if m else ""
        if name.endswith(".pdf"):
            continue
        if name.endswith(".png"):
            body += [f"![{name}]({name})", ""]
        elif name.endswith(".md") and (exp_dir / name).is_file():
            body += ["", (exp_dir / name).read_text().strip(), ""]
            (exp_dir / name).unlink()
        elif name:
            body.append(f"- {{download}}`{name}`")
        else:
            body.append(line)
    # "Files:" heads what is left of the list; with nothing left under it, it goes
    cleaned = []
    for i, line in enumerate(body):
        if line.strip() == "Files:":
            if not any(x.strip() for x in body[i + 1:]):
                continue
            line = "Figures and tables:"
        cleaned.append(line)
    head = [f"# {exp.title}", "", f"{exp.paper}.", "", provenance, "", *cpu]
    return "\n".join(head + cleaned).rstrip() + "\n"


def render(experiments: Iterable[Experiment], *, store: str | Path, out: str | Path, seed: int = 0,
           size: str = "full-cpu") -> list[Path]:
    """Renders each experiment's page and figures from the reference store into ``out/<name>/``.

    Each page is the experiment's report with a title, a line saying which records it was
    rendered from, and its PNG figures shown inline (PDFs are removed).  ``out/index.md`` lists
    the pages by area.

    Returns:
        The ``report.md`` written for each experiment, in order.

    Raises:
        MissingUnitError: a unit an experiment needs is not stored (nothing is computed).
    """
    frozen = FrozenStore(store)
    out = Path(out)
    paths, done = [], []
    for exp in experiments:
        res = run_experiment(exp, out=out, store=frozen, size=size, seed=seed, progress=False)
        text = stable_text(res.report_path.read_text())
        # file paths in the report are relative to the output folder, never this machine's
        text = text.replace(str(out.resolve()) + "/", "").replace(str(out) + "/", "")
        exp_dir = res.report_path.parent
        for pdf in exp_dir.glob("*.pdf"):
            pdf.unlink()
        res.report_path.write_text(_page(text, exp, exp_dir, _provenance_line(frozen, exp)))
        paths.append(res.report_path)
        done.append(exp)
    _write_index(out, done)
    return paths


def _write_index(out: Path, experiments: Sequence[Experiment]) -> None:
    areas: dict[str, list[Experiment]] = {}
    for exp in experiments:
        areas.setdefault(exp.area, []).append(exp)
    lines = ["# Full-size results", "",
             "Every page below is rendered by `make docs-reference` from the records of the reference "
             "store (`reference/` in the repository), which `make reproduce-full` computes; nothing on "
             "these pages is copied by hand, and a test fails when a page differs from what the store "
             "renders.", ""]
    for area, exps in areas.items():
        lines += ["```{toctree}", f":caption: {area}", ":maxdepth: 1", ""]
        lines += [f"{e.name}/report" for e in exps]
        lines += ["```", ""]
    (out / "index.md").write_text("\n".join(lines))


def rendered_names(store: str | Path) -> list[str]:
    """The experiments listed in ``<store>/RENDERED`` (one per line; ``#`` starts a comment)."""
    path = Path(store) / "RENDERED"
    if not path.is_file():
        raise StoreError(f"{path} is missing: it lists the experiments whose pages are rendered")
    return [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()
            if line.split("#", 1)[0].strip()]


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
    names = args.names or rendered_names(args.store)
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

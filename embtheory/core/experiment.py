"""What a reproducible figure or table is, for the ``embtheory`` command line.

Each module ``experiments/<area>_*.py`` (outside the package: the library never imports the
experiments) defines ``EXPERIMENTS = [Experiment(...), ...]``.  ``embtheory list`` shows them
and ``embtheory reproduce NAME|AREA|all`` calls ``experiment.run(ctx)`` with a
:class:`RunContext`.  ``run`` writes its figures under ``ctx.out_dir`` and every finished unit
through ``ctx.store``, and returns a :class:`Report` whose lines go into the run's report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from embtheory.core.store import ResultStore

__all__ = ["AREAS", "Experiment", "Report", "RunContext"]

AREAS = {
    "signrank": "Free-embedding sign-rank optimisation (LIMIT), Weller et al. 2025",
    "qkernels": "Exponential concentration in quantum kernel methods, Thanasilp et al. 2024",
    "depth": "Statistical depth of transformer text embeddings, Seegmiller & Preum 2023",
    "text": "Real transformer text embeddings: depth and LIMIT on real text",
}


@dataclasses.dataclass(frozen=True)
class RunContext:
    """What an experiment's ``run`` receives.

    Attributes:
        out_dir: this experiment's own output folder (figures, tables); it exists.
        store: the results store shared by all experiments of the run (resumable units).
        quick: the quick size (CPU, minutes) rather than the full size.
        seed: the one seed every key derives from.
        progress: show progress bars.
    """

    out_dir: Path
    store: ResultStore
    quick: bool = True
    seed: int = 0
    progress: bool = True


@dataclasses.dataclass
class Report:
    """What an experiment returns: a title, lines of findings, and the files it wrote."""

    title: str
    lines: list[str] = dataclasses.field(default_factory=list)
    files: list[Path] = dataclasses.field(default_factory=list)

    def markdown(self) -> str:
        body = "\n".join(f"- {line}" for line in self.lines)
        files = "\n".join(f"- `{p}`" for p in self.files)
        return f"## {self.title}\n\n{body}\n\nFiles:\n{files}\n"


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A reproducible figure or table.

    Attributes:
        name: a short unique name, e.g. ``"signrank-critical-n"``.
        area: one of :data:`AREAS`.
        title: what it reproduces, e.g. ``"Table 6 / Fig. 2: critical n vs d"``.
        paper: the source, e.g. ``"Weller et al. 2025, Fig. 2"``.
        runtime_quick: expected wall time of the quick size on a 2-core CPU, e.g. ``"2 min"``.
        runtime_full: expected wall time of the full size and where, e.g. ``"30 min, 1 H100"``.
        run: ``RunContext -> Report``; None while it is not yet available.
    """

    name: str
    area: str
    title: str
    paper: str
    runtime_quick: str
    runtime_full: str
    run: Callable[[RunContext], Report] | None = None

    @property
    def available(self) -> bool:
        return self.run is not None

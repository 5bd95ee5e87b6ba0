"""What a reproducible figure or table is, and the one runner that runs it.

Each module ``experiments/<area>_*.py`` (outside the package: the library never imports the
experiments) defines ``EXPERIMENTS = [Experiment(...), ...]``.  The typed shape::

    @sizes(full=dict(shifts=(0.0, 0.25, 0.5, 0.75, 1.0)),
           tiny=dict(shifts=(0.0, 1.0)))        # tiny: seconds; the tests run it
    @dataclasses.dataclass(frozen=True)
    class PowerConfig:
        '''The command, measured quick runtime, what full adds, the paper's numbers.'''
        shifts: tuple[float, ...] = (0.0, 0.5, 1.0)

    def run(cfg: PowerConfig, ctx: RunContext) -> Report: ...

    EXPERIMENTS = [Experiment(name="depth-power-curves", area="depth", title=..., paper=...,
                              config=PowerConfig, run=run, revision=1)]

``revision`` is bumped whenever a change alters the experiment's numbers: the units it stored
under an older revision are recomputed (and the runner says how many), never mixed in.  The old
shape, ``run(ctx)`` without ``config``, still works.

:func:`run_experiment` is the one runner (``embtheory reproduce`` calls it): it builds the config
of the requested size, scopes the store to the experiment and its revision, turns x64 on when the
experiment asks, applies the house figure style, writes the experiment's ``report.md``
atomically and :func:`write_report` gathers every experiment of the output folder into
``REPORT.md``.  Measured runtimes live in ``experiments/_runtimes.py``, not here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from embtheory.core.provenance import git_commit
from embtheory.core.store import ResultStore, atomic_write_text, run_sweep, to_jsonable

__all__ = [
    "AREAS",
    "SIZES",
    "Experiment",
    "Report",
    "RunContext",
    "RunResult",
    "derive_key",
    "derive_seed",
    "run_experiment",
    "sizes",
    "write_report",
]

AREAS = {
    "signrank": "Free-embedding sign-rank optimisation (LIMIT), Weller et al. 2025",
    "qkernels": "Exponential concentration in quantum kernel methods, Thanasilp et al. 2024",
    "depth": "Statistical depth of transformer text embeddings, Seegmiller & Preum 2023",
    "text": "Real transformer text embeddings: depth and LIMIT on real text",
}

#: The sizes of a typed experiment's config: the quick CPU size, the paper's size, the part of the
#: paper's size a CPU finishes (``full-cpu``: what ``make reproduce-full`` runs and the reference
#: store holds), and a tiny size of seconds that the test suite runs end to end.
SIZES = ("quick", "full", "full-cpu", "tiny")
#: The classmethods every typed config defines; ``cpu_full()`` is optional (default: ``full()``,
#: when a CPU finishes the whole paper size), and then ``CPU_NOTE`` says what only a GPU adds.
REQUIRED_SIZES = ("quick", "full", "tiny")

SEED_MAX = 2**32 - 1


def _check_seed(seed: Any) -> int:
    import numpy as np

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer in [0, {SEED_MAX}], got {seed!r} ({type(seed).__name__})")
    if not 0 <= int(seed) <= SEED_MAX:
        raise ValueError(f"seed must be an integer in [0, {SEED_MAX}], got {seed}")
    return int(seed)


def _purpose_digest(seed: int, purpose: Sequence[Any]) -> bytes:
    if not purpose:
        raise ValueError("purpose must name what the key or seed is for, e.g. ctx.key('init')")
    for p in purpose:
        if not isinstance(p, (str, int, float)) and not hasattr(p, "dtype"):
            raise TypeError(f"purpose names must be strings or numbers, got {p!r} ({type(p).__name__})")
    text = json.dumps([_check_seed(seed), to_jsonable(list(purpose), canonical=True)],
                      separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).digest()


def derive_key(seed: int, *purpose: Any):
    """A typed PRNG key derived from ``seed`` and purpose names (stable: sha256 of the names).

    ``derive_key(0, "augment", "swap", 0.1)`` is the same in every process and Python version;
    different names give independent keys whatever their lengths or positions.
    """
    import jax

    digest = _purpose_digest(seed, purpose)
    key = jax.random.key(_check_seed(seed))
    for i in range(2):
        key = jax.random.fold_in(key, int.from_bytes(digest[4 * i: 4 * i + 4], "little"))
    return key


def derive_seed(seed: int, *purpose: Any) -> int:
    """An integer seed in [0, 2**31) derived from ``seed`` and purpose names (see :func:`derive_key`)."""
    return int.from_bytes(_purpose_digest(seed, purpose)[:4], "little") & 0x7FFFFFFF


def sizes(*, quick: Mapping[str, Any] | None = None, full: Mapping[str, Any] | None = None,
          tiny: Mapping[str, Any] | None = None, cpu_full: Mapping[str, Any] | None = None,
          cpu_note: str = "") -> Callable[[type], type]:
    """A class decorator that gives a typed config the classmethods :data:`REQUIRED_SIZES` names.

    Each size is the config's field defaults with the fields named here changed (a size not
    named is the defaults), so that a config states what differs between its sizes and nothing
    else.  It goes above ``@dataclasses.dataclass(frozen=True)``.  Where a CPU does not finish the
    full size, ``cpu_full`` names the part it does (the ``full-cpu`` size) and ``cpu_note`` says
    what only a GPU adds (the config's ``CPU_NOTE``).

    Example:
        >>> @sizes(full=dict(shifts=(0.0, 0.5, 1.0)))
        ... @dataclasses.dataclass(frozen=True)
        ... class PowerConfig:
        ...     shifts: tuple[float, ...] = (0.0, 1.0)
        >>> PowerConfig.quick(), PowerConfig.full().shifts
        (PowerConfig(shifts=(0.0, 1.0)), (0.0, 0.5, 1.0))
    """
    changes = {"quick": dict(quick or {}), "full": dict(full or {}), "tiny": dict(tiny or {})}
    if cpu_full is not None:
        if not cpu_note:
            raise ValueError("sizes(cpu_full=...) needs cpu_note: what only a GPU adds to the full size")
        changes["cpu_full"] = dict(cpu_full)

    def size(fields: dict[str, Any]):
        return classmethod(lambda cls: cls(**fields))

    def decorate(cls: type) -> type:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"sizes goes above @dataclasses.dataclass(frozen=True), not on {cls!r}")
        names = {f.name for f in dataclasses.fields(cls)}
        for name, fields in changes.items():
            unknown = sorted(set(fields) - names)
            if unknown:
                raise TypeError(f"{cls.__name__}.{name}() changes {', '.join(unknown)}, which are not "
                                f"fields of {cls.__name__} ({', '.join(sorted(names))})")
            setattr(cls, name, size(fields))
        if cpu_full is not None:
            cls.CPU_NOTE = cpu_note
        return cls

    return decorate


@dataclasses.dataclass(frozen=True)
class RunContext:
    """What an experiment's ``run`` receives.

    Attributes:
        out_dir: this experiment's own output folder (figures, tables); it exists.
        store: the results store, scoped to this experiment and its revision (resumable units).
        quick: the quick or tiny size rather than the full size (or its CPU part).
        seed: the one seed every key derives from.
        progress: show progress bars.
        size: one of :data:`SIZES`.
        name: the experiment's name.
    """

    out_dir: Path
    store: ResultStore
    quick: bool = True
    seed: int = 0
    progress: bool = True
    size: str = "quick"
    name: str = ""

    def key(self, *purpose: Any):
        """A typed key for one purpose, e.g. ``ctx.key("random-baseline", corpus)``."""
        return derive_key(self.seed, *purpose)

    def seed_for(self, *purpose: Any) -> int:
        """An integer seed for one purpose (for host-side NumPy generators and seed-keyed APIs)."""
        return derive_seed(self.seed, *purpose)

    def sweep(self, configs: Iterable[Any], fn: Callable[[Any], Mapping[str, Any]], *,
              desc: str | None = None) -> list[dict]:
        """Runs the units not yet stored (claimed, so several processes split them), in order."""
        return run_sweep(self.store, configs, fn, desc=desc or self.name or "sweep", progress=self.progress)


@dataclasses.dataclass
class Report:
    """What an experiment returns: a title, lines of findings, and the files it wrote."""

    title: str
    lines: list[str] = dataclasses.field(default_factory=list)
    files: list[Path] = dataclasses.field(default_factory=list)

    def markdown(self) -> str:
        """The report's section of REPORT.md; a report that wrote no file has no "Files:" list."""
        body = "\n".join(f"- {line}" for line in self.lines)
        text = f"## {self.title}\n\n{body}\n"
        if self.files:
            text += "\nFiles:\n" + "\n".join(f"- `{p}`" for p in self.files) + "\n"
        return text


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A reproducible figure or table.

    Attributes:
        name: a short unique name, e.g. ``"signrank-critical-n"``.
        area: one of :data:`AREAS`.
        title: what it reproduces, e.g. ``"Table 6 / Fig. 2: critical n vs d"``.
        paper: the source, e.g. ``"Weller et al. 2025, Fig. 2"``.
        runtime_quick, runtime_full: old-style runtime notes; measured runtimes live in
            ``experiments/_runtimes.py`` and take precedence.
        run: ``run(cfg, ctx) -> Report`` with ``config``, else the old ``run(ctx) -> Report``;
            None while it is not yet available.
        config: a frozen dataclass class with classmethods ``quick()``, ``full()`` and ``tiny()``
            (:func:`sizes` writes them from what each size changes).
        revision: the code revision of the experiment's numbers (bump it when they change).
        x64: run with JAX's x64 mode on.
    """

    name: str
    area: str
    title: str
    paper: str
    runtime_quick: str = ""
    runtime_full: str = ""
    run: Callable[..., Report] | None = None
    config: type | None = None
    revision: int = 0
    x64: bool = False

    def __post_init__(self):
        if self.config is not None:
            if not (isinstance(self.config, type) and dataclasses.is_dataclass(self.config)):
                raise TypeError(f"experiment {self.name!r}: config must be a frozen dataclass class, "
                                f"got {self.config!r}")
            if not self.config.__dataclass_params__.frozen:
                raise TypeError(f"experiment {self.name!r}: config {self.config.__name__} must be frozen "
                                "(@dataclasses.dataclass(frozen=True))")
            missing = [s for s in REQUIRED_SIZES if not callable(getattr(self.config, s, None))]
            if missing:
                raise TypeError(f"experiment {self.name!r}: config {self.config.__name__} lacks the "
                                f"classmethod(s) {', '.join(missing)}")
        if isinstance(self.revision, bool) or not isinstance(self.revision, int) or self.revision < 0:
            raise ValueError(f"experiment {self.name!r}: revision must be a non-negative integer, "
                             f"got {self.revision!r}")

    @property
    def available(self) -> bool:
        return self.run is not None

    @property
    def typed(self) -> bool:
        """Whether it has the typed shape (``config`` and ``run(cfg, ctx)``)."""
        return self.config is not None

    def make_config(self, size: str = "quick"):
        """The config of ``size`` (one of :data:`SIZES`)."""
        if size not in SIZES:
            raise ValueError(f"size must be one of {', '.join(SIZES)}, got {size!r}")
        if self.config is None:
            raise TypeError(f"experiment {self.name!r} has no typed config (old run(ctx) style)")
        if size == "full-cpu":
            return getattr(self.config, "cpu_full", self.config.full)()
        return getattr(self.config, size)()

    @property
    def cpu_note(self) -> str:
        """What the ``full-cpu`` size leaves to a GPU ("" when a CPU runs the whole paper size)."""
        if self.config is None or not callable(getattr(self.config, "cpu_full", None)):
            return ""
        return str(getattr(self.config, "CPU_NOTE", "part of the full size"))


class RunResult(NamedTuple):
    """What :func:`run_experiment` returns.

    Attributes:
        report: the experiment's report.
        wall_s: its wall time in seconds.
        stale: ``{revision: records}`` of this experiment's other revisions, recomputed.
        report_path: the experiment's ``report.md``.
    """

    report: Report
    wall_s: float
    stale: dict
    report_path: Path


@contextlib.contextmanager
def _x64(on: bool):
    import jax

    before = bool(jax.config.jax_enable_x64)
    if not on or before:
        yield
        return
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", before)


def run_experiment(exp: Experiment, *, out: str | Path, store: ResultStore, size: str = "quick",
                   seed: int = 0, progress: bool = True,
                   log: Callable[[str], None] | None = None) -> RunResult:
    """Runs one experiment: config of ``size``, scoped store, x64, house style, ``report.md``.

    Args:
        exp: the experiment.
        out: the output folder of the run; the experiment writes under ``out/<name>/``.
        store: the run's results store (this function scopes it to ``exp``'s name and revision).
        size: one of :data:`SIZES`.
        seed: the one seed every key derives from.
        progress: show progress bars.
        log: where to say how many stored units are stale (default: nowhere).
    """
    from embtheory.core.plotting import house_style

    if not exp.available:
        raise ValueError(f"experiment {exp.name!r} is not yet available")
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, got {size!r}")
    seed = _check_seed(seed)
    exp_dir = Path(out) / exp.name
    exp_dir.mkdir(parents=True, exist_ok=True)
    # the commit is read once per process: here, before any unit runs, so that records name the code
    # the run started with even when the checkout moves on while it runs
    git_commit()
    scoped = store.scoped(experiment=exp.name, revision=exp.revision)
    stale = scoped.other_revisions()
    if stale and log is not None:
        n = sum(stale.values())
        revs = ", ".join(str(r) for r in sorted(stale, key=str))
        log(f"    {n} stored unit(s) of {exp.name} are from revision {revs}, not the current "
            f"revision {exp.revision}: they are recomputed, not reused")
    ctx = RunContext(out_dir=exp_dir, store=scoped, quick=size in ("quick", "tiny"), seed=seed,
                     progress=progress, size=size, name=exp.name)
    t0 = time.perf_counter()
    with _x64(exp.x64), house_style():
        report = exp.run(exp.make_config(size), ctx) if exp.typed else exp.run(ctx)
    wall = time.perf_counter() - t0
    if not isinstance(report, Report):
        raise TypeError(f"experiment {exp.name!r} returned {type(report).__name__}, not a Report")
    meta = (f"\n_size {size}; seed {seed}; revision {exp.revision}; wall time {wall:.1f} s; "
            f"finished {time.strftime('%Y-%m-%d %H:%M:%S %Z')}_\n")
    if size == "full-cpu" and exp.cpu_note:
        meta = f"\n_The part of the paper's size a CPU finishes: {exp.cpu_note}._\n" + meta
    path = exp_dir / "report.md"
    atomic_write_text(path, report.markdown() + meta, root=Path(out))
    return RunResult(report, wall, stale, path)


def write_report(out: str | Path, *, order: Sequence[str] = (), header: str = "") -> Path:
    """Writes ``out/REPORT.md`` atomically from every ``out/<experiment>/report.md`` present.

    Experiments run by earlier commands on the same folder keep their sections.  ``order`` lists
    experiment names in the order to show them (the others follow, sorted).
    """
    out = Path(out)
    found = {p.parent.name: p for p in out.glob("*/report.md") if p.is_file()}
    names = [n for n in order if n in found] + sorted(n for n in found if n not in order)
    sections = []
    for n in names:
        try:
            sections.append(found[n].read_text())
        except OSError:
            continue
    text = (f"# embtheory reproduction report\n\n{len(sections)} experiment(s) in {out}"
            f"{'; ' + header if header else ''}.\n\n" + "\n".join(sections))
    path = out / "REPORT.md"
    atomic_write_text(path, text, root=out)
    return path

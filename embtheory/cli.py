"""The ``embtheory`` command line: ``list``, ``reproduce``, ``info``.

Experiments live outside the package, in ``experiments/<area>_*.py`` of the source checkout
(or the folder named by ``EMBTHEORY_EXPERIMENTS``); each module defines ``EXPERIMENTS``.
Errors print one line naming the problem and the fix (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
import traceback
from pathlib import Path

__all__ = ["discover", "main"]


class CLIError(Exception):
    """An error the user can fix; printed as one line."""


def experiments_dir() -> Path:
    """Where the experiment modules are: ``$EMBTHEORY_EXPERIMENTS`` or ``<checkout>/experiments``."""
    env = os.environ.get("EMBTHEORY_EXPERIMENTS")
    path = Path(env) if env else Path(__file__).resolve().parents[1] / "experiments"
    if not path.is_dir():
        raise CLIError(
            f"no experiments folder at {path}: run embtheory from a source checkout "
            "(pip install -e .) or set EMBTHEORY_EXPERIMENTS to the experiments/ folder"
        )
    return path


def discover(path: Path | None = None, *, errors: list[str] | None = None):
    """Imports every ``experiments/*.py`` and returns their experiments, in a stable order.

    Files starting with ``_`` are private helpers, importable by the others with a plain import.
    """
    from embtheory.core.experiment import AREAS, Experiment

    path = experiments_dir() if path is None else path
    if str(path) not in sys.path:  # experiment modules may share private helpers (_name.py)
        sys.path.insert(0, str(path))
    found: dict[str, Experiment] = {}
    for file in sorted(path.glob("[!_]*.py")):
        name = f"embtheory_experiments.{file.stem}"
        spec = importlib.util.spec_from_file_location(name, file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as e:  # one broken module must not hide the others
            if errors is not None:
                errors.append(f"{file.name}: {type(e).__name__}: {e}")
            continue
        for exp in getattr(module, "EXPERIMENTS", []):
            if exp.area not in AREAS:
                raise CLIError(f"{file.name}: experiment {exp.name!r} has unknown area {exp.area!r}")
            if exp.name in found:
                raise CLIError(f"{file.name}: experiment name {exp.name!r} is defined twice")
            found[exp.name] = exp
    order = list(AREAS)
    return sorted(found.values(), key=lambda e: (order.index(e.area), e.name))


def _select(experiments, targets: list[str]):
    names = {e.name for e in experiments}
    areas = {e.area for e in experiments}
    chosen = []
    for t in targets:
        if t == "all":
            matched = experiments
        elif t in names:
            matched = [e for e in experiments if e.name == t]
        elif t in areas:
            matched = [e for e in experiments if e.area == t]
        else:
            raise CLIError(
                f"unknown figure or area {t!r}: choose a name from `embtheory list`, "
                f"an area ({', '.join(sorted(areas))}) or 'all'"
            )
        chosen += [e for e in matched if e not in chosen]
    return chosen


def _cmd_list(args) -> int:
    from embtheory.core.experiment import AREAS

    errors: list[str] = []
    experiments = discover(errors=errors)
    for area, title in AREAS.items():
        rows = [e for e in experiments if e.area == area]
        print(f"\n{area}: {title}")
        if not rows:
            print("  (not yet available)")
        for e in rows:
            status = "" if e.available else "  [not yet available]"
            print(f"  {e.name:<32} {e.title}{status}")
            print(f"  {'':<32} {e.paper}; quick {e.runtime_quick}, full {e.runtime_full}")
    for err in errors:
        print(f"warning: could not load {err}", file=sys.stderr)
    return 0


def _cmd_info(args) -> int:
    from embtheory.core.provenance import provenance

    p = provenance()
    print("embtheory", p["versions"]["embtheory"], f"(git {p['git_commit'] or 'unknown'})")
    for name, version in p["versions"].items():
        if name != "embtheory":
            print(f"  {name:<10} {version or 'not installed'}")
    print(f"  python     {p['python']} on {p['platform']}")
    print(f"  backend    {p['backend']}; devices: {', '.join(p['devices'])}; processes: {p['process_count']}")
    print(f"  x64        {'on' if p['x64'] else 'off'} (JAX_ENABLE_X64)")
    from embtheory.data import data_dir

    source = "EMBTHEORY_DATA" if os.environ.get("EMBTHEORY_DATA") else "user cache dir"
    print(f"  data       {data_dir()} ({source})")
    return 0


def _cmd_reproduce(args) -> int:
    from embtheory.core.experiment import RunContext
    from embtheory.core.store import ResultStore

    if args.distributed:
        from embtheory.core.sharding import initialize_distributed

        print(f"joined a distributed run of {initialize_distributed()} processes")
    errors: list[str] = []
    chosen = _select(discover(errors=errors), args.targets)
    for err in errors:
        print(f"warning: could not load {err}", file=sys.stderr)
    out = Path(args.out)
    store = ResultStore(out / "store")  # raises a one-line StoreError if unwritable
    quick = not args.full
    failures, sections = [], []
    for exp in chosen:
        if not exp.available:
            print(f"skip {exp.name}: not yet available")
            continue
        print(f"==> {exp.name}: {exp.title} ({'quick' if quick else 'full'}, expected "
              f"{exp.runtime_quick if quick else exp.runtime_full})", flush=True)
        exp_dir = out / exp.name
        exp_dir.mkdir(parents=True, exist_ok=True)
        ctx = RunContext(out_dir=exp_dir, store=store, quick=quick, seed=args.seed,
                         progress=not args.no_progress)
        t0 = time.perf_counter()
        try:
            report = exp.run(ctx)
        except KeyboardInterrupt:
            print(f"interrupted during {exp.name}: finished units are kept; run the same command to resume",
                  file=sys.stderr)
            return 130
        except Exception as e:
            if args.debug:
                traceback.print_exc()
            failures.append(exp.name)
            print(f"error: {exp.name} failed: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        wall = time.perf_counter() - t0
        print(f"    done in {wall:.1f} s; files in {exp_dir}", flush=True)
        (exp_dir / "report.md").write_text(report.markdown())
        sections.append(report.markdown() + f"\n_wall time {wall:.1f} s_\n")
    header = (f"# embtheory reproduction report\n\nsize: {'quick' if quick else 'full'}; seed: {args.seed}; "
              f"targets: {' '.join(args.targets)}\n\n")
    (out / "REPORT.md").write_text(header + "\n".join(sections))
    print(f"report: {out / 'REPORT.md'}")
    if failures:
        print(f"error: {len(failures)} experiment(s) failed: {', '.join(failures)} "
              "(re-run with --debug for tracebacks)", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="embtheory", description=__doc__.splitlines()[0])
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the reproducible figures and tables")
    sub.add_parser("info", help="versions, devices, data folder")
    r = sub.add_parser("reproduce", help="reproduce figures: NAME, AREA or all")
    r.add_argument("targets", nargs="+", metavar="NAME|AREA|all")
    size = r.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", default=True, help="quick size on the CPU (default)")
    size.add_argument("--full", action="store_true", help="the paper's size (GPU advised)")
    r.add_argument("--out", default="results", help="output folder (default: results)")
    r.add_argument("--seed", type=int, default=0, help="the seed every key derives from (default 0)")
    r.add_argument("--no-progress", action="store_true", help="no progress bars")
    r.add_argument("--distributed", action="store_true",
                   help="join a multi-host run first (jax.distributed.initialize; cluster auto-detected)")
    r.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "reproduce" and args.seed < 0:
        print("error: --seed must be a non-negative integer", file=sys.stderr)
        return 2
    try:
        return {"list": _cmd_list, "info": _cmd_info, "reproduce": _cmd_reproduce}[args.command](args)
    except Exception as e:
        from embtheory.core.store import StoreError
        from embtheory.data import DataError

        if args.debug:
            traceback.print_exc()
        if isinstance(e, (CLIError, StoreError, DataError)):
            print(f"error: {e}", file=sys.stderr)
        else:
            print(f"error: {type(e).__name__}: {e} (re-run with --debug for the traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

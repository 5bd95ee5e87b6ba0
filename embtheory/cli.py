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
import traceback
from pathlib import Path

__all__ = ["discover", "load_runtimes", "main", "runtime_of"]

SEED_MAX = 2**32 - 1


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


def load_runtimes(path: Path | None = None) -> dict:
    """Measured runtimes from ``experiments/_runtimes.py``: ``{"quick": {name: seconds}, "full": {...},
    "machine": str}`` (empty when the file is absent)."""
    path = (experiments_dir() if path is None else path) / "_runtimes.py"
    if not path.is_file():
        return {"quick": {}, "full": {}, "machine": ""}
    spec = importlib.util.spec_from_file_location("embtheory_experiments._runtimes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {"quick": dict(getattr(module, "QUICK", {})), "full": dict(getattr(module, "FULL", {})),
            "machine": getattr(module, "MACHINE", "")}


def _fmt_seconds(s) -> str:
    if isinstance(s, str):
        return s
    s = float(s)
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.1f} min"


def runtime_of(exp, runtimes: dict, size: str) -> str:
    """The measured runtime of ``exp`` at ``size`` ("quick"/"full"), or its old estimate, marked."""
    got = runtimes.get(size, {}).get(exp.name)
    if got is not None:
        return _fmt_seconds(got) + (" measured" if not isinstance(got, str) else "")
    old = exp.runtime_quick if size == "quick" else exp.runtime_full
    return f"{old} (estimate, not measured)" if old else "not measured"


def _cmd_list(args) -> int:
    from embtheory.core.experiment import AREAS

    errors: list[str] = []
    experiments = discover(errors=errors)
    runtimes = load_runtimes()
    for area, title in AREAS.items():
        rows = [e for e in experiments if e.area == area]
        print(f"\n{area}: {title}")
        if not rows:
            print("  (not yet available)")
        for e in rows:
            status = "" if e.available else "  [not yet available]"
            print(f"  {e.name:<32} {e.title}{status}")
            full = f"full {runtime_of(e, runtimes, 'full')}"
            if e.cpu_note:
                full = f"full on a CPU (--full-cpu) {runtime_of(e, runtimes, 'full')}: {e.cpu_note}"
            print(f"  {'':<32} {e.paper}; quick {runtime_of(e, runtimes, 'quick')}, {full}")
    if runtimes["machine"]:
        print(f"\nmeasured on: {runtimes['machine']}")
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


def _check_out(value: str) -> Path:
    if value.strip() == "":
        raise CLIError("--out is empty: pass the name of an output folder (default: results)")
    out = Path(value).expanduser()
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} is a file, not a folder: pass a folder name (it is created if missing)")
    return out


def _check_data_root() -> None:
    """A data root that is a regular file is reported as such, before any experiment tries to download."""
    env = os.environ.get("EMBTHEORY_DATA")
    if env is not None and env.strip() == "":
        raise CLIError("EMBTHEORY_DATA is set but empty: point it at the data cache folder or unset it")
    if env:
        root = Path(env).expanduser()
        if root.exists() and not root.is_dir():
            raise CLIError(f"EMBTHEORY_DATA={env} is a regular file, not a folder: point it at the data "
                           "cache folder (or unset it to use the user cache)")


def _cmd_reproduce(args) -> int:
    from embtheory.core.experiment import run_experiment, write_report
    from embtheory.core.store import ResultStore

    out = _check_out(args.out)
    _check_data_root()
    if args.distributed:
        from embtheory.core.sharding import initialize_distributed

        print(f"joined a distributed run of {initialize_distributed()} processes")
    errors: list[str] = []
    discovered = discover(errors=errors)
    chosen = _select(discovered, args.targets)
    for err in errors:
        print(f"warning: could not load {err}", file=sys.stderr)
    store = ResultStore(out / "store")  # raises a one-line StoreError if unwritable
    legacy = store.legacy_count()
    if legacy:
        print(f"note: {legacy} record(s) in {out / 'store'} have an older layout: they are ignored and "
              "their units recomputed")
    size = "full" if args.full else "full-cpu" if args.full_cpu else "tiny" if args.tiny else "quick"
    runtimes = load_runtimes()
    failures = []
    for exp in chosen:
        if not exp.available:
            print(f"skip {exp.name}: not yet available")
            continue
        if size == "tiny" and not exp.typed:
            print(f"skip {exp.name}: no tiny size (old-style experiment)")
            continue
        expected = runtime_of(exp, runtimes, "full" if size.startswith("full") else "quick")
        print(f"==> {exp.name}: {exp.title} ({size}, expected {expected})", flush=True)
        try:
            res = run_experiment(exp, out=out, store=store, size=size, seed=args.seed,
                                 progress=not args.no_progress, log=lambda m: print(m, flush=True))
        except KeyboardInterrupt:
            print(f"interrupted during {exp.name}: finished units are kept; run the same command to resume",
                  file=sys.stderr)
            return 130
        except Exception as e:
            from embtheory.core.store import StoreError

            if args.debug:
                traceback.print_exc()
            if isinstance(e, StoreError):  # the store itself failed: the rest would fail alike
                raise
            failures.append(exp.name)
            print(f"error: {exp.name} failed: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        print(f"    done in {res.wall_s:.1f} s; files in {out / exp.name}", flush=True)
    last = f"last command: reproduce {' '.join(args.targets)} ({size}, seed {args.seed})"
    report = write_report(out, order=[e.name for e in discovered], header=last)
    print(f"report: {report}")
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
    size.add_argument("--full-cpu", action="store_true",
                      help="the part of the paper's size a CPU finishes (what the reference store holds; "
                           "`embtheory list` says what only a GPU adds)")
    size.add_argument("--tiny", action="store_true", help="a size of seconds, for checking the set-up")
    r.add_argument("--out", default="results", help="output folder (default: results)")
    r.add_argument("--seed", default="0", help=f"the seed every key derives from, 0..{SEED_MAX} (default 0)")
    r.add_argument("--no-progress", action="store_true", help="no progress bars")
    r.add_argument("--distributed", action="store_true",
                   help="join a multi-host run first (jax.distributed.initialize; cluster auto-detected)")
    r.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def _parse_seed(text: str) -> int:
    try:
        seed = int(str(text).strip(), 10)
    except ValueError:
        raise CLIError(f"--seed must be an integer in [0, {SEED_MAX}], got {text!r}") from None
    if not 0 <= seed <= SEED_MAX:
        raise CLIError(f"--seed must be an integer in [0, {SEED_MAX}], got {seed}")
    return seed


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "reproduce":
            args.seed = _parse_seed(args.seed)
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

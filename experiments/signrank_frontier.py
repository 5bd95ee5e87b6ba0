"""How many documents can d dimensions serve?  Every method on one figure: n against d.

``signrank-frontier`` puts side by side, for all pairs (k = 2) of n documents:

* the LIMIT paper's critical n (official InfoNCE recipe, accuracy 1.0; Weller et al. Table 6),
  and, where the search helper's :func:`embtheory.signrank.success_curve` runs, our n50 of the
  same recipe with its bootstrap band over seeds;
* the frontier paper's recipe (Bangachev et al. 2026; :class:`FrontierRecipe`): the smallest d
  at which a run of the sigmoid loss (learnable scale, bias fixed at 0), of InfoNCE with a
  learnable temperature, and of this package's margin loss certifies: theirs (the published
  table) and ours (:func:`min_dimension`), under both success criteria (per-query margin > 0,
  and the one-threshold *global* margin > 0 that the authors' code computes);
* the explicit constructions at their precision limits (:func:`precision_limit`): the
  neighbourly construction in d = 4 and the moment curve in d = 5, in float32 and float64;
* Theorem 1's lower bound d >= ln C(n, 2) / ln(1 + 1/gamma) for margin gamma = 0.1.

Command::

    embtheory reproduce signrank-frontier           # quick: n = 20, 40, 60, CPU (see _runtimes)
    embtheory reproduce signrank-frontier --full    # n up to 240, d = 5..30, 100k steps (GPU)

The quick size runs far fewer Adam steps than the paper's 100,000 (``steps``), so its smallest
d can sit above the paper's; the report says so next to the table.  Paper: sigmoid 5, 7, 7 and
InfoNCE 10, 14, 19 at n = 20, 40, 60.
"""

from __future__ import annotations

import dataclasses
import json

import jax
import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import sizes
from embtheory.core.plotting import MARKERS, PALETTE, legend_outside, new_figure, save_figure
from embtheory.core.reporting import format_dims
from embtheory.signrank import (
    PAPER_MIN_DIMENSION,
    PUBLISHED_CRITICAL_N,
    FrontierRecipe,
    margin_dimension_bound,
    min_dimension,
    precision_limit,
)
from embtheory.signrank.constructions import PRECISION_LIMITS

LOSS_LABELS = {"sigmoid": "frontier recipe, sigmoid", "infonce": "frontier recipe, InfoNCE (learned T)",
               "margin": "margin loss (gamma 0.1)"}


def _window(table: dict[int, int | None], n: int, lo: int, hi: int, width: int = 3) -> tuple[int, ...]:
    """Dims around the paper's answer for n (all of [lo, hi] when the paper has none)."""
    centre = table.get(n)
    if centre is None:
        return tuple(range(lo, hi + 1))
    return tuple(range(max(lo, centre - width), min(hi, centre + width) + 1))


@sizes(
    # the main job: InfoNCE at n = 20, 40 (10k steps) and the sigmoid recipe at the paper's 100k steps
    # at n = 20 (at 10k steps it certifies nothing); `default()` is n = 20, 40, 60
    quick=dict(ns=(20, 40), losses=("infonce",), margin_ns=(), study_steps=(100_000,),
               precision_max_pairs=2e7),
    full=dict(ns=(20, 40, 60, 80, 100, 140, 200, 240), steps=100_000, study_n=None,
              margin_ns=(20, 40, 60, 80, 100), dims=tuple(range(5, 31)), precision_max_pairs=3e10,
              band_dims=(4, 5, 6, 8, 10), band_ns=tuple(range(8, 41, 2)), band_seeds=tuple(range(8))),
    cpu_full=dict(ns=(20, 40, 60), steps=100_000, margin_ns=(20, 40), study_n=None, precision_max_pairs=1e9,
                  band_dims=(4, 5, 6), band_ns=tuple(range(8, 25, 2)), band_seeds=tuple(range(8))),
    cpu_note=("n = 20, 40, 60 at the paper's 100,000 steps (sigmoid and InfoNCE, the margin loss at n = 20, "
              "40), the seed band at d = 4, 5, 6; a GPU adds n = 80..240 and d up to 30"),
    tiny=dict(ns=(6,), steps=100, margin_ns=(6,), dims=(2, 3), precision_n_max=12, study_n=None,
              precision_max_pairs=2e4, band_dims=(), band_ns=(), band_seeds=()),
)
@dataclasses.dataclass(frozen=True)
class FrontierConfig:
    """Sizes of ``signrank-frontier``.

    quick (the main job): InfoNCE at n = 20, 40 with 10,000 steps, the sigmoid recipe at n = 20 with the
    paper's 100,000 steps, precision limits capped at 2e7 pairs, the seed band at d = 4.
    default (``FrontierConfig()``, the issue's quick table): n = 20, 40, 60; 10,000 Adam steps per
    run (the paper: 100,000); dims in a
    window of +-2 around the paper's answer; the margin loss on n = 20; a step study of the
    sigmoid recipe at n = 20 (10,000 and 100,000 steps); precision limits with at most 1e8
    (query, document) pairs per certificate; the official recipe's seed band at d = 4.
    full: n = 20 ... 240, d = 5..30, 100,000 steps (GPU: ``benchmarks/gpu/frontier.sh``).
    cpu_full (the reference store): n = 20, 40, 60 at 100,000 steps, windows around the paper's answer.
    tiny: n = 6, 100 steps, two dims; seconds (the tests).
    """

    ns: tuple[int, ...] = (20, 40, 60)
    steps: int = 10_000
    losses: tuple[str, ...] = ("sigmoid", "infonce", "margin")
    margin_ns: tuple[int, ...] = (20,)
    dims: tuple[int, ...] | None = None  # None: a window around the paper's answer per n
    window: int = 2
    study_n: int | None = 20
    study_steps: tuple[int, ...] = (10_000, 100_000)
    seeds: tuple[int, ...] = (0,)
    precision_n_max: int = 4096
    precision_max_pairs: float = 1e8
    band_dims: tuple[int, ...] = (4,)
    band_ns: tuple[int, ...] = (9, 11)
    band_seeds: tuple[int, ...] = (0, 1, 2)
    gamma: float = 0.1

    @classmethod
    def default(cls):
        return cls()


def _dims_for(cfg: FrontierConfig, loss: str, n: int) -> tuple[int, ...]:
    if cfg.dims is not None:
        return cfg.dims
    table = PAPER_MIN_DIMENSION.get(loss, PAPER_MIN_DIMENSION["sigmoid"])
    if loss == "margin":
        return tuple(range(3, 3 + 2 * cfg.window + 1 + n // 10))
    return _window(table, n, 2, 30, cfg.window)


def _precision_unit(c: dict) -> dict:
    r = precision_limit(c["construction"], 2, dtype=np.dtype(c["dtype"]), n_max=c["n_max"],
                        max_pairs=c["max_pairs"])
    return {"largest_certified": r.largest_certified, "first_failure": r.first_failure, "capped": r.capped,
            "dim": r.dim, "checked": [list(x) for x in r.checked], "next_cost_pairs": r.next_cost_pairs}


def _band(cfg: FrontierConfig, ctx: RunContext) -> tuple[list[tuple[int, float, float, float]], str]:
    """``[(d, n50, lo, hi)]`` of the official recipe's success curve, or a note why not."""
    if not cfg.band_dims:
        return [], "seed band of the official recipe: not run at this size"
    try:
        from embtheory.signrank import success_curve
    except ImportError:
        return [], ("seed band of the official recipe: success_curve is not available; the paper's "
                    "table only")
    out = []
    for d in cfg.band_dims:
        sc = success_curve(d, cfg.band_ns, seeds=cfg.band_seeds, store=ctx.store, key=ctx.key("band", d))
        out.append((d, float(sc.n50), float(sc.n50_lo), float(sc.n50_hi)))
    return out, (f"official recipe (code InfoNCE, T = 0.1), ours: n50 over seeds {list(cfg.band_seeds)} "
                 "with a 95% bootstrap band: "
                 + ", ".join(f"d={d}: {m:.1f} [{lo:.1f}, {hi:.1f}]" for d, m, lo, hi in out))


def construction_table(prec: dict, max_pairs: float) -> list[str]:
    """Markdown rows: each construction's precision limit as searched, beside ``PRECISION_LIMITS``,
    then the smallest margin of every certificate the searches computed, n by n."""
    out = ["| construction | d | dtype | search: largest certified n | search: first failure above it "
           "| PRECISION_LIMITS (constant) | margin at the largest certified n |",
           "|---|---|---|---|---|---|---|"]
    checked = {key: {int(n): m for n, m in r["checked"]} for key, r in prec.items()}
    for (c, dt), r in prec.items():
        margin = checked[c, dt].get(r["largest_certified"])
        if r["capped"]:
            failure = f"none: search capped at {max_pairs:.0e} pairs per certificate"
            largest = f">= {r['largest_certified']}"
        else:
            failure, largest = str(r["first_failure"]), str(r["largest_certified"])
        limit = PRECISION_LIMITS.get((c, 2, dt))
        if limit is None:
            known = "-"
        elif dt == "float32":
            known = f"every n up to {limit} certifies (checked n by n)"
        else:
            known = f"certified lower bound {limit}"
        out.append(f"| {c} | {r['dim']} | {dt} | {largest} | {failure} | {known} "
                   f"| {'-' if margin is None else f'{margin:.2g}'} |")
    def cell(m):
        return "" if m is None else f"{m:.2g}" + ("" if m > 0 else " (fails)")

    out += ["", "| n | " + " | ".join(f"{c}, {dt}: smallest margin" for c, dt in checked) + " |",
            "|---|" + "---|" * len(checked)]
    for n in sorted({n for margins in checked.values() for n in margins}):
        out.append(f"| {n} | " + " | ".join(cell(margins.get(n)) for margins in checked.values()) + " |")
    return out


def margin_law(result: dict | None) -> tuple[float, int] | None:
    """The exponent of a construction's smallest margin in n, fitted on its certified checks of
    n >= 24 (the asymptotic part), and that smallest n; None with fewer than three such checks."""
    if result is None:
        return None
    pts = sorted((int(n), m) for n, m in result["checked"] if m > 0 and n >= 24)
    if len(pts) < 3:
        return None
    slope = np.polyfit(np.log([p[0] for p in pts]), np.log([p[1] for p in pts]), 1)[0]
    return float(slope), pts[0][0]


def run(cfg: FrontierConfig, ctx: RunContext) -> Report:
    lines: list[str] = []
    ours: dict[str, dict[int, tuple[int | None, int | None]]] = {}
    margins: dict[str, dict[int, dict]] = {}
    tried: dict[str, dict[int, list[int]]] = {}
    for loss in cfg.losses:
        ours[loss], margins[loss], tried[loss] = {}, {}, {}
        ns = cfg.margin_ns if loss == "margin" else cfg.ns
        for n in ns:
            dims = _dims_for(cfg, loss, n)
            runs = []
            while True:
                res = min_dimension(n, loss=loss, dims=dims, seeds=cfg.seeds,
                                    recipe=FrontierRecipe.of(loss, steps=cfg.steps), store=ctx.store)
                runs += res.runs
                lowest = min(dims)
                # the lowest dim tried certifies: the smallest d may lie below the window; look there
                lowest_solved = any(r.dim == lowest and r.solved for r in res.runs)
                if cfg.dims is not None or lowest <= 2 or not lowest_solved:
                    break
                dims = tuple(range(max(2, lowest - len(dims)), lowest))
            tried[loss][n] = sorted({r.dim for r in runs})
            solved = [r.dim for r in runs if r.solved]
            glob = [r.dim for r in runs if r.global_margin > 0]
            ours[loss][n] = (min(solved) if solved else None, min(glob) if glob else None)
            first = sorted((r for r in runs if r.seed == cfg.seeds[0]), key=lambda r: r.dim)
            margins[loss][n] = {r.dim: (r.margin, r.global_margin) for r in first}
    prec_cfgs = [dict(unit="precision-limit", construction=c, dtype=dt, n_max=cfg.precision_n_max,
                      max_pairs=cfg.precision_max_pairs)
                 for c in ("neighbourly", "moment_curve") for dt in ("float32", "float64")]
    if not jax.config.jax_enable_x64:
        prec_cfgs = [c for c in prec_cfgs if c["dtype"] == "float32"]
        lines.append("float64 precision limits skipped: x64 is off (the runner turns it on)")
    prec_res = ctx.sweep(prec_cfgs, _precision_unit)
    prec = {(c["construction"], c["dtype"]): r for c, r in zip(prec_cfgs, prec_res)}
    band, band_note = _band(cfg, ctx)
    study = {}
    if cfg.study_n is not None:
        for steps in cfg.study_steps:
            res = min_dimension(cfg.study_n, loss="sigmoid", dims=_dims_for(cfg, "sigmoid", cfg.study_n),
                                seeds=cfg.seeds, recipe=FrontierRecipe.of("sigmoid", steps=steps),
                                store=ctx.store)
            study[steps] = res

    # ---- the table
    def fmt(v):
        return "none" if v is None else str(v)

    def ours_cell(loss: str, n: int) -> str:
        if loss not in ours:
            return f"not run (losses run: {', '.join(cfg.losses)})"
        if n not in ours[loss]:
            return "not run at this n"
        q, g = ours[loss][n]
        if q is None and g is None:
            return f"none in {format_dims(tried[loss][n])}"
        return f"{fmt(q)} / {fmt(g)}" + (f" (tried {format_dims(tried[loss][n])})" if None in (q, g) else "")

    head = ("| n | LIMIT table: least d with critical n >= n | frontier InfoNCE paper | "
            "ours InfoNCE (query / global) | frontier sigmoid paper | ours sigmoid (query / global) | "
            "ours margin loss (query / global) | "
            f"Thm 1, gamma={cfg.gamma:g} |")
    table = [head, "|" + "---|" * 8]
    for n in sorted(set(cfg.ns) | set(cfg.margin_ns)):
        lim = min((d for d, cn in PUBLISHED_CRITICAL_N.items() if cn >= n), default=None)
        cells = [str(n), fmt(lim),
                 fmt(PAPER_MIN_DIMENSION["infonce"].get(n, "-")),
                 ours_cell("infonce", n),
                 fmt(PAPER_MIN_DIMENSION["sigmoid"].get(n, "-")),
                 ours_cell("sigmoid", n),
                 ours_cell("margin", n),
                 str(margin_dimension_bound(n, 2, cfg.gamma))]
        table.append("| " + " | ".join(cells) + " |")
    lines.append("Smallest d with a certified positive margin, k = 2 (query: every query's own margin; "
                 "global: one threshold, the authors' code's criterion): the first table below")
    lines.append("a '-' in a paper column: the paper gives no value at that n; 'none in d = a..b': no run "
                 "in those dimensions reached a positive margin")
    lines.append(f"ours: {cfg.steps:,} Adam steps per run (the paper: 100,000), seeds {list(cfg.seeds)}; "
                 "dims tried per n: " + "; ".join(f"{loss} n={n}: {format_dims(m)}" for loss in tried
                                       for n, m in tried[loss].items()))
    if cfg.steps < 100_000:
        lines.append("fewer steps than the paper's usually raise our smallest d (a shorter run ends with a "
                     "smaller margin): where ours is above the paper's, the step budget is the first suspect")
    lines.append("the explicit constructions (k = 2) at their precision limits: the second table below; the "
                 "smallest margin of every certificate the search computed: the third")
    above = [f"{c} ({r['largest_certified']} against {PRECISION_LIMITS[c, 2, dt]})"
             for (c, dt), r in prec.items()
             if dt == "float32" and not r["capped"] and (c, 2, dt) in PRECISION_LIMITS
             and r["largest_certified"] > PRECISION_LIMITS[c, 2, dt]]
    if above:
        # the bisection assumes failures are monotone in n; near the boundary they are not
        lines.append("the float32 search ends above PRECISION_LIMITS for " + ", ".join(above)
                     + ": success is not monotone in n near the boundary")
    law = margin_law(prec.get(("neighbourly", "float64")))
    if law is not None:
        lines.append(f"neighbourly construction, float64: smallest margin ~ n^{law[0]:.2f} (least squares on "
                     f"log-log over its certificates at n >= {law[1]})")
    table += ["", *construction_table(prec, cfg.precision_max_pairs)]
    (ctx.out_dir / "frontier_table.md").write_text("\n".join(table) + "\n")
    lines.append(band_note)
    for steps, res in study.items():
        lines.append(f"step study, sigmoid, n = {cfg.study_n}: {steps:,} steps -> smallest d {fmt(res.dim)} "
                     f"(global {fmt(res.global_dim)}); margins " + ", ".join(
                         f"d={r.dim}: {r.margin:+.4f}" for r in res.runs if r.seed == cfg.seeds[0]))

    # ---- the figure
    fig, ax = new_figure(width=9.6, height=4.4)  # the legend sits beside the axes
    ax_ = ax[0][0] if isinstance(ax, (list, np.ndarray)) else ax
    dl = sorted(PUBLISHED_CRITICAL_N)
    ax_.plot([PUBLISHED_CRITICAL_N[d] for d in dl], dl, "-", color="grey", lw=1.2,
             label="LIMIT paper: official InfoNCE, accuracy 1 (Table 6)")
    for i, loss in enumerate(("infonce", "sigmoid")):
        pts = [(n, d) for n, d in PAPER_MIN_DIMENSION[loss].items() if d is not None]
        ax_.plot(*zip(*pts), "--", marker=MARKERS[i], mfc="none", color=PALETTE[i],
                 label=f"frontier paper: {loss}, global margin")
    for i, loss in enumerate(cfg.losses):
        pts = sorted((n, v[1]) for n, v in ours[loss].items() if v[1] is not None)
        ptq = sorted((n, v[0]) for n, v in ours[loss].items() if v[0] is not None)
        c = PALETTE[["infonce", "sigmoid", "margin"].index(loss)]
        if pts:
            ax_.plot(*zip(*pts), "-", marker=MARKERS[i], color=c, label=f"ours: {LOSS_LABELS[loss]}, global")
        if ptq:
            ax_.plot(*zip(*ptq), ":", marker=MARKERS[i], color=c, ms=4,
                     label=f"ours: {LOSS_LABELS[loss]}, per query")
    if band:
        ds = [b[0] for b in band]
        err = [[b[1] - b[2] for b in band], [b[3] - b[1] for b in band]]
        ax_.errorbar([b[1] for b in band], ds, xerr=err, fmt="s", color=PALETTE[4], ms=4, capsize=2,
                     label="ours: official InfoNCE n50, seed band")
    for (c, dt), r in prec.items():
        if r["largest_certified"] is None:
            continue
        y = r["dim"] + (0.2 if dt == "float64" else -0.2)
        col = (PALETTE[5] if dt == "float64" else PALETTE[3]) if c == "neighbourly" else \
            (PALETTE[6] if dt == "float64" else PALETTE[7])
        limit = PRECISION_LIMITS.get((c, 2, dt)) if dt == "float32" else None
        reach = (f"every n up to {limit} certified in {dt}" if limit is not None else
                 f"certified up to n = {r['largest_certified']} in {dt}"
                 f"{' (search capped)' if r['capped'] else ''}")
        ax_.hlines(y, 3, r["largest_certified"] if limit is None else limit, color=col, lw=2.0,
                   linestyles="-" if dt == "float64" else "--",
                   label=f"{c} construction (d={r['dim']}), {reach}")
        ax_.plot([r["largest_certified"] if limit is None else limit], [y], ">" if r["capped"] else "|",
                 color=col, ms=7)
    for steps, res in study.items():
        if res.dim is not None and steps != cfg.steps:
            ax_.plot([cfg.study_n], [res.dim], "*", color=PALETTE[1], ms=11,
                     label=f"ours: sigmoid at n = {cfg.study_n} with {steps:,} steps")
    ngrid = np.unique(np.geomspace(4, 1000, 80).astype(int))
    ax_.step(ngrid, [margin_dimension_bound(int(n), 2, cfg.gamma) for n in ngrid], where="post", color="k",
             lw=0.8, label=f"Theorem 1 lower bound, gamma = {cfg.gamma:g}")
    ax_.set(xscale="log", xlabel="n documents (all pairs are queries)", ylabel="d",
            title="How many documents can d dimensions serve?", ylim=(0, 32))
    legend_outside(ax_, fontsize=6)
    files = save_figure(fig, ctx.out_dir, "frontier")
    summary = {"ours": {loss: {str(n): list(v) for n, v in t.items()} for loss, t in ours.items()},
               "precision": {f"{c}-{dt}": r for (c, dt), r in prec.items()},
               "band": band, "study": {str(s): [r.dim, r.global_dim] for s, r in study.items()},
               "margins": {loss: {str(n): {str(d): list(v) for d, v in m.items()}
                                                 for n, m in t.items()} for loss, t in margins.items()}}
    path = ctx.out_dir / "frontier.json"
    path.write_text(json.dumps(summary, indent=1, default=float))
    return Report("Sign rank beyond InfoNCE: the frontier recipe, constructions and the LIMIT curve",
                  lines=lines, files=[*files, ctx.out_dir / "frontier_table.md", path])


EXPERIMENTS = [
    Experiment(name="signrank-frontier", area="signrank",
               title="n against d for every method: InfoNCE, the frontier recipe, constructions, Theorem 1",
               paper="Bangachev et al. 2026 (min-d table); Wang et al. 2026; Weller et al. 2025 Table 6, "
                     "Theorem 1",
               config=FrontierConfig, run=run, revision=3, x64=True),
]

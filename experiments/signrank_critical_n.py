"""Critical n vs d (Weller et al. 2025, Table 6 / Fig. 2) as a distribution over seeds.

``signrank-critical-n``: for each d and each seed, the official script's critical-n search
exactly (gallop, binary search, sweep; official recipe: code InfoNCE, T = 0.1, Adam 0.01, unit
rows, plateau patience 1,000 / 1e-5, checks every 50 steps, 100k steps), started at the paper's
value; then every seed at every n of a window around those values (a success curve): per n the
fraction of seeds that solve it (Wilson interval), the n where success crosses one half (n50,
logistic fit) with a bootstrap interval over seeds, and where the paper's single value falls
among the seeds' official values (its percentile).  With enough d: cubic and quadratic fits of
n50 and their extrapolation to d = 512..4096, with a band from the seed bootstrap, next to the
published extrapolation.  Every trial is a unit of the results store, shared by the searches
and the curves (a trial is a function of (n, d, k, seed, recipe, dtype) alone).

``signrank-stop-rule``: the official search under the official loss-plateau rule and under an
accuracy-aware rule (a plateau stops a run only if the best accuracy has not improved for 5,000
steps either; budget 200k steps): how much of the curve is the stopping rule.

Commands::

    embtheory reproduce signrank-critical-n            # quick: d = 4..8, 8 seeds, CPU
    embtheory reproduce signrank-critical-n --full     # d = 4..45, 16 seeds (GPU)
    embtheory reproduce signrank-stop-rule

Paper: one run per d (seed 42): 10, 14, 19, 24, 28 at d = 4..8.  The official script with seed 42
at d = 4 from n = 7 evaluates n = 7, 8, 10, 9, 5, 6, 11..14 and reports 9 (it fails 10).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import sizes
from embtheory.core.plotting import MARKERS, PALETTE, integer_axis, new_figure, paper_overlay, save_figure
from embtheory.core.progress import progress
from embtheory.core.reporting import format_dims, format_extrapolation
from embtheory.signrank import (
    PUBLISHED_CRITICAL_N,
    PUBLISHED_FIT,
    Recipe,
    critical_n,
    poly_eval,
    success_curve,
)
from embtheory.signrank.fits import EXTRAPOLATION_DIMS, poly_fit, sample_band

ACCURACY_AWARE = Recipe(stop_rule="loss_and_accuracy", accuracy_patience=5_000, max_steps=200_000)


@sizes(
    quick=dict(window=1),
    full=dict(dims=tuple(range(4, 46)), seeds=tuple(range(42, 58))),
    tiny=dict(dims=(4,), seeds=(42, 43), window=1, num_bootstrap=200),
    cpu_full=dict(dims=tuple(range(4, 13)), seeds=tuple(range(42, 58))),
    cpu_note=("d = 4..12 over the 16 seeds (27 min on the 2-core CPU); a GPU adds d = 13..45, "
              "where a run holds up to 195,625 queries"),
)
@dataclasses.dataclass(frozen=True)
class CriticalNConfig:
    """Sizes of ``signrank-critical-n``.

    quick (``embtheory reproduce signrank-critical-n``): d = 4..8, 8 seeds (42..49), official
    recipe, success curves over the seeds' official values +-1, on the 2-core CPU; see
    ``experiments/_runtimes.py`` / docs/benchmarks.md for its measured wall time.  full (``--full``):
    d = 4..45 and 16 seeds (42..57), window +-2, the paper's range
    (GPU; an estimate, not a measurement: about 2-4 GPU-hours on one H100-class device, dominated
    by d >= 35 where a run holds up to 195,625 queries).  tiny: d = 4, seeds 42 and 43 (the
    tests).  Paper: 10, 14, 19, 24, 28 at d = 4..8 (one run per d, seed 42).

    Attributes:
        dims: dimensions.
        seeds: distinct seeds; each is one official search and one column of every curve.
        window: the success curve covers ``min(official) - window .. max(official) + window``.
        num_bootstrap: resamples of the seeds for the n50 interval.
        level: confidence level of the intervals.
    """

    dims: tuple[int, ...] = tuple(range(4, 9))
    seeds: tuple[int, ...] = tuple(range(42, 50))
    window: int = 2
    num_bootstrap: int = 1000
    level: float = 0.95


@sizes(
    quick=dict(dims=(4, 5)),
    full=dict(dims=tuple(range(4, 46, 3)), seeds=(42, 43, 44, 45, 46)),
    tiny=dict(dims=(4,), seeds=(42,)),
    cpu_full=dict(dims=(4, 7, 10, 13), seeds=(42, 43, 44, 45, 46)),
    cpu_note="d = 4, 7, 10, 13 over the 5 seeds (10 min on the 2-core CPU); a GPU adds d = 16..43",
)
@dataclasses.dataclass(frozen=True)
class StopRuleConfig:
    """Sizes of ``signrank-stop-rule``: quick d = 4, 5 with seeds 42, 43 (``StopRuleConfig()`` adds
    d = 6); full d = 4, 7, ..., 43
    with 5 seeds (GPU); tiny d = 4, seed 42.

    Attributes:
        dims: dimensions; seeds: one official search per seed and rule.
    """

    dims: tuple[int, ...] = (4, 5, 6)
    seeds: tuple[int, ...] = (42, 43)


def percentile_among(value: float, sample) -> float:
    """Mid-rank percentile of ``value`` among ``sample``: 100 (below + equal / 2) / size."""
    s = np.asarray([x for x in sample if x is not None], float)
    if s.size == 0:
        return float("nan")
    return float(100.0 * (np.sum(s < value) + 0.5 * np.sum(s == value)) / s.size)


def _row(d, searches, curve):
    official = [r.official for r in searches]
    paper = PUBLISHED_CRITICAL_N.get(d)
    return {"d": d, "paper": paper, "official": official,
            "largest_solved": [r.largest_solved for r in searches],
            "first_failing": [r.first_failing for r in searches],
            "non_monotone": sum(not r.monotone for r in searches),
            "n50": curve.n50, "n50_lo": curve.n50_lo, "n50_hi": curve.n50_hi,
            "paper_percentile": percentile_among(paper, official) if paper is not None else None,
            "ns": list(curve.ns), "fraction": curve.fraction.tolist(),
            "wilson_lo": curve.lo.tolist(), "wilson_hi": curve.hi.tolist()}


def _sorted_values(values):
    return sorted(v for v in values if v is not None)


def markdown_table(rows) -> str:
    head = ("| d | paper | official n per seed (sorted) | n50 [95% band] | paper's percentile among seeds "
            "| non-monotone seeds |\n|---|---|---|---|---|---|\n")
    body = "".join(
        f"| {r['d']} | {r['paper']} | {', '.join(str(x) for x in _sorted_values(r['official']))} "
        f"| {r['n50']:.1f} [{r['n50_lo']:.1f}, {r['n50_hi']:.1f}] | {r['paper_percentile']:.0f} "
        f"| {r['non_monotone']} |\n" for r in rows)
    return head + body


def _extrapolation_cell(at, value, lo, hi) -> str:
    """One extrapolated n50 with its band; a negative value says why it means nothing."""
    text = format_extrapolation(value, at=int(at))
    if "not meaningful" in text:
        return text
    if not lo > 0:
        return f"{text} [90% band up to {hi:.3g}; its lower end is <= 0: uninformative]"
    return f"{text} [90% band {lo:.3g}, {hi:.3g}]"


def run(cfg: CriticalNConfig, ctx: RunContext) -> Report:
    rows, curves, boot = [], {}, {}
    for d in progress(cfg.dims, desc="critical n", enabled=ctx.progress):
        start = PUBLISHED_CRITICAL_N.get(d)
        searches = critical_n(d, seeds=cfg.seeds, start_n=start, protocol="official", store=ctx.store)
        vals = [v for r in searches for v in (r.official, r.first_failing) if v is not None]
        lo = max(3, min(vals) - cfg.window)
        hi = max(vals) + cfg.window
        curve = success_curve(d, list(range(lo, hi + 1)), seeds=cfg.seeds, store=ctx.store,
                              key=ctx.key("n50-bootstrap", d), num_bootstrap=cfg.num_bootstrap,
                              level=cfg.level)
        curves[d] = curve
        rows.append(_row(d, searches, curve))
        boot[d] = curve.n50_samples
    md = markdown_table(rows)
    (ctx.out_dir / "critical_n_table.md").write_text(md)
    lines = [f"d={r['d']}: paper {r['paper']}; official n per seed {sorted(x for x in r['official'] if x)}; "
             f"n50 {r['n50']:.2f} [{r['n50_lo']:.2f}, {r['n50_hi']:.2f}]; the paper's value at percentile "
             f"{r['paper_percentile']:.0f} of the seeds' official values" for r in rows]
    files = [ctx.out_dir / "critical_n_table.md"]
    d_arr = np.array([r["d"] for r in rows], float)
    n50 = np.array([r["n50"] for r in rows], float)
    with_fit = len(rows) >= 5 and np.all(np.isfinite(n50))
    fig, axes = new_figure(1, 2 if with_fit else 1, width=5.0, height=3.8)
    ax = axes[0, 0] if with_fit else axes
    for i, r in enumerate(rows):
        off = [x for x in r["official"] if x is not None]
        jitter = np.linspace(-0.18, 0.18, max(len(off), 1))
        ax.plot(r["d"] + jitter[: len(off)], sorted(off), MARKERS[1], color=PALETTE[1], ms=3, alpha=0.7,
                label="official n, one per seed" if i == 0 else None)
    yerr = np.array([[r["n50"] - r["n50_lo"] for r in rows], [r["n50_hi"] - r["n50"] for r in rows]])
    ax.errorbar(d_arr, n50, yerr=np.maximum(yerr, 0), fmt="s-", color=PALETTE[0], ms=4, capsize=3,
                label=f"n50 ({int(100 * cfg.level)}% bootstrap band)")
    paper_overlay(ax, d_arr, [PUBLISHED_CRITICAL_N[int(x)] for x in d_arr], label="paper (one run, seed 42)")
    ax.set(xlabel="embedding dimension d", ylabel="n", title="Critical n: seeds, n50 and the paper")
    integer_axis(ax, d_arr)
    ax.legend(loc="upper left", fontsize=7)
    if with_fit:
        sig = np.maximum((np.array([r["n50_hi"] for r in rows]) - np.array([r["n50_lo"] for r in rows])) / 4,
                         0.25)
        samples = np.stack([boot[int(d)] for d in d_arr], axis=1)
        at = np.asarray(EXTRAPOLATION_DIMS, float)
        if d_arr.max() < 20:
            lines.append(f"fits to d = {int(d_arr.min())}..{int(d_arr.max())} only: their extrapolations to "
                         "d >= 512 are shown to make the point that so few small d decide nothing (--full)")
        b = axes[0, 1]
        for deg, name, c in [(3, "cubic", PALETTE[0]), (2, "quadratic", PALETTE[2])]:
            fit = poly_fit(d_arr, n50, deg, sigma=sig)
            band = sample_band(d_arr, samples, at, degree=deg, sigma=sig, level=0.9)
            ext = poly_eval(fit.coef, at)
            turned = ~(np.isfinite(ext) & (ext > 0))
            why = "a polynomial fitted to a few small d turns over outside them"
            if turned.all():
                extrapolation = (f"extrapolation not meaningful at any of {format_dims(at.astype(int))}: "
                                 f"the fit predicts negative counts ({ext[0]:.3g} at d={int(at[0])}); {why}")
            else:
                extrapolation = "extrapolation " + "; ".join(
                    _extrapolation_cell(a, v, lo_, hi_) for a, v, lo_, hi_ in zip(at, ext, band.lo, band.hi))
                extrapolation += f" ({why})" if turned.any() else ""
            lines.append(f"{name} fit to n50 (weighted by the bands): coef "
                         + ", ".join(f"{x:.4g}" for x in fit.coef) + f", r^2 {fit.r2:.4f}; " + extrapolation)
            # a log axis cannot show a count <= 0: draw only the positive part, and say so in the legend
            ok = np.isfinite(ext) & (ext > 0)
            if ok.any():
                dropped = "" if ok.all() else f" (negative at d >= {int(at[~ok].min())}: not drawn)"
                b.plot(at[ok], ext[ok], "o-", color=c, label=f"{name} fit to n50{dropped}")
                band_ok = ok & (band.lo > 0)
                b.fill_between(at[band_ok], band.lo[band_ok], band.hi[band_ok], color=c, alpha=0.2)
            else:
                b.plot([], [], " ", label=f"{name} fit to n50: negative at every d shown, not drawn")
        pub = poly_eval(PUBLISHED_FIT, at)
        b.plot(at, pub, "k--", label="published cubic")
        lines.append("published cubic extrapolation: "
                     + "; ".join(f"d={int(a)}: {v:.3g}" for a, v in zip(at, pub)))
        b.set(xscale="log", yscale="log", xlabel="d", ylabel="extrapolated n", title="Extrapolation")
        b.legend(fontsize=7)
    files += save_figure(fig, ctx.out_dir, "critical_n_vs_d")
    curve_fig, cax = new_figure(width=5.0, height=3.4)
    for i, (d, c) in enumerate(curves.items()):
        cax.plot(c.ns, c.fraction, MARKERS[i % 8] + "-", color=PALETTE[i % 8], ms=3, label=f"d={d}")
        cax.fill_between(c.ns, c.lo, c.hi, color=PALETTE[i % 8], alpha=0.15)
        if d in PUBLISHED_CRITICAL_N:
            cax.axvline(PUBLISHED_CRITICAL_N[d], color=PALETTE[i % 8], ls=":", lw=0.8)
    cax.axhline(0.5, color="grey", lw=0.6)
    cax.set(xlabel="n", ylabel="fraction of seeds solved", title="Success curves (dotted: paper)")
    cax.legend(fontsize=7)
    files += save_figure(curve_fig, ctx.out_dir, "success_curves")
    (ctx.out_dir / "critical_n_rows.json").write_text(json.dumps(rows, indent=1))
    files.append(ctx.out_dir / "critical_n_rows.json")
    return Report("Table 6 / Fig. 2: critical n vs d over seeds", lines=lines, files=files)


def _failed_steps(searches) -> list[int]:
    """The optimiser steps of every failed trial of ``searches``."""
    return [t["steps"] for r in searches for t in r.trials if not t["solved"]]


def stop_rule_table(rows, seeds) -> str:
    """The official critical n per seed under both rules, beside the paper's one run, in Markdown."""
    who = ", ".join(str(s) for s in seeds)
    head = (f"| d | paper (one run, seed 42) | official rule, seeds {who} | accuracy-aware rule, seeds {who} "
            "| aware minus official, seeds that differ |\n|---|---|---|---|---|\n")

    def cell(values):
        return ", ".join("none" if v is None else str(v) for v in values)

    def moved(r):
        diff = [b - a for a, b in zip(r["official"], r["aware"]) if None not in (a, b) and a != b]
        return ", ".join(f"{x:+d}" for x in diff) if diff else "none"

    return head + "".join(f"| {r['d']} | {r['paper']} | {cell(r['official'])} | {cell(r['aware'])} "
                          f"| {moved(r)} |\n" for r in rows)


def run_stop_rule(cfg: StopRuleConfig, ctx: RunContext) -> Report:
    rows, steps = [], {"official": [], "aware": []}
    for d in progress(cfg.dims, desc="stop rule", enabled=ctx.progress):
        start = PUBLISHED_CRITICAL_N.get(d)
        off = critical_n(d, seeds=cfg.seeds, start_n=start, store=ctx.store)
        aware = critical_n(d, seeds=cfg.seeds, start_n=start, recipe=ACCURACY_AWARE, store=ctx.store)
        rows.append({"d": d, "paper": PUBLISHED_CRITICAL_N.get(d), "official": [r.official for r in off],
                     "aware": [r.official for r in aware]})
        steps["official"] += _failed_steps(off)
        steps["aware"] += _failed_steps(aware)
    lines = [f"d={r['d']}: official rule {r['official']}; accuracy-aware rule {r['aware']}; "
             f"paper {r['paper']}" for r in rows]
    if steps["official"] and steps["aware"]:
        lines.append("failed trials, optimiser steps until they stopped (median, largest): " + "; ".join(
            f"{label} {np.median(steps[key]):,.0f}, {max(steps[key]):,} ({len(steps[key])} trials)"
            for key, label in (("official", "official rule"), ("aware", "accuracy-aware rule"))))
    d = np.array([r["d"] for r in rows], float)
    fig, ax = new_figure(width=5.0, height=3.4)
    for key, label, c in [("official", "official rule (loss plateau)", PALETTE[0]),
                          ("aware", "accuracy-aware rule, 200k steps", PALETTE[3])]:
        vals = [[x for x in r[key] if x is not None] for r in rows]
        med = np.array([np.median(v) if v else np.nan for v in vals])
        lo = np.array([min(v) if v else np.nan for v in vals])
        hi = np.array([max(v) if v else np.nan for v in vals])
        ax.plot(d, med, "o-", color=c, label=label)
        ax.fill_between(d, lo, hi, color=c, alpha=0.2)
    paper_overlay(ax, d, [PUBLISHED_CRITICAL_N[int(x)] for x in d])
    ax.set(xlabel="d", ylabel="official critical n (seeds: median, range)",
           title="How much is the stopping rule?")
    integer_axis(ax, d)
    ax.legend(fontsize=7)
    files = save_figure(fig, ctx.out_dir, "stop_rule")
    (ctx.out_dir / "stop_rule_table.md").write_text(stop_rule_table(rows, cfg.seeds))
    return Report("Critical n under the official and an accuracy-aware stopping rule", lines=lines,
                  files=[*files, ctx.out_dir / "stop_rule_table.md"])


EXPERIMENTS = [
    Experiment(name="signrank-critical-n", area="signrank",
               title="Table 6 / Fig. 2: critical n vs d over seeds",
               paper="Weller et al. 2025, Table 6 (v1) / App. G (v2), Fig. 2",
               runtime_full="not measured (GPU; estimate 2-4 h on one H100-class device)",
               run=run, config=CriticalNConfig, revision=2),
    Experiment(name="signrank-stop-rule", area="signrank",
               title="Critical n under an accuracy-aware stopping rule",
               paper="Weller et al. 2025 (recipe of the official code)",
               runtime_full="not measured (GPU)", run=run_stop_rule, config=StopRuleConfig, revision=2),
]

__all__ = ["ACCURACY_AWARE", "EXPERIMENTS", "CriticalNConfig", "StopRuleConfig", "percentile_among", "run",
           "run_stop_rule"]

"""Theory next to the optimiser: precision-limited constructions, Table 1, growth-fit fragility, LIMIT qrels.

``signrank-precision``: the Alon-Frankl-Rödl moment-curve embedding realises every pair of n
documents in 5 dimensions (k = 2) for every n in exact arithmetic; its smallest score gap
shrinks like a power of 1/n, so in float32 it breaks at a finite n.  Plotted next to the
optimised critical n: the optimiser's d-dimensional limit is far below what 5 exact dimensions
allow until precision runs out, i.e. the polynomial growth of the critical n is a property of
the optimisation (and of the margin), not of the sign rank, which stays <= 2k + 1.

``signrank-table1``: Theorem 1's margin-dimension bound reproduces Table 1 (k = 2 and 10).

``signrank-growth-fits``: the paper's cubic, the cubic on d <= 40 and the quadratic, a bootstrap
band, and their extrapolations to d = 512..4096 ("250M at d = 4096" depends on the model form).

``signrank-limit-qrels``: LIMIT's qrel-graph statistics (density 0.085481, mean strength
28.4653) and those of generated datasets of each pattern.

Commands::

    embtheory reproduce signrank-precision signrank-table1 signrank-growth-fits signrank-limit-qrels

(each also with ``--full`` and ``--tiny``; the sizes are in each config's docstring).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import sizes
from embtheory.core.plotting import PALETTE, new_figure, paper_overlay, save_figure
from embtheory.core.reporting import format_extrapolation
from embtheory.signrank import (
    EXTRAPOLATION_DIMS,
    PUBLISHED_CRITICAL_N,
    bootstrap_band,
    compare_fits,
    critical_n,
    generate_limit_dataset,
    margin_dimension_bound,
    moment_curve_gap,
    poly_eval,
    precision_break_n,
    qrel_graph_stats,
)

#: What the paper quotes for its cubic's extrapolation (Sec. 5), as it writes it, and as numbers for
#: the figure; and the r^2 it quotes for that cubic.
PAPER_EXTRAPOLATION = {512: "~500k", 768: "1.7M", 1024: "4M", 3072: "107M", 4096: "250M"}
PAPER_EXTRAPOLATION_VALUES = {512: 5e5, 768: 1.7e6, 1024: 4e6, 3072: 1.07e8, 4096: 2.5e8}
PAPER_FIT_R2 = "0.999"

TABLE1 = {2: [4, 6, 8, 10, 12, 14, 16, 17, 19, 21], 10: [13, 23, 33, 42, 52, 61, 71, 81, 90, 100]}


@sizes(
    quick=dict(dims=(4, 5, 6)),
    full=dict(n_max=2000, dims=tuple(range(4, 13))),
    tiny=dict(n_max=30, num_n=5, break_ks=(1,), break_n_max=200, dims=()),
)
@dataclasses.dataclass(frozen=True)
class PrecisionConfig:
    """``signrank-precision``: quick n up to 400 and d = 4..6 (seed 42; ``PrecisionConfig()`` has d =
    4..8); full n up to 2,000 and
    d = 4..12; tiny n up to 30, the float32 break for k = 1 only, no optimiser runs."""

    n_max: int = 400
    num_n: int = 22
    break_ks: tuple[int, ...] = (1, 2, 3)
    break_n_max: int = 3000
    dims: tuple[int, ...] = tuple(range(4, 9))


def _gap_unit(cfg):
    return moment_curve_gap(cfg["n"], cfg["k"], dtype=np.dtype(cfg["dtype"]))._asdict()


def gap_law(gaps) -> tuple[float, int, int] | None:
    """The exponent of the exact smallest gap's power law in n, fitted on the upper half of the
    stored n (the asymptotic part), the smallest n it used and how many; None with fewer than three."""
    pts = sorted((g["n"], g["exact_min_gap"]) for g in gaps
                 if g["dtype"] == "float64" and g["exact_min_gap"] > 0)
    upper = pts[len(pts) // 2:]
    if len(upper) < 3:
        return None
    slope = np.polyfit(np.log([p[0] for p in upper]), np.log([p[1] for p in upper]), 1)[0]
    return float(slope), int(upper[0][0]), len(upper)


def precision_table(breaks: dict, break_n_max: int, gaps, opt: dict) -> str:
    """Markdown: where float32 breaks the moment curve per k, the gaps n by n, and the optimiser."""

    def first_break(k):
        n = breaks[k]
        return f"**{n}**" if n is not None else f"none up to n = {break_n_max:,}"

    f64 = {g["n"]: g for g in gaps if g["dtype"] == "float64"}
    f32 = {g["n"]: g for g in gaps if g["dtype"] == "float32"}
    if not f64:
        f64_cell = "not run"
    elif all(g["solved"] for g in f64.values()):
        f64_cell = f"positive at every stored n ({len(f64)} sizes up to {max(f64):,}); no scan n by n"
    else:
        f64_cell = "breaks at a stored n (below)"
    out = ["| moment curve | float32: first n whose order breaks (scan n by n) | float64 |", "|---|---|---|"]
    out += [f"| k = {k} ({2 * k + 1} dims) | {first_break(k)} | {f64_cell if k == 2 else 'not run'} |"
            for k in sorted(breaks)]
    out += ["", "| n | exact smallest gap | float64 computed gap | float32 computed gap |",
            "|---|---|---|---|"]

    def cell(g):
        if g is None:
            return "not run"
        return f"{g['min_gap']:.3g}" if g["solved"] else f"{g['min_gap']:.3g} (order broken)"

    for n in sorted(set(f64) | set(f32)):
        exact = (f64.get(n) or f32[n])["exact_min_gap"]
        out.append(f"| {n} | {exact:.3g} | {cell(f64.get(n))} | {cell(f32.get(n))} |")
    if opt:
        out += ["", "| d | optimised free embedding, largest solved n (official recipe, seed 42) "
                "| paper's critical n (Table 6, one run) |", "|---|---|---|"]
        out += [f"| {d} | {n} | {PUBLISHED_CRITICAL_N.get(d, '-')} |" for d, n in opt.items()]
    return "\n".join(out) + "\n"


def run_precision(cfg: PrecisionConfig, ctx: RunContext) -> Report:
    ns = sorted({int(x) for x in np.geomspace(6, cfg.n_max, cfg.num_n)})
    cfgs = [dict(experiment="signrank-precision-gap", n=n, k=2, dtype=dt)
            for dt in ("float32", "float64") for n in ns]
    gaps = ctx.sweep(cfgs, _gap_unit, desc="moment-curve gap")
    br = ctx.sweep([dict(experiment="signrank-precision-break", k=k, dtype="float32", n_max=cfg.break_n_max)
                    for k in cfg.break_ks],
                   # float32 breaks at small n for every k here, so the scan stops long before its
                   # worst-case cost, which precision_break_n would otherwise refuse up front
                   lambda c: {"n": precision_break_n(c["k"], dtype=np.float32, n_max=c["n_max"],
                                                     max_scores=math.inf)},
                   desc="float32 break")
    breaks = {k: r["n"] for k, r in zip(cfg.break_ks, br)}
    opt = {d: critical_n(d, seeds=[42], store=ctx.store, bracket=4)[0].largest_solved for d in cfg.dims}
    f64_ok = all(g["solved"] for g in gaps if g["dtype"] == "float64")
    lines = [
        "moment curve, float32: first failing n = " + "; ".join(f"k={k} ({2 * k + 1} dims): {n}"
                                                               for k, n in breaks.items()),
        f"float64 gap stays positive up to n = {max(ns)} (checked at the {len(ns)} stored n)" if f64_ok
        else "float64 breaks within the range",
    ]
    law = gap_law(gaps)
    if law is not None:
        slope, lo_n, used = law
        lines.append(f"exact smallest gap ~ n^{slope:.2f} (least squares on log-log over the {used} stored "
                     f"n >= {lo_n})")
        if breaks.get(2) is not None:
            eps32, eps64 = np.finfo(np.float32).eps, np.finfo(np.float64).eps
            n64 = breaks[2] * (eps32 / eps64) ** (-1 / slope)
            lines.append("extrapolation, not computed: if float64 breaks where the exact gap is the same "
                         f"fraction of its epsilon as where float32 breaks (n = {breaks[2]}), this law puts "
                         f"its break near n = {breaks[2]} (eps32/eps64)^(1/{-slope:.2f}) = {n64:,.0f}")
    if opt:
        lines.append("optimised free embedding (official recipe, seed 42), largest solved n: "
                     + ", ".join(f"d={d}: {n}" for d, n in opt.items()))
    (ctx.out_dir / "precision_table.md").write_text(precision_table(breaks, cfg.break_n_max, gaps, opt))
    fig, axes = new_figure(1, 2, width=4.2, height=3.3)
    a, b = axes[0]
    for dt, c in (("float32", PALETTE[3]), ("float64", PALETTE[0])):
        pts = [(g["n"], g["min_gap"]) for g in gaps if g["dtype"] == dt]
        x = np.array([p[0] for p in pts])
        y = np.array([p[1] for p in pts])
        a.plot(x[y > 0], y[y > 0], "o-", color=c, ms=3, label=f"{dt}: computed gap")
        if np.any(y <= 0):
            a.plot(x[y <= 0], np.full((y <= 0).sum(), 1e-12), "x", color=c, label=f"{dt}: order broken")
    ex = [(g["n"], g["exact_min_gap"]) for g in gaps if g["dtype"] == "float64"]
    a.plot([p[0] for p in ex], [p[1] for p in ex], "--", color="grey", lw=1, label="exact gap")
    a.axhline(np.finfo(np.float32).eps, color=PALETTE[3], lw=0.8, ls=":")
    a.set(xscale="log", yscale="log", xlabel="n documents", ylabel="smallest score gap",
          title="Moment curve, k = 2, 5 dims")
    a.legend(fontsize=7)
    if opt:
        b.plot(list(opt), list(opt.values()), "o-", color=PALETTE[0], label="optimised (ours, seed 42)")
        paper_overlay(b, list(opt), [PUBLISHED_CRITICAL_N[d] for d in opt])
    if 2 in breaks and breaks[2] is not None:
        b.axhline(breaks[2], color=PALETTE[3], ls="--",
                  label=f"moment curve in 5 dims, float32 (n={breaks[2]})")
    b.axvline(5, color="grey", lw=0.8, ls=":")
    b.set(xlabel="d", ylabel="largest n realised", title="Construction vs optimisation")
    b.legend(fontsize=7)
    files = save_figure(fig, ctx.out_dir, "precision_vs_optimised")
    return Report("Precision-limited moment-curve construction vs optimised critical n", lines=lines,
                  files=[*files, ctx.out_dir / "precision_table.md"])


@sizes()
@dataclasses.dataclass(frozen=True)
class Table1Config:
    """``signrank-table1``: Theorem 1's bound for n = 1e2..1e11, k = 2 and 10 (every size: 1 s)."""

    exponents: tuple[int, ...] = tuple(range(2, 12))


def run_table1(cfg: Table1Config, ctx: RunContext) -> Report:
    lines, ok = [], True
    rows = ["| n | " + " | ".join(f"10^{e}" for e in cfg.exponents) + " |",
            "|---|" + "---|" * len(cfg.exponents)]
    for k, want in TABLE1.items():
        got = [margin_dimension_bound(10**e, k, 0.1) for e in cfg.exponents]
        want = [w for e, w in zip(range(2, 12), want) if e in cfg.exponents]
        ok &= got == want
        lines.append(f"k={k}: ours {got}; paper {want}; {'equal' if got == want else 'DIFFERENT'}")
        rows.append(f"| k={k}, ours | " + " | ".join(map(str, got)) + " |")
        rows.append(f"| k={k}, paper | " + " | ".join(map(str, want)) + " |")
    lines.append("Table 1 reproduced exactly" if ok else "Table 1 NOT reproduced")
    table = ctx.out_dir / "table1.md"
    table.write_text("\n".join(rows) + "\n")
    return Report("Table 1: margin-dimension bound (gamma = 0.1)", lines=lines, files=[table])


@sizes(tiny=dict(num_bootstrap=100))
@dataclasses.dataclass(frozen=True)
class FitsConfig:
    """``signrank-growth-fits``: 2,000 bootstrap resamples (quick and full); tiny: 100."""

    num_bootstrap: int = 2000


def _count(value: float) -> str:
    """An extrapolated count as the paper writes it (``509k``, ``1.70M``), or why it means nothing."""
    text = format_extrapolation(value, at=0)
    if "not meaningful" in text:
        return text.split(": ", 1)[1]
    for scale, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:.3g}"


def fits_table(fits, band_at: dict[int, tuple[float, float]], num_bootstrap: int) -> str:
    """The fits' r^2 and extrapolations, under the paper's quoted values, as a Markdown table."""
    dims = list(EXTRAPOLATION_DIMS)
    head = ("| fit | r^2 | " + " | ".join(f"d={a}" for a in dims) + " |\n"
            + "|---|---|" + "---|" * len(dims) + "\n")
    rows = [f"| paper (quoted, not computed here) | {PAPER_FIT_R2} | "
            + " | ".join(PAPER_EXTRAPOLATION[a] for a in dims) + " |"]
    names = {"cubic": "cubic, all d (the paper's form)", "quadratic": "quadratic, all d",
             "cubic_le_cut": "cubic, d <= 40", "quadratic_le_cut": "quadratic, d <= 40"}
    for name, f in fits.items():
        rows.append(f"| {names.get(name, name)} | {f.r2:.5f} | "
                    + " | ".join(_count(f.extrapolation[a]) for a in dims) + " |")
    rows.append(f"| cubic, bootstrap 90% band ({num_bootstrap:,} resamples) | | "
                + " | ".join(f"{_count(band_at[a][0])} to {_count(band_at[a][1])}" for a in dims) + " |")
    return head + "\n".join(rows) + "\n"


def run_fits(cfg: FitsConfig, ctx: RunContext) -> Report:
    table = PUBLISHED_CRITICAL_N
    d = np.array(sorted(table), float)
    n = np.array([table[int(x)] for x in d], float)
    fits = compare_fits(table)
    at = np.geomspace(4, 4096, 120)
    # the resamples depend on the key alone, so the band at the paper's dims and along the figure's
    # axis come from one set of refits
    both = bootstrap_band(d, n, np.concatenate([at, np.asarray(EXTRAPOLATION_DIMS, float)]), degree=3,
                          num=cfg.num_bootstrap, key=ctx.key("growth-fit-bootstrap"))
    lo, hi = both.lo[:at.size], both.hi[:at.size]
    band_at = {a: (float(both.lo[at.size + i]), float(both.hi[at.size + i]))
               for i, a in enumerate(EXTRAPOLATION_DIMS)}
    lines = [
        f"{name}: coef {', '.join(f'{c:.5g}' for c in f.coef)}, r^2 {f.r2:.5f}; "
        + ", ".join(format_extrapolation(v, at=a) for a, v in f.extrapolation.items())
        for name, f in fits.items()
    ]
    lines.append(f"bootstrap 90% band of the cubic ({cfg.num_bootstrap:,} resamples of the published "
                 "(d, n) points): " + "; ".join(f"d={a} {x:.3g}-{y:.3g}" for a, (x, y) in band_at.items()))
    lines.append("paper quotes " + ", ".join(f"{v} ({a})" for a, v in PAPER_EXTRAPOLATION.items())
                 + f" with r^2 {PAPER_FIT_R2}")
    (ctx.out_dir / "growth_fits_table.md").write_text(fits_table(fits, band_at, cfg.num_bootstrap))
    fig, axes = new_figure(1, 2, width=4.3, height=3.3)
    a, b = axes[0]
    paper_overlay(a, d, n)
    grid = np.linspace(4, 45, 200)
    for (name, f), c in zip(fits.items(), PALETTE[:4]):
        a.plot(grid, poly_eval(f.coef, grid), color=c, lw=1.2, label=name.replace("_le_cut", " (d<=40)"))
        # a log axis cannot show n <= 0: only the positive part of each fit is drawn
        ext = poly_eval(f.coef, at)
        ok = np.isfinite(ext) & (ext > 0)
        b.plot(at[ok], ext[ok], color=c, lw=1.2)
    pos = lo > 0
    b.fill_between(at[pos], lo[pos], hi[pos], color=PALETTE[0], alpha=0.2,
                   label="cubic, bootstrap 90%")
    b.plot(list(EXTRAPOLATION_DIMS), [PAPER_EXTRAPOLATION_VALUES[a] for a in EXTRAPOLATION_DIMS], "k*",
           label="paper's extrapolations")
    a.set(xlabel="d", ylabel="critical n", title="Fits to the published table")
    b.set(xscale="log", yscale="log", xlabel="d", ylabel="extrapolated critical n", title="Extrapolation")
    a.legend(fontsize=7)
    b.legend(fontsize=7)
    files = save_figure(fig, ctx.out_dir, "growth_fits")
    return Report("Growth fits: model form and bootstrap", lines=lines,
                  files=[*files, ctx.out_dir / "growth_fits_table.md"])


@sizes(tiny=dict(num_queries=50, real=False))
@dataclasses.dataclass(frozen=True)
class LimitQrelsConfig:
    """``signrank-limit-qrels``: the real LIMIT qrels (when the data cache has them) and generated
    sets of 1,000 queries per pattern; tiny: 50 queries, no real data."""

    num_queries: int = 1000
    real: bool = True


def run_limit(cfg: LimitQrelsConfig, ctx: RunContext) -> Report:
    from embtheory.data import DataError
    from embtheory.signrank import limit_qrels

    lines = []
    for name in ("limit-small", "limit") if cfg.real else ():
        try:
            rel, _, docs = limit_qrels(name)
        except DataError as e:
            lines.append(f"{name}: not in the data cache ({e}); set EMBTHEORY_DATA")
            continue
        s = qrel_graph_stats(rel)
        lines.append(
            f"{name}: {rel.shape[0]} queries over {len(docs)} documents; query-graph density "
            f"{s.density:.6f} (paper 0.085481), mean strength {s.mean_strength:.4f} (paper 28.4653)"
        )
    m = cfg.num_queries
    for pattern in ("dense", "random", "cycle", "disjoint"):
        n = 2 * m if pattern == "disjoint" else (46 if m == 1000 else 2 * m) if pattern == "dense" else m
        ds = generate_limit_dataset(n, m, pattern=pattern, key=ctx.key("limit-dataset", pattern))
        s = qrel_graph_stats(ds.rel)
        lines.append(f"generated {pattern} ({n} documents, {m} queries): density {s.density:.6f}, "
                     f"mean strength {s.mean_strength:.4f}")
    return Report("LIMIT qrel-graph statistics", lines=lines)


EXPERIMENTS = [
    Experiment(name="signrank-precision", area="signrank",
               title="Moment-curve construction in finite precision vs optimised critical n",
               paper="Alon, Frankl & Rödl 1985; Weller et al. 2025, Sec. 3", config=PrecisionConfig,
               run=run_precision, revision=2, x64=True),
    Experiment(name="signrank-table1", area="signrank", title="Table 1: margin-dimension bound",
               paper="Weller et al. 2025 (v2), Table 1", config=Table1Config, run=run_table1, revision=1),
    Experiment(name="signrank-growth-fits", area="signrank", title="Growth fits and their extrapolation",
               paper="Weller et al. 2025, Fig. 2 and Sec. 5", config=FitsConfig, run=run_fits, revision=1),
    Experiment(name="signrank-limit-qrels", area="signrank", title="LIMIT qrel-graph statistics",
               paper="Weller et al. 2025, Sec. 5 (qrel patterns)", config=LimitQrelsConfig, run=run_limit,
               revision=1),
]

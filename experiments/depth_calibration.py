"""Type-I error of the depth rank-sum test at alpha = 0.05: the normal approximation vs the exact
permutation test, on Gaussian and spherical (vMF-like) mixtures.

Under the null (F and G drawn from one mixture) an exact test rejects 5% of the time.  The
reference's test (Wilcoxon rank-sum on depths of F's and G's points, both with respect to F)
is only approximately calibrated: F's depths are leave-one-out depths from F itself, G's are
not, so the two depth samples are not exchangeable.  The permutation test recomputes every
depth for each relabelling and is exact by construction.

Command::

    embtheory reproduce depth-type1-error         # quick: d = 32, 500 trials, 199 relabellings
    embtheory reproduce depth-type1-error --full     # d = 384, 4,000 trials, 999 relabellings, 6 (m, n)

The measured quick runtime is in ``experiments/_runtimes.py`` (``embtheory list`` shows it).

Expected: permutation rates within the binomial 95% band around 0.05 for every (m, n); the
normal approximation close to it as well (see the docs page for what we noticed).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import derive_key, sizes
from embtheory.core.plotting import MARKERS, PALETTE, new_figure, save_figure

NAME = "depth-type1-error"
ALPHA = 0.05
FAMILIES = ("gaussian", "spherical")


@sizes(
    full=dict(d=384, trials=4000, perms=999,
              mn=((10, 10), (30, 30), (20, 200), (200, 20), (100, 100), (500, 500))),
    tiny=dict(d=4, trials=16, perms=19, mn=((12, 12),)),
)
@dataclasses.dataclass(frozen=True)
class TypeIErrorConfig:
    """Sizes of the type-I error check (``embtheory reproduce depth-type1-error [--full]``).

    Quick: d = 32, 500 null trials per (m, n), 199 relabellings, four (m, n) pairs.  Full adds
    d = 384 (the MiniLM width), 4,000 trials (binomial half-width 0.007 instead of 0.019),
    999 relabellings and the pairs (10, 10) and (500, 500).  The paper gives no numbers: an exact
    test rejects 5% of the time.
    """

    d: int = 32
    trials: int = 500
    perms: int = 199
    mn: tuple[tuple[int, int], ...] = ((30, 30), (20, 200), (200, 20), (100, 100))
    families: tuple[str, ...] = FAMILIES


def _sampler(family: str, m: int, n: int, d: int, key):
    from embtheory.depth import gaussian_mixture_sampler, spherical_mixture_sampler

    if family == "gaussian":
        return gaussian_mixture_sampler(key=key, m=m, n=n, d=d, shift=0.0)
    return spherical_mixture_sampler(key=key, m=m, n=n, d=d, angle=0.0)


def unit(cfg: dict) -> dict:
    """One (family, m, n) null configuration: rejection rates and p-value histograms."""
    from embtheory.depth import rejection_rates

    # one mixture per family (purpose ("structure", family)), as for the power curves
    structure = derive_key(cfg["seed"], "structure", cfg["family"])
    sampler = _sampler(cfg["family"], cfg["m"], cfg["n"], cfg["d"], structure)
    r = rejection_rates(sampler, key=derive_key(cfg["seed"], "trials", cfg["family"], cfg["m"], cfg["n"]),
                        n_trials=cfg["trials"], alpha=ALPHA, n_permutations=cfg["perms"])
    bins = np.linspace(0, 1, 21)
    return {"asymptotic": r.asymptotic, "permutation": r.permutation,
            "hist_asymptotic": np.histogram(np.asarray(r.pvalues), bins)[0].tolist(),
            "hist_permutation": np.histogram(np.asarray(r.pvalues_permutation), bins)[0].tolist()}


def run(cfg: TypeIErrorConfig, ctx: RunContext) -> Report:
    cfgs = [dict(family=f, m=m, n=n, d=cfg.d, trials=cfg.trials, perms=cfg.perms, seed=ctx.seed)
            for f in cfg.families for (m, n) in cfg.mn]
    results = ctx.sweep(cfgs, unit)
    T = cfg.trials
    half = 1.96 * np.sqrt(ALPHA * (1 - ALPHA) / T)
    lines = [f"binomial 95% band for {T} trials at alpha = {ALPHA}: [{ALPHA - half:.3f}, {ALPHA + half:.3f}]"]
    for c, r in zip(cfgs, results):
        lines.append(f"{c['family']}, m={c['m']}, n={c['n']}, d={c['d']}: type-I error "
                     f"normal {r['asymptotic']:.3f}, permutation {r['permutation']:.3f} (nominal 0.050)")
    fig, axes = new_figure(1, len(cfg.families), width=4.4, height=3.3)
    for ax, family in zip(np.ravel(axes), cfg.families):
        rows = [(c, r) for c, r in zip(cfgs, results) if c["family"] == family]
        x = np.arange(len(rows))
        ax.axhspan(ALPHA - half, ALPHA + half, color="0.85", label="binomial 95% band")
        ax.axhline(ALPHA, color="black", linewidth=0.8, linestyle="--")
        ax.plot(x - 0.08, [r["asymptotic"] for _, r in rows], MARKERS[0], color=PALETTE[0],
                label="normal (reference)")
        ax.plot(x + 0.08, [r["permutation"] for _, r in rows], MARKERS[1], color=PALETTE[1],
                label="permutation")
        ax.set_xticks(x, [f"{c['m']}/{c['n']}" for c, _ in rows])
        ax.set(xlabel="m / n", ylabel="type-I error", title=f"{family} mixture, d={cfg.d}",
               ylim=(0, max(0.12, max(max(r["asymptotic"], r["permutation"]) for _, r in rows) + 0.02)))
        ax.legend(loc="upper left")
    files = save_figure(fig, ctx.out_dir, "depth_type1_error")
    fig, ax = new_figure(width=4.4, height=3.3)
    centres = (np.arange(20) + 0.5) / 20
    for i, kind in enumerate(("asymptotic", "permutation")):
        counts = np.sum([r[f"hist_{kind}"] for r in results], axis=0)
        ax.step(centres, counts / counts.sum() * 20, where="mid", color=PALETTE[i],
                label={"asymptotic": "normal", "permutation": "permutation"}[kind])
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--", label="uniform")
    ax.set(xlabel="p-value under the null", ylabel="density (all configurations)", title="Null p-values")
    ax.legend()
    files += save_figure(fig, ctx.out_dir, "depth_null_pvalues")
    return Report("Depth rank-sum test: type-I error at alpha = 0.05", lines=lines, files=files)


EXPERIMENTS = [
    Experiment(name=NAME, area="depth",
               title="Type-I error of the depth rank-sum test: normal approximation vs permutation",
               paper="Seegmiller & Preum 2023 (test of Sec. 3); Liu & Singh 1993",
               config=TypeIErrorConfig, run=run, revision=2),
]

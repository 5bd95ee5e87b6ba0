"""Power of the depth rank-sum test against the size of a shift, on Gaussian and spherical mixtures.

Gaussian: every component mean of G moves by ``shift`` (noise s.d. 1) along one random
direction.  Spherical: every mean direction of G rotates by ``angle`` radians.  For each point
the rejection rate at alpha = 0.05 of the normal and the permutation p-value, and, for one
draw, the reference's pooled ``q`` next to Liu & Singh's ``Q`` (both 1/2 under the null; they
part ways as the shift grows).

Command::

    embtheory reproduce depth-power-curves           # quick: m = n = 100, d = 32, 200 trials, ~1 min CPU
    embtheory reproduce depth-power-curves --full    # m = n = 500, d = 384, 2,000 trials
"""

from __future__ import annotations

from embtheory.core import Experiment, Report, RunContext, root_key, run_sweep, split_named
from embtheory.core.plotting import MARKERS, PALETTE, house_style, new_figure, save_figure

ALPHA = 0.05
SIZES = {
    True: {"m": 100, "n": 100, "d": 32, "trials": 200, "perms": 99},
    False: {"m": 500, "n": 500, "d": 384, "trials": 2000, "perms": 999},
}
GRID = {"gaussian": [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0],
        "spherical": [0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4]}
LABEL = {"gaussian": "shift of every component mean (noise s.d. = 1)",
         "spherical": "rotation of every mean direction (radians)"}


def unit(cfg: dict) -> dict:
    """One (family, shift) point: rejection rates, and q vs Q_LS for one draw."""
    from embtheory.depth import (
        depth_rank_test,
        gaussian_mixture_sampler,
        rejection_rates,
        spherical_mixture_sampler,
    )

    keys = split_named(root_key(cfg["seed"]), "structure", "trials", "example")
    kw = dict(key=keys["structure"], m=cfg["m"], n=cfg["n"], d=cfg["d"])
    if cfg["family"] == "gaussian":
        sampler = gaussian_mixture_sampler(shift=cfg["shift"], **kw)
    else:
        sampler = spherical_mixture_sampler(angle=cfg["shift"], **kw)
    r = rejection_rates(sampler, key=keys["trials"], n_trials=cfg["trials"], alpha=ALPHA,
                        n_permutations=cfg["perms"])
    F, G = sampler(keys["example"])
    one = depth_rank_test(F, G)
    return {"asymptotic": r.asymptotic, "permutation": r.permutation, "q": float(one.q),
            "q_liu_singh": float(one.q_liu_singh)}


def _run(ctx: RunContext) -> Report:
    size = SIZES[ctx.quick]
    cfgs = [dict(experiment="depth-power-curves", family=f, shift=s, seed=ctx.seed, **size)
            for f in GRID for s in GRID[f]]
    results = run_sweep(ctx.store, cfgs, unit, desc="depth-power-curves", progress=ctx.progress)
    lines, files = [], []
    with house_style():
        fig, axes = new_figure(1, 2, width=4.4, height=3.3)
        for ax, family in zip(axes.ravel(), GRID):
            rows = [(c["shift"], r) for c, r in zip(cfgs, results) if c["family"] == family]
            xs = [s for s, _ in rows]
            ax.plot(xs, [r["asymptotic"] for _, r in rows], marker=MARKERS[0], color=PALETTE[0],
                    label="normal (reference)")
            ax.plot(xs, [r["permutation"] for _, r in rows], marker=MARKERS[1], color=PALETTE[1],
                    linestyle="--", label="permutation")
            ax.axhline(ALPHA, color="black", linewidth=0.8, linestyle=":")
            ax.set(xlabel=LABEL[family], ylabel=f"rejection rate at alpha = {ALPHA}",
                   title=f"{family}, m=n={size['m']}, d={size['d']}", ylim=(0, 1.02))
            ax.legend(loc="lower right")
            lines.append(f"{family}: power (normal / permutation) " + ", ".join(
                f"{s:g}: {r['asymptotic']:.2f}/{r['permutation']:.2f}" for s, r in rows))
            lines.append(f"{family}: one draw, reference q vs Liu-Singh Q " + ", ".join(
                f"{s:g}: {r['q']:.3f}/{r['q_liu_singh']:.3f}" for s, r in rows))
        files += save_figure(fig, ctx.out_dir, "depth_power_curves")
    return Report("Depth rank-sum test: power against shift size", lines=lines, files=files)


EXPERIMENTS = [
    Experiment(name="depth-power-curves", area="depth",
               title="Power of the depth rank-sum test vs shift size (Gaussian and spherical mixtures)",
               paper="Seegmiller & Preum 2023 (test of Sec. 3); Liu & Singh 1993", runtime_quick="1 min",
               runtime_full="not measured (GPU)", run=_run),
]

"""Power of the depth rank-sum test against the size of a shift, on Gaussian and spherical mixtures.

Gaussian: every component mean of G moves by ``shift`` (noise s.d. 1) inwards along F's mean
vector ``u`` (the mean of the component means, which share an offset), i.e. G's means become
``c_k - shift u`` (revision 3).  Why this direction: the test is one-sided ("G more outlying than
F") and cosine TTE depth is ``D(y) = 1 + y^ . mu`` with ``mu`` F's mean direction (close to
``u``).  Moving G along ``+u`` makes it *deeper* (the one-sided test then has no power however
large the shift: use ``alternative="two-sided"`` for that), and a shift along an unconstrained
random direction made the curve depend on the seed through that direction's component along
``u`` (revision 2's mixture of seed 0 drew one whose curve stayed at 0.00 at a shift of 2; the
mixture drawn before revision 2 rose to 1.00).  Moving along ``-u`` lowers every point's cosine
to ``mu`` to first order (a sideways move only to second order), so G becomes more outlying for
every seed: the curve is the power against G drifting away from F's depth centre, the
alternative the one-sided test is built for.

Spherical: every mean direction of G rotates by ``angle`` radians towards a random direction
orthogonal to it (in d = 32 nearly orthogonal to the common pole too, so G moves off F's centre
for any seed).  For each point the rejection rate at alpha = 0.05 of the normal and the
permutation p-value, and, for one draw, the reference's pooled ``q`` next to Liu & Singh's ``Q``
(both 1/2 under the null; they part ways as the shift grows).

Command::

    embtheory reproduce depth-power-curves           # quick: m = n = 100, d = 32, 200 trials
    embtheory reproduce depth-power-curves --full    # m = n = 500, d = 384, 2,000 trials, 999 relabellings

The measured quick runtime is in ``experiments/_runtimes.py`` (``embtheory list`` shows it).
"""

from __future__ import annotations

import dataclasses

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import derive_key, sizes
from embtheory.core.plotting import MARKERS, PALETTE, new_figure, save_figure

NAME = "depth-power-curves"
ALPHA = 0.05
LABEL = {"gaussian": "inward shift of every component mean (noise s.d. = 1)",
         "spherical": "rotation of every mean direction (radians)"}


@sizes(
    full=dict(m=500, n=500, d=384, trials=2000, perms=999),
    tiny=dict(m=40, n=40, d=32, trials=16, perms=19, gaussian=(0.0, 2.5), spherical=(0.0, 0.6)),
)
@dataclasses.dataclass(frozen=True)
class PowerConfig:
    """Sizes of the power curves (``embtheory reproduce depth-power-curves [--full]``).

    Quick: m = n = 100, d = 32, 200 trials per point, 99 relabellings.  Full: m = n = 500,
    d = 384 (the MiniLM width), 2,000 trials, 999 relabellings.  The paper gives no power
    numbers; the expected shape is a rate of 0.05 at no shift rising to 1 for both families.
    The Gaussian shift moves G inwards along F's mean vector (see the module doc), so the
    one-sided test has power for every seed (the mixture itself is still drawn from the seed).
    Quick, seed 0 (normal/permutation): 0.02/0.04 at no shift, 0.47/0.45 at 0.3, 0.97/0.97 at
    0.6, 1.00/1.00 at 0.8 (hence the grid, finer than revision 2's 0-2).
    """

    m: int = 100
    n: int = 100
    d: int = 32
    trials: int = 200
    perms: int = 99
    gaussian: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8)
    spherical: tuple[float, ...] = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4)


def sampler_for(cfg: dict):
    """The sampler of one point.  Its mixture (component means, the shift's direction) comes from
    the key of the purpose ``("structure", family)``, the same for every shift: a power curve
    moves one mixture further and further, it does not draw a new mixture per point."""
    from embtheory.depth import gaussian_mixture_sampler, spherical_mixture_sampler

    kw = dict(key=derive_key(cfg["seed"], "structure", cfg["family"]), m=cfg["m"], n=cfg["n"], d=cfg["d"])
    if cfg["family"] == "gaussian":
        null = gaussian_mixture_sampler(shift=0.0, **kw)  # F's mixture (G = F)
        return dataclasses.replace(null, means_G=null.means_F - cfg["shift"] * inward_direction(null.means_F))
    return spherical_mixture_sampler(angle=cfg["shift"], **kw)


def inward_direction(means):
    """F's mean vector as a unit row ``[1, d]`` (the mean of the component means, which
    share the offset): G moves by ``-shift`` times it, away from F's depth centre."""
    import jax.numpy as jnp

    from embtheory.core.pairwise import unit_rows

    return unit_rows(jnp.mean(means, axis=0, keepdims=True))


def unit(cfg: dict) -> dict:
    """One (family, shift) point: rejection rates, and q vs Q_LS for one draw.

    The trials and the example draw use the same keys at every shift (common random numbers),
    so the curve's steps come from the shift, not from new noise.
    """
    from embtheory.depth import depth_rank_test, rejection_rates

    sampler = sampler_for(cfg)
    r = rejection_rates(sampler, key=derive_key(cfg["seed"], "trials", cfg["family"]), n_trials=cfg["trials"],
                        alpha=ALPHA, n_permutations=cfg["perms"])
    F, G = sampler(derive_key(cfg["seed"], "example", cfg["family"]))
    one = depth_rank_test(F, G)
    return {"asymptotic": r.asymptotic, "permutation": r.permutation, "q": float(one.q),
            "q_liu_singh": float(one.q_liu_singh)}


def run(cfg: PowerConfig, ctx: RunContext) -> Report:
    grid = {"gaussian": cfg.gaussian, "spherical": cfg.spherical}
    cfgs = [dict(family=f, shift=s, seed=ctx.seed, m=cfg.m, n=cfg.n, d=cfg.d, trials=cfg.trials,
                 perms=cfg.perms) for f in grid for s in grid[f]]
    results = ctx.sweep(cfgs, unit)
    lines = []
    fig, axes = new_figure(1, 2, width=4.4, height=3.3)
    for ax, family in zip(axes.ravel(), grid):
        rows = [(c["shift"], r) for c, r in zip(cfgs, results) if c["family"] == family]
        xs = [s for s, _ in rows]
        ax.plot(xs, [r["asymptotic"] for _, r in rows], marker=MARKERS[0], color=PALETTE[0],
                label="normal (reference)")
        ax.plot(xs, [r["permutation"] for _, r in rows], marker=MARKERS[1], color=PALETTE[1],
                linestyle="--", label="permutation")
        ax.axhline(ALPHA, color="black", linewidth=0.8, linestyle=":")
        ax.set(xlabel=LABEL[family], ylabel=f"rejection rate at alpha = {ALPHA}",
               title=f"{family}, m=n={cfg.m}, d={cfg.d}", ylim=(0, 1.02))
        ax.legend(loc="upper left")  # power rises to the right: the top left is empty
        lines.append(f"{family}: power (normal / permutation) " + ", ".join(
            f"{s:g}: {r['asymptotic']:.2f}/{r['permutation']:.2f}" for s, r in rows))
        lines.append(f"{family}: one draw, reference q vs Liu-Singh Q " + ", ".join(
            f"{s:g}: {r['q']:.3f}/{r['q_liu_singh']:.3f}" for s, r in rows))
    files = save_figure(fig, ctx.out_dir, "depth_power_curves")
    return Report("Depth rank-sum test: power against shift size", lines=lines, files=files)


EXPERIMENTS = [
    Experiment(name=NAME, area="depth",
               title="Power of the depth rank-sum test vs shift size (Gaussian and spherical mixtures)",
               paper="Seegmiller & Preum 2023 (test of Sec. 3); Liu & Singh 1993",
               config=PowerConfig, run=run, revision=3),
]

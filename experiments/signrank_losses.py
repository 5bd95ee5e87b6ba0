"""Loss variants of the free-embedding experiment: code InfoNCE, footnote InfoNCE, sigmoid, margin.

The official code's InfoNCE averages the log-probability of each relevant document over a
softmax on all documents; the paper's footnote sums the relevant probabilities inside the log;
Appendix C (v2) reports that a sigmoid (pairwise) loss solves the problem in fewer dimensions.
Here each loss runs the same critical-n search (same optimiser, stopping rule and seeds).

Command::

    embtheory reproduce signrank-loss-variants        # quick: d = 4..6, seed 42, CPU minutes

Noticed: the footnote loss can reach ~0 without solving (one relevant document may stay below
an irrelevant one while their summed probability approaches 1).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import sizes
from embtheory.core.plotting import (
    MARKERS,
    PALETTE,
    integer_axis,
    legend_outside,
    new_figure,
    paper_overlay,
    save_figure,
)
from embtheory.core.progress import progress
from embtheory.core.reporting import format_dims
from embtheory.signrank import LOSSES, PUBLISHED_CRITICAL_N, Recipe, critical_n


@sizes(
    quick=dict(dims=(4, 5)),
    full=dict(dims=tuple(range(4, 21)), seeds=(42, 43, 44, 45, 46)),
    tiny=dict(dims=(3,), losses=("infonce", "sigmoid")),
    cpu_full=dict(dims=tuple(range(4, 12)), seeds=(42, 43, 44, 45, 46)),
    cpu_note=("d = 4..11 for the four losses over the five seeds; a GPU adds d = 12..20 (the store "
              "already holds the code InfoNCE and footnote searches to d = 20)"),
)
@dataclasses.dataclass(frozen=True)
class LossVariantsConfig:
    """Sizes of ``signrank-loss-variants``: ``embtheory reproduce signrank-loss-variants``.

    quick: d = 4, 5, seed 42 (the main job; d = 6 adds a minute: ``LossVariantsConfig()``); full:
    d = 4..20, five seeds (GPU);
    tiny: d = 3, seed 42, the official loss and the sigmoid loss (seconds).
    The paper's critical n (code InfoNCE): 10, 14, 19 at d = 4, 5, 6.
    """

    dims: tuple[int, ...] = (4, 5, 6)
    seeds: tuple[int, ...] = (42,)
    losses: tuple[str, ...] = LOSSES


def run(cfg: LossVariantsConfig, ctx: RunContext) -> Report:
    med: dict[str, list[float]] = {}
    cells: dict[str, list[str]] = {}
    for loss in cfg.losses:
        med[loss], cells[loss] = [], []
        for d in progress(cfg.dims, desc=f"loss {loss}", enabled=ctx.progress):
            res = critical_n(d, seeds=cfg.seeds, recipe=Recipe(loss=loss), store=ctx.store, bracket=4)
            solved = [r.largest_solved for r in res if r.largest_solved is not None]
            if not solved:
                # "0" would read as a critical n; say that nothing was solved, and at which n
                tried = sorted({n for r in res for n in r.sequence if n > r.k})
                med[loss].append(np.nan)
                cells[loss].append(f"d={d}: none solved (tried n = {', '.join(map(str, tried))})")
                continue
            med[loss].append(float(np.median(solved)))
            unsolved = len(res) - len(solved)
            cells[loss].append(f"d={d}: {np.median(solved):g} ({min(solved)}-{max(solved)})"
                               + (f", {unsolved} of {len(res)} seeds solved none" if unsolved else ""))
    dims = list(cfg.dims)
    lines = [f"{loss}: median largest solved n " + ", ".join(cells[loss]) for loss in cfg.losses]
    fig, ax = new_figure(width=6.4, height=3.4)  # room for the legend beside the axes
    for i, loss in enumerate(cfg.losses):
        none = [d for d, m in zip(dims, med[loss]) if np.isnan(m)]
        label = loss + (f" (none solved at {format_dims(none)})" if none else "")
        ax.plot(dims, med[loss], marker=MARKERS[i], color=PALETTE[i], label=label)
    known = [d for d in dims if d in PUBLISHED_CRITICAL_N]
    if known:
        paper_overlay(ax, known, [PUBLISHED_CRITICAL_N[d] for d in known], label="paper (code InfoNCE)")
    ax.set(xlabel="d", ylabel="critical n (median largest solved)", title="Loss variants")
    integer_axis(ax, dims)
    legend_outside(ax, fontsize=7)
    files = save_figure(fig, ctx.out_dir, "loss_variants")
    return Report("Loss variants: critical n per loss", lines=lines, files=files)


EXPERIMENTS = [
    Experiment(name="signrank-loss-variants", area="signrank", title="Critical n for four losses",
               paper="Weller et al. 2025, footnote of Sec. 4 and App. C (v2)", config=LossVariantsConfig,
               run=run, revision=1),
]

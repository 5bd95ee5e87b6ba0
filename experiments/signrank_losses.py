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

import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.plotting import MARKERS, PALETTE, house_style, new_figure, paper_overlay, save_figure
from embtheory.core.progress import progress
from embtheory.signrank import LOSSES, PUBLISHED_CRITICAL_N, Recipe, critical_n

SIZES = {True: {"dims": list(range(4, 7)), "seeds": [42]},
         False: {"dims": list(range(4, 21)), "seeds": [42, 43, 44, 45, 46]}}


def _run(ctx: RunContext) -> Report:
    size = SIZES[ctx.quick]
    med: dict[str, list[float]] = {}
    rng: dict[str, list[tuple[int, int]]] = {}
    for loss in LOSSES:
        med[loss], rng[loss] = [], []
        for d in progress(size["dims"], desc=f"loss {loss}", enabled=ctx.progress):
            res = critical_n(d, seeds=size["seeds"], recipe=Recipe(loss=loss), store=ctx.store, bracket=4)
            solved = [r.largest_solved or 0 for r in res]
            med[loss].append(float(np.median(solved)))
            rng[loss].append((min(solved), max(solved)))
    dims = size["dims"]
    lines = [f"{loss}: median largest solved n " + ", ".join(f"d={d}: {m:g} ({lo}-{hi})" for d, m, (lo, hi)
                                                             in zip(dims, med[loss], rng[loss]))
             for loss in LOSSES]
    with house_style():
        fig, ax = new_figure(width=4.6, height=3.4)
        for i, loss in enumerate(LOSSES):
            ax.plot(dims, med[loss], marker=MARKERS[i], color=PALETTE[i], label=loss)
        paper_overlay(ax, dims, [PUBLISHED_CRITICAL_N[d] for d in dims], label="paper (code InfoNCE)")
        ax.set(xlabel="d", ylabel="critical n (median largest solved)", title="Loss variants")
        ax.legend()
        files = save_figure(fig, ctx.out_dir, "loss_variants")
    return Report("Loss variants: critical n per loss", lines=lines, files=files)


EXPERIMENTS = [
    Experiment(name="signrank-loss-variants", area="signrank", title="Critical n for four losses",
               paper="Weller et al. 2025, footnote of Sec. 4 and App. C (v2)", runtime_quick="1 min",
               runtime_full="not measured (GPU)", run=_run),
]

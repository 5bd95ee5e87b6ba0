"""TTE depth of real sentence embeddings: most central / outlying sentences, DD-plots between corpora.

Seegmiller & Preum (2023) rank a corpus's sentences by TTE depth of their SBERT embeddings: the
deepest are the most typical, the least deep the outliers.  Here all-MiniLM-L6-v2 (our Flax
port) embeds a class-balanced sample of SST-2, MR, SUBJ, CR and TREC.

Commands (from the repository root)::

    embtheory reproduce text-depth-central text-dd-plots          # quick: 5 x 240 sentences
    embtheory reproduce text-depth-central text-dd-plots --full   # 5 x 2,000 sentences

The measured quick runtimes are in ``experiments/_runtimes.py`` (``embtheory list`` shows them).

Expected: the central sentences are fluent, on-topic statements of their class; the outliers
are fragments, foreign-language or corrupted sentences (e.g. the part-of-speech debris in
TREC).  DD-plots of two sentiment corpora of movie reviews (SST-2, MR) hug the diagonal;
against SUBJ, CR or TREC the points separate.
The paper gives no numbers for these; they are qualitative.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from pathlib import Path

import _text_common  # a private helper of experiments/, on sys.path under `embtheory reproduce`
import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import sizes
from embtheory.core.plotting import PALETTE, new_figure, save_figure

PAIRS = (("sst2", "mr"), ("mr", "cr"), ("sst2", "cr"), ("sst2", "subj"), ("sst2", "trec"), ("cr", "trec"))
PAPER = "Seegmiller & Preum 2023 (EMNLP), TTE depth; corpora of embtheory.data"


@sizes(full=dict(per_corpus=2000, batch_size=256), tiny=dict(corpora=("sst2", "trec"), per_corpus=36))
@dataclasses.dataclass(frozen=True)
class CentralConfig:
    """Sizes of the central/outlying sentences (``embtheory reproduce text-depth-central [--full]``).

    Quick: 240 sentences per corpus, class-balanced; full: 2,000.  The paper shows examples, not
    numbers: the comparison is qualitative.
    """

    corpora: tuple[str, ...] = _text_common.CORPORA
    per_corpus: int = 240
    top: int = 3
    batch_size: int = 64


@sizes(
    full=dict(per_corpus=2000, batch_size=256),
    tiny=dict(pairs=(("sst2", "mr"), ("sst2", "trec")), per_corpus=36),
)
@dataclasses.dataclass(frozen=True)
class DDConfig:
    """Sizes of the DD-plots (``embtheory reproduce text-dd-plots [--full]``).

    Quick: 240 sentences per corpus and six pairs of corpora; full: 2,000 sentences.  The paper
    gives no numbers for these plots.
    """

    pairs: tuple[tuple[str, str], ...] = PAIRS
    per_corpus: int = 240
    batch_size: int = 64


def corpus_unit(cfg: dict, *, cache: Path, progress: bool) -> dict:
    """One corpus: the most central and most outlying sentences, overall and per class."""
    import jax.numpy as jnp

    from embtheory.depth import most_central, most_outlying, tte_depth

    c = _text_common
    top = cfg["top"]
    sentences, labels, X = c.embedded_sample(cache, cfg["corpus"], cfg, progress=progress)
    out = {"n": len(sentences), "classes": {}}
    d_all = np.asarray(tte_depth(jnp.asarray(X)))
    out["depth_quantiles"] = np.quantile(d_all, [0.0, 0.25, 0.5, 0.75, 1.0]).tolist()
    out["central_all"] = [sentences[i] for i in np.asarray(most_central(X, top))]
    out["outlying_all"] = [sentences[i] for i in np.asarray(most_outlying(X, top))]
    for cls in np.unique(labels):
        rows = np.flatnonzero(labels == cls)
        Xc = jnp.asarray(X[rows])
        d = np.asarray(tte_depth(Xc))
        central = rows[np.asarray(most_central(Xc, top))]
        outlying = rows[np.asarray(most_outlying(Xc, top))]
        lengths = np.array([len(sentences[i].split()) for i in rows])
        out["classes"][str(int(cls))] = {
            "central": [sentences[i] for i in central],
            "outlying": [sentences[i] for i in outlying],
            "depth_central": np.sort(d)[::-1][:top].tolist(),
            "depth_outlying": np.sort(d)[:top].tolist(),
            "depths": d.tolist(),
            # Spearman correlation of depth and sentence length (words): is "typical" = "short"?
            "rho_depth_length": float(np.corrcoef(np.argsort(np.argsort(d)),
                                                  np.argsort(np.argsort(lengths)))[0, 1]),
        }
    return out


def run_central(cfg: CentralConfig, ctx: RunContext) -> Report:
    c = _text_common
    cfgs = [dict(corpus=name, n=cfg.per_corpus, seed=ctx.seed, model=c.MODEL, batch_size=cfg.batch_size,
                 top=cfg.top) for name in cfg.corpora]
    results = ctx.sweep(cfgs, partial(corpus_unit, cache=ctx.store.root, progress=ctx.progress))
    rows, lines = [], []
    for u, res in zip(cfgs, results):
        names = c.CLASS_NAMES[u["corpus"]]
        for cls, r in sorted(res["classes"].items(), key=lambda kv: int(kv[0])):
            label = names[int(cls)]
            for rank in range(min(cfg.top, len(r["central"]))):
                rows.append([u["corpus"], label, rank + 1, f"{r['depth_central'][rank]:.3f}",
                             r["central"][rank], f"{r['depth_outlying'][rank]:.3f}", r["outlying"][rank]])
            lines.append(f"{u['corpus']} / {label}: most central \"{r['central'][0]}\"; most outlying "
                         f"\"{r['outlying'][0]}\" (Spearman rho(depth, length) = "
                         f"{r['rho_depth_length']:+.2f})")
    table = ctx.out_dir / "central_outlying.md"
    header = ["corpus", "class", "rank", "depth", "most central", "depth", "most outlying"]
    table.write_text(c.md_table(header, rows))
    fig, ax = new_figure(width=7.0, height=3.2)
    data, ticks = [], []
    for u, res in zip(cfgs, results):
        for cls, r in sorted(res["classes"].items(), key=lambda kv: int(kv[0])):
            data.append(r["depths"])
            ticks.append(f"{u['corpus']}\n{c.CLASS_NAMES[u['corpus']][int(cls)]}")
    parts = ax.boxplot(data, patch_artist=True, showfliers=True, flierprops=dict(markersize=2))
    for i, box in enumerate(parts["boxes"]):
        box.set_facecolor(PALETTE[c.CORPORA.index(ticks[i].split("\n")[0]) % len(PALETTE)])
        box.set_alpha(0.6)
    ax.set_xticks(range(1, len(ticks) + 1), ticks, rotation=60, fontsize=7)
    ax.set_ylabel("TTE depth within class (cosine)")
    ax.set_title(f"Depth of {c.MODEL} embeddings, {cfg.per_corpus} sentences per corpus")
    files = save_figure(fig, ctx.out_dir, "depth_by_class")
    return Report("Depth on real text: most central and most outlying sentences per corpus and class",
                  lines=[*lines, "the paper shows examples, not numbers: qualitative comparison only"],
                  files=[table, *files])


def dd_unit(cfg: dict, *, cache: Path, progress: bool) -> dict:
    """One pair of corpora: DD-plot coordinates and the share of points deeper in their own corpus."""
    from embtheory.depth import dd_plot

    dd = dd_plot(*_text_common.pair_embeddings(cache, cfg, progress=progress))
    x, y, g = (np.asarray(a) for a in dd)
    # share of points closer (in depth) to their own corpus than to the other one
    own = np.where(g, y > x, x > y)
    return {"depth_F": x.tolist(), "depth_G": y.tolist(), "from_G": g.tolist(),
            "separation": float(own.mean())}


def run_dd(cfg: DDConfig, ctx: RunContext) -> Report:
    from embtheory.depth import DDPlot, plot_dd

    c = _text_common
    cfgs = [dict(F=f, G=g, n=cfg.per_corpus, seed=ctx.seed, model=c.MODEL, batch_size=cfg.batch_size)
            for f, g in cfg.pairs]
    results = ctx.sweep(cfgs, partial(dd_unit, cache=ctx.store.root, progress=ctx.progress))
    ncols = min(3, len(cfgs))
    fig, axes = new_figure(-(-len(cfgs) // ncols), ncols, width=3.3, height=3.1)
    for ax, u, res in zip(np.ravel(axes), cfgs, results):
        dd = DDPlot(np.asarray(res["depth_F"]), np.asarray(res["depth_G"]), np.asarray(res["from_G"]))
        plot_dd(dd, ax, labels=(u["F"], u["G"]), alpha=0.5)
        ax.set_title(f"{u['F']} vs {u['G']}: {100 * res['separation']:.0f}% deeper in own")
    files = save_figure(fig, ctx.out_dir, "dd_plots")
    lines = [f"{u['F']} vs {u['G']}: {100 * res['separation']:.1f}% of points are deeper in their own "
             "corpus (50% = indistinguishable)" for u, res in zip(cfgs, results)]
    return Report("DD-plots between corpora (TTE depth, all-MiniLM-L6-v2)", lines=lines, files=files)


EXPERIMENTS = [
    Experiment(name="text-depth-central", area="text",
               title="Most central / outlying sentences per corpus and class (MiniLM, TTE depth)",
               paper=PAPER, config=CentralConfig, run=run_central, revision=1),
    Experiment(name="text-dd-plots", area="text", title="DD-plots between SST-2, MR, CR, SUBJ, TREC",
               paper=PAPER, config=DDConfig, run=run_dd, revision=1),
]

"""Distribution shift on real text: the depth rank-sum test, human vs augmented and between corpora.

Seegmiller & Preum (2023) test whether synthetic text is more outlying than human text with a
Wilcoxon rank-sum test on TTE depths with respect to the human corpus F, and measure the shift
with Liu & Singh's Q = P(D(X; F) <= D(Y; F)) (0.5: no shift; smaller: G more outlying).

Here the human corpus F is half of a class-balanced SST-2 sample; G is the other half, either
unchanged (the null control: no shift) or perturbed by word-level random swap, deletion or
insertion (:func:`embtheory.encoders.augment`) at several strengths.  Between corpora, F and G
are samples of SST-2, MR, CR and SUBJ.  Each test reports z, the asymptotic p-value, the
permutation p-value, the reference package's q and Liu & Singh's Q.

Commands::

    embtheory reproduce text-shift-augment text-shift-corpora          # quick
    embtheory reproduce text-shift-augment text-shift-corpora --full

The measured quick runtimes are in ``experiments/_runtimes.py`` (``embtheory list`` shows them).

Expected: the control is not rejected (p ~ U(0, 1), Q ~ 0.5); Q falls and z grows with the
strength of every augmentation; SST-2 vs MR (both Rotten Tomatoes snippets) shows little shift,
CR (product reviews) and SUBJ (plot summaries) a large one.  The paper's own augmented corpora
(and their numbers) are not available here: the comparison is qualitative.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from pathlib import Path

import _text_common  # a private helper of experiments/, on sys.path under `embtheory reproduce`
import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import derive_key, derive_seed, sizes
from embtheory.core.plotting import MARKERS, PALETTE, new_figure, save_figure
from embtheory.core.reporting import format_pvalue, read_one_sided

SHIFT_CORPORA = ("sst2", "mr", "cr", "subj")
AUGMENTATIONS = ("swap", "delete", "insert")
PAPER = "Seegmiller & Preum 2023 (EMNLP), depth rank-sum test; Liu & Singh 1993"
# The test is one-sided (alternative="greater"): z > 0 when G's texts are less deep in F than F's own.
TESTS = "G more outlying than F (z > 0)"
OPPOSITE = "G more central than F"


@sizes(
    full=dict(n=1000, strengths=(0.05, 0.1, 0.2, 0.4), permutations=10000, batch_size=256),
    tiny=dict(n=24, methods=("delete",), strengths=(0.5,), permutations=99),
)
@dataclasses.dataclass(frozen=True)
class AugmentConfig:
    """Sizes of human vs augmented text (``embtheory reproduce text-shift-augment [--full]``).

    Quick: 2 x 120 SST-2 sentences, strengths 0.1 and 0.3, 1,000 relabellings.  Full: 2 x 1,000
    sentences, strengths 0.05-0.4, 10,000 relabellings.  The paper's augmented corpora (and
    numbers) are not available: qualitative comparison.
    """

    n: int = 120
    methods: tuple[str, ...] = AUGMENTATIONS
    strengths: tuple[float, ...] = (0.1, 0.3)
    permutations: int = 1000
    batch_size: int = 64


@sizes(
    full=dict(per_corpus=2000, permutations=10000, batch_size=256),
    tiny=dict(corpora=("sst2", "cr"), per_corpus=36, permutations=99),
)
@dataclasses.dataclass(frozen=True)
class CorporaConfig:
    """Sizes of the shift between corpora (``embtheory reproduce text-shift-corpora [--full]``).

    Quick: 240 sentences per corpus, 1,000 relabellings; full: 2,000 and 10,000.
    """

    corpora: tuple[str, ...] = SHIFT_CORPORA
    per_corpus: int = 240
    permutations: int = 1000
    batch_size: int = 64


def _test(F, G, n_permutations: int, key) -> dict:
    from embtheory.depth import depth_rank_test

    r = depth_rank_test(F, G, alternative="greater", n_permutations=n_permutations, key=key)
    return {"z": float(r.statistic), "p": float(r.pvalue), "p_perm": float(r.pvalue_permutation),
            "q": float(r.q), "Q": float(r.q_liu_singh), "m": int(F.shape[0]), "n": int(G.shape[0])}


def _halves(cfg):
    c = _text_common
    sentences, _labels = c.corpus_sample("sst2", 2 * cfg["n"], cfg["seed"])
    order = np.random.default_rng(derive_seed(cfg["seed"], "human-halves")).permutation(len(sentences))
    a, b = order[: len(order) // 2], order[len(order) // 2:]
    return [sentences[i] for i in a], [sentences[i] for i in b]


def augment_unit(cfg: dict, *, cache: Path, progress: bool) -> dict:
    """One augmentation at one strength (or the unchanged control): the depth rank-sum test."""
    from embtheory.encoders import augment

    c = _text_common
    human_a, human_b = _halves(cfg)
    F = c.embed(cache, "sst2", human_a, batch_size=cfg["batch_size"], progress=progress)
    where = (cfg["method"], cfg["strength"])
    if cfg["method"] == "none":
        G_text = human_b
    else:
        G_text = augment(human_b, method=cfg["method"], strength=cfg["strength"],
                         key=derive_key(cfg["seed"], "augment", *where))
    G = c.embed(cache, f"sst2-{cfg['method']}", G_text, batch_size=cfg["batch_size"], progress=progress)
    out = _test(F, G, cfg["permutations"], derive_key(cfg["seed"], "permutations", *where))
    out["example"] = [human_b[0], G_text[0]]
    return out


def run_augment(cfg: AugmentConfig, ctx: RunContext) -> Report:
    c = _text_common
    base = dict(n=cfg.n, seed=ctx.seed, model=c.MODEL, permutations=cfg.permutations,
                batch_size=cfg.batch_size)
    cfgs = [dict(base, method="none", strength=0.0)]
    cfgs += [dict(base, method=m, strength=s) for m in cfg.methods for s in cfg.strengths]
    results = ctx.sweep(cfgs, partial(augment_unit, cache=ctx.store.root, progress=ctx.progress))
    rows = [[u["method"], u["strength"], r["m"], r["n"], f"{r['z']:.2f}", c.fmt_p(r["p"]),
             c.fmt_p(r["p_perm"]), f"{r['q']:.3f}", f"{r['Q']:.3f}"] for u, r in zip(cfgs, results)]
    table = ctx.out_dir / "shift_augment.md"
    header = ["augmentation", "strength", "m (human F)", "n (G)", "z", "p (normal)",
              f"p (perm., {cfg.permutations})", "q (reference)", "Q (Liu-Singh)"]
    table.write_text(c.md_table(header, rows)
                     + "\nExamples (human -> augmented):\n\n"
                     + "\n".join(f"- {u['method']} {u['strength']}: \"{r['example'][0]}\" -> "
                                 f"\"{r['example'][1]}\"" for u, r in zip(cfgs, results)) + "\n")
    fig, axes = new_figure(1, 2, width=3.6, height=3.0)
    ax_q, ax_z = axes.ravel()
    control = results[0]
    for i, m in enumerate(cfg.methods):
        pts = [(u["strength"], r) for u, r in zip(cfgs, results) if u["method"] == m]
        xs = [0.0] + [s for s, _ in pts]
        style = dict(marker=MARKERS[i], color=PALETTE[i], label=m)
        ax_q.plot(xs, [control["Q"]] + [r["Q"] for _, r in pts], **style)
        ax_z.plot(xs, [control["z"]] + [r["z"] for _, r in pts], **style)
    ax_q.axhline(0.5, color="black", linestyle="--", linewidth=0.8)
    ax_z.axhline(1.645, color="black", linestyle=":", linewidth=0.8, label="z for p = 0.05")
    ax_q.set_xlabel("augmentation strength")
    ax_q.set_ylabel("Liu & Singh Q (0.5: no shift)")
    ax_z.set_xlabel("augmentation strength")
    ax_z.set_ylabel("rank-sum z (human deeper)")
    ax_q.legend()
    ax_z.legend()
    files = save_figure(fig, ctx.out_dir, "shift_augment")
    lines = [f"{u['method']} {u['strength']}: z = {r['z']:.2f}, {format_pvalue(r['p'])}, "
             f"{format_pvalue(r['p_perm'], name='p_perm')}, q = {r['q']:.3f}, Q = {r['Q']:.3f}; "
             + read_one_sided(r["z"], r["p"], tests=TESTS, opposite=OPPOSITE)
             for u, r in zip(cfgs, results)]
    return Report("Distribution shift: human SST-2 vs word-level augmentations (depth rank-sum test)",
                  lines=lines, files=[table, *files])


def corpora_unit(cfg: dict, *, cache: Path, progress: bool) -> dict:
    """One ordered pair of corpora (F the reference, G tested): the depth rank-sum test."""
    F, G = _text_common.pair_embeddings(cache, cfg, progress=progress)
    key = derive_key(cfg["seed"], "permutations", cfg["F"], cfg["G"])
    return _test(F, G, cfg["permutations"], key)


def run_corpora(cfg: CorporaConfig, ctx: RunContext) -> Report:
    c = _text_common
    names = cfg.corpora
    cfgs = [dict(F=f, G=g, n=cfg.per_corpus, seed=ctx.seed, model=c.MODEL, permutations=cfg.permutations,
                 batch_size=cfg.batch_size) for f in names for g in names if f != g]
    results = ctx.sweep(cfgs, partial(corpora_unit, cache=ctx.store.root, progress=ctx.progress))
    rows = [[u["F"], u["G"], f"{r['z']:.2f}", c.fmt_p(r["p"]), c.fmt_p(r["p_perm"]), f"{r['q']:.3f}",
             f"{r['Q']:.3f}"] for u, r in zip(cfgs, results)]
    table = ctx.out_dir / "shift_corpora.md"
    table.write_text(c.md_table(["F (reference)", "G", "z", "p (normal)", "p (perm.)", "q", "Q (Liu-Singh)"],
                                rows))
    Q = np.full((len(names), len(names)), 0.5)
    for u, r in zip(cfgs, results):
        Q[names.index(u["F"]), names.index(u["G"])] = r["Q"]
    fig, ax = new_figure(width=4.0, height=3.4)
    im = ax.imshow(Q, vmin=0.0, vmax=0.5, cmap="viridis")
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{Q[i, j]:.2f}" if i != j else "-", ha="center", va="center",
                    color="white" if Q[i, j] < 0.3 else "black", fontsize=8)
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("G (tested)")
    ax.set_ylabel("F (reference)")
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="Liu & Singh Q")
    files = save_figure(fig, ctx.out_dir, "shift_corpora")
    lines = [f"F={u['F']}, G={u['G']}: z = {r['z']:.2f}, {format_pvalue(r['p'])}, "
             f"{format_pvalue(r['p_perm'], name='p_perm')}, Q = {r['Q']:.3f}; "
             + read_one_sided(r["z"], r["p"], tests=TESTS, opposite=OPPOSITE)
             for u, r in zip(cfgs, results)]
    return Report("Distribution shift between corpora (depth rank-sum test)", lines=lines,
                  files=[table, *files])


EXPERIMENTS = [
    Experiment(name="text-shift-augment", area="text",
               title="Human vs augmented text (swap / delete / insert): z, p, p_perm, q, Q",
               paper=PAPER, config=AugmentConfig, run=run_augment, revision=1),
    Experiment(name="text-shift-corpora", area="text", title="Shift between SST-2, MR, CR and SUBJ",
               paper=PAPER, config=CorporaConfig, run=run_corpora, revision=1),
]

"""Selecting k-shot examples by depth, against random, centroid and diversity baselines.

Seegmiller & Preum (2023) pick in-context-learning demonstrations for an LLM prompt by TTE depth
(the most central examples of each class) and compare with random and other selections.  No LLM
is run here: a few-shot classifier on the same MiniLM embeddings (nearest class mean, and 1-NN)
stands in for the LLM, so the accuracies measure how representative the chosen examples are of
their class, not in-context-learning accuracy, and are not comparable with the paper's numbers.

For each corpus a class-balanced sample is split (seeded, per class) into a selection pool
(two thirds) and a test set (one third); ``select_examples`` picks ``k`` examples per class from
the pool by each method (random: ``repeats`` independent keys, mean and standard deviation);
the classifier built from those ``k x classes`` examples labels the test set.

Command::

    embtheory reproduce text-select-kshot          # quick: reuses the 5 x 240 embeddings
    embtheory reproduce text-select-kshot --full   # 5 x 2,000 sentences, 100 random repeats

The measured quick runtime is in ``experiments/_runtimes.py`` (``embtheory list`` shows it).
The random baseline of each corpus has its own key, derived from the seed and the purpose
``("random-baseline", corpus, k, repeat)`` (an earlier version folded the length of the corpus
name into the key, so SST-2, SUBJ and TREC shared one random baseline; revision 1 fixes it).

Expected: with k = 1-2, depth (and centroid) beat random clearly, since one central example
is a better class prototype than a random one; the gap closes as k grows; diversity, which
seeks spread-out examples, is the weakest prototype at small k.
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

NAME = "text-select-kshot"
METHODS = ("depth", "centroid", "diversity", "random")
CLASSIFIERS = ("mean", "knn")


@sizes(
    full=dict(per_corpus=2000, repeats=100, batch_size=256),
    tiny=dict(corpora=("sst2", "trec"), per_corpus=36, ks=(1, 2), repeats=3, batch_size=64),
)
@dataclasses.dataclass(frozen=True)
class KShotConfig:
    """Sizes of the k-shot selection comparison (``embtheory reproduce text-select-kshot [--full]``).

    Quick: 240 sentences per corpus (the embeddings the other text experiments share), k = 1, 2,
    4, 8 per class, 20 random repeats.  Full: 2,000 sentences per corpus, 100 random repeats.
    The paper prompts an LLM; no LLM runs here, so there are no paper numbers to compare.
    """

    corpora: tuple[str, ...] = _text_common.CORPORA
    per_corpus: int = 240
    ks: tuple[int, ...] = (1, 2, 4, 8)
    repeats: int = 20
    batch_size: int = 64


def selection_key(seed: int, corpus: str, k: int, repeat: int):
    """The key of one random-baseline selection: from the seed and the corpus NAME, k and repeat."""
    return derive_key(seed, "random-baseline", corpus, k, repeat)


def _split(labels: np.ndarray, seed: int, corpus: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(derive_seed(seed, "pool-test-split", corpus))
    pool, test = [], []
    for c in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == c))
        cut = (2 * rows.size) // 3
        pool.append(rows[:cut])
        test.append(rows[cut:])
    return np.sort(np.concatenate(pool)), np.sort(np.concatenate(test))


def unit(cfg: dict, *, cache: Path, progress: bool) -> dict:
    """One corpus: accuracy of each selection method and classifier for each k."""
    from embtheory.depth import select_examples
    from embtheory.encoders import fewshot_accuracy

    c = _text_common
    _, labels, X = c.embedded_sample(cache, cfg["corpus"], cfg, progress=progress)
    pool, test = _split(labels, cfg["seed"], cfg["corpus"])
    Xp, yp, Xt, yt = X[pool], labels[pool], X[test], labels[test]
    n_classes = int(labels.max()) + 1
    out: dict = {"pool": int(pool.size), "test": int(test.size), "acc": {}, "random_first": {}}
    for k in cfg["ks"]:
        for method in METHODS:
            reps = cfg["repeats"] if method == "random" else 1
            accs = {clf: [] for clf in CLASSIFIERS}
            for r in range(reps):
                key = selection_key(cfg["seed"], cfg["corpus"], k, r) if method == "random" else None
                sel = select_examples(Xp, yp, k, method=method, key=key)
                idx = np.asarray(sel.indices).ravel()
                if method == "random" and r == 0:
                    out["random_first"][str(k)] = pool[idx].tolist()  # corpus-sample row indices
                for clf in CLASSIFIERS:
                    accs[clf].append(fewshot_accuracy(Xp[idx], yp[idx], Xt, yt, method=clf, k=1,
                                                      num_classes=n_classes))
            for clf in CLASSIFIERS:
                a = np.asarray(accs[clf])
                out["acc"][f"{clf}/{method}/{k}"] = [float(a.mean()), float(a.std())]
    # all pool examples: the ceiling of a nearest-mean classifier on these embeddings
    out["acc_all_pool"] = fewshot_accuracy(Xp, yp, Xt, yt, method="mean", num_classes=n_classes)
    return out


def run(cfg: KShotConfig, ctx: RunContext) -> Report:
    c = _text_common
    cfgs = [dict(corpus=name, n=cfg.per_corpus, seed=ctx.seed, model=c.MODEL, ks=list(cfg.ks),
                 repeats=cfg.repeats, batch_size=cfg.batch_size) for name in cfg.corpora]
    results = ctx.sweep(cfgs, partial(unit, cache=ctx.store.root, progress=ctx.progress))
    ks = list(cfg.ks)
    rows, lines = [], []
    for u, res in zip(cfgs, results):
        for clf in CLASSIFIERS:
            for k in ks:
                cells = []
                for m in METHODS:
                    mean, sd = res["acc"][f"{clf}/{m}/{k}"]
                    cells.append(f"{mean:.3f}" + (f" ± {sd:.3f}" if m == "random" else ""))
                rows.append([u["corpus"], clf, k, *cells])
        d1 = res["acc"][f"mean/depth/{ks[0]}"][0]
        r1 = res["acc"][f"mean/random/{ks[0]}"]
        lines.append(f"{u['corpus']}: {ks[0]}-shot nearest-mean accuracy depth {d1:.3f} vs random "
                     f"{r1[0]:.3f} ± {r1[1]:.3f} (all {res['pool']} pool examples: "
                     f"{res['acc_all_pool']:.3f}; "
                     f"{res['test']} test sentences)")
    lines.append("a few-shot classifier on the embeddings stands in for the paper's LLM prompting: "
                 "these accuracies are not comparable with the paper's")
    table = ctx.out_dir / "kshot_selection.md"
    table.write_text(c.md_table(["corpus", "classifier", "k per class", *METHODS], rows))
    fig, axes = new_figure(1, len(cfgs), width=2.5, height=2.8)
    for ax, u, res in zip(np.ravel(axes), cfgs, results):
        for i, m in enumerate(METHODS):
            mean = np.array([res["acc"][f"mean/{m}/{k}"][0] for k in ks])
            sd = np.array([res["acc"][f"mean/{m}/{k}"][1] for k in ks])
            # on unit vectors depth and centroid rank identically: draw depth wide underneath
            style = dict(linewidth=4, alpha=0.4) if m == "depth" else {}
            if m == "centroid":
                style = dict(linestyle="--")
            ax.plot(ks, mean, marker=MARKERS[i], color=PALETTE[i], label=m, **style)
            if m == "random":
                ax.fill_between(ks, mean - sd, mean + sd, color=PALETTE[i], alpha=0.2, linewidth=0)
        ax.axhline(res["acc_all_pool"], color="black", linestyle="--", linewidth=0.8, label="all pool")
        ax.set_xscale("log", base=2)
        ax.set_xticks(ks, [str(k) for k in ks])
        ax.set_title(u["corpus"])
        ax.set_xlabel("examples per class")
    np.ravel(axes)[0].set_ylabel("nearest-mean accuracy")
    np.ravel(axes)[-1].legend(fontsize=7)
    files = save_figure(fig, ctx.out_dir, "kshot_selection")
    return Report("k-shot example selection: depth vs random / centroid / diversity (few-shot classifier)",
                  lines=lines, files=[table, *files])


EXPERIMENTS = [
    Experiment(name=NAME, area="text",
               title="k-shot selection: depth vs random / centroid / diversity (classifier stand-in)",
               paper="Seegmiller & Preum 2023 (EMNLP), ICL prompt selection (stand-in: no LLM)",
               config=KShotConfig, run=run, revision=1),
]

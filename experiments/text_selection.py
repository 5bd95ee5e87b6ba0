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

    embtheory reproduce text-select-kshot          # quick: reuses the 5 x 240 embeddings, ~30 s

Expected: with k = 1-2, depth (and centroid) beat random clearly, since one central example
is a better class prototype than a random one; the gap closes as k grows; diversity, which
seeks spread-out examples, is the weakest prototype at small k.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import _text_common  # a private helper of experiments/, on sys.path under `embtheory reproduce`
import numpy as np

KS = (1, 2, 4, 8)
METHODS = ("depth", "centroid", "diversity", "random")
CLASSIFIERS = ("mean", "knn")


def _split(labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, 11])
    pool, test = [], []
    for c in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == c))
        cut = (2 * rows.size) // 3
        pool.append(rows[:cut])
        test.append(rows[cut:])
    return np.sort(np.concatenate(pool)), np.sort(np.concatenate(test))


def _unit(cfg: dict, *, cache: Path, progress: bool) -> dict:
    import jax

    from embtheory.core import root_key
    from embtheory.depth import select_examples
    from embtheory.encoders import fewshot_accuracy

    c = _text_common
    sentences, labels = c.corpus_sample(cfg["corpus"], cfg["n"], cfg["seed"])
    X = c.embed(cache, cfg["corpus"], sentences, batch_size=cfg["batch_size"], progress=progress)
    pool, test = _split(labels, cfg["seed"])
    Xp, yp, Xt, yt = X[pool], labels[pool], X[test], labels[test]
    n_classes = int(labels.max()) + 1
    key = jax.random.fold_in(root_key(cfg["seed"]), len(cfg["corpus"]))
    out: dict = {"pool": int(pool.size), "test": int(test.size), "acc": {}}
    for k in cfg["ks"]:
        for method in METHODS:
            reps = cfg["repeats"] if method == "random" else 1
            accs = {clf: [] for clf in CLASSIFIERS}
            for r in range(reps):
                sub = jax.random.fold_in(key, 1000 * k + r) if method == "random" else None
                sel = select_examples(Xp, yp, k, method=method, key=sub)
                idx = np.asarray(sel.indices).ravel()
                for clf in CLASSIFIERS:
                    accs[clf].append(fewshot_accuracy(Xp[idx], yp[idx], Xt, yt, method=clf, k=1,
                                                      num_classes=n_classes))
            for clf in CLASSIFIERS:
                a = np.asarray(accs[clf])
                out["acc"][f"{clf}/{method}/{k}"] = [float(a.mean()), float(a.std())]
    # all pool examples: the ceiling of a nearest-mean classifier on these embeddings
    out["acc_all_pool"] = fewshot_accuracy(Xp, yp, Xt, yt, method="mean", num_classes=n_classes)
    return out


def _run(ctx):
    from embtheory.core import Report, run_sweep
    from embtheory.core.plotting import MARKERS, PALETTE, house_style, new_figure, save_figure

    c = _text_common
    size = c.SIZES[ctx.quick]
    cfgs = [dict(experiment="text-select-kshot", corpus=name, n=size["per_corpus"], seed=ctx.seed,
                 model=c.MODEL, ks=list(KS), repeats=20 if ctx.quick else 100, batch_size=size["batch_size"])
            for name in c.CORPORA]
    unit = partial(_unit, cache=ctx.store.root, progress=ctx.progress)
    results = run_sweep(ctx.store, cfgs, unit, desc="text-select-kshot", progress=ctx.progress)
    rows, lines = [], []
    for cfg, res in zip(cfgs, results):
        for clf in CLASSIFIERS:
            for k in KS:
                cells = []
                for m in METHODS:
                    mean, sd = res["acc"][f"{clf}/{m}/{k}"]
                    cells.append(f"{mean:.3f}" + (f" ± {sd:.3f}" if m == "random" else ""))
                rows.append([cfg["corpus"], clf, k, *cells])
        d1 = res["acc"]["mean/depth/1"][0]
        r1 = res["acc"]["mean/random/1"]
        lines.append(f"{cfg['corpus']}: 1-shot nearest-mean accuracy depth {d1:.3f} vs random {r1[0]:.3f} ± "
                     f"{r1[1]:.3f} (all {res['pool']} pool examples: {res['acc_all_pool']:.3f}; "
                     f"{res['test']} test sentences)")
    lines.append("a few-shot classifier on the embeddings stands in for the paper's LLM prompting: "
                 "these accuracies are not comparable with the paper's")
    table = ctx.out_dir / "kshot_selection.md"
    table.write_text(c.md_table(["corpus", "classifier", "k per class", *METHODS], rows))
    with house_style():
        fig, axes = new_figure(1, len(cfgs), width=2.5, height=2.8)
        for ax, cfg, res in zip(axes.ravel(), cfgs, results):
            for i, m in enumerate(METHODS):
                mean = np.array([res["acc"][f"mean/{m}/{k}"][0] for k in KS])
                sd = np.array([res["acc"][f"mean/{m}/{k}"][1] for k in KS])
                # on unit vectors depth and centroid rank identically: draw depth wide underneath
                style = dict(linewidth=4, alpha=0.4) if m == "depth" else {}
                if m == "centroid":
                    style = dict(linestyle="--")
                ax.plot(KS, mean, marker=MARKERS[i], color=PALETTE[i], label=m, **style)
                if m == "random":
                    ax.fill_between(KS, mean - sd, mean + sd, color=PALETTE[i], alpha=0.2, linewidth=0)
            ax.axhline(res["acc_all_pool"], color="black", linestyle="--", linewidth=0.8, label="all pool")
            ax.set_xscale("log", base=2)
            ax.set_xticks(KS, [str(k) for k in KS])
            ax.set_title(cfg["corpus"])
            ax.set_xlabel("examples per class")
        axes.ravel()[0].set_ylabel("nearest-mean accuracy")
        axes.ravel()[-1].legend(fontsize=7)
        files = save_figure(fig, ctx.out_dir, "kshot_selection")
    return Report("k-shot example selection: depth vs random / centroid / diversity (few-shot classifier)",
                  lines=lines, files=[table, *files])


def _experiments():
    from embtheory.core import Experiment

    return [Experiment(name="text-select-kshot", area="text",
                       title="k-shot selection: depth vs random / centroid / diversity (classifier stand-in)",
                       paper="Seegmiller & Preum 2023 (EMNLP), ICL prompt selection (stand-in: no LLM)",
                       runtime_quick="1 min", runtime_full="10 min CPU", run=_run)]


EXPERIMENTS = _experiments()

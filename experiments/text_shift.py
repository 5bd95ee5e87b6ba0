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

    embtheory reproduce text-shift-augment text-shift-corpora          # quick: ~1 min
    embtheory reproduce text-shift-augment text-shift-corpora --full

Expected: the control is not rejected (p ~ U(0, 1), Q ~ 0.5); Q falls and z grows with the
strength of every augmentation; SST-2 vs MR (both Rotten Tomatoes snippets) shows little shift,
CR (product reviews) and SUBJ (plot summaries) a large one.  The paper's own augmented corpora
(and their numbers) are not available here: the comparison is qualitative.
"""

from __future__ import annotations

import zlib
from functools import partial
from pathlib import Path

import _text_common  # a private helper of experiments/, on sys.path under `embtheory reproduce`
import numpy as np

SHIFT_CORPORA = ("sst2", "mr", "cr", "subj")


def _key(seed: int, *names) -> object:
    import jax

    from embtheory.core import root_key

    key = root_key(seed)
    for name in names:
        key = jax.random.fold_in(key, zlib.crc32(str(name).encode()))
    return key


def _test(F, G, n_permutations: int, key) -> dict:
    from embtheory.depth import depth_rank_test

    r = depth_rank_test(F, G, alternative="greater", n_permutations=n_permutations, key=key)
    return {"z": float(r.statistic), "p": float(r.pvalue), "p_perm": float(r.pvalue_permutation),
            "q": float(r.q), "Q": float(r.q_liu_singh), "m": int(F.shape[0]), "n": int(G.shape[0])}


def _halves(cfg):
    c = _text_common
    sentences, _labels = c.corpus_sample("sst2", 2 * cfg["n"], cfg["seed"])
    order = np.random.default_rng([cfg["seed"], 7]).permutation(len(sentences))
    a, b = order[: len(order) // 2], order[len(order) // 2:]
    return [sentences[i] for i in a], [sentences[i] for i in b]


def _augment_unit(cfg: dict, *, cache: Path, progress: bool) -> dict:
    from embtheory.encoders import augment

    c = _text_common
    human_a, human_b = _halves(cfg)
    F = c.embed(cache, "sst2", human_a, batch_size=cfg["batch_size"], progress=progress)
    if cfg["method"] == "none":
        G_text = human_b
    else:
        G_text = augment(human_b, method=cfg["method"], strength=cfg["strength"],
                         key=_key(cfg["seed"], "augment", cfg["method"], cfg["strength"]))
    G = c.embed(cache, f"sst2-{cfg['method']}", G_text, batch_size=cfg["batch_size"], progress=progress)
    out = _test(F, G, cfg["permutations"], _key(cfg["seed"], "perm", cfg["method"], cfg["strength"]))
    out["example"] = [human_b[0], G_text[0]]
    return out


def _run_augment(ctx):
    from embtheory.core import Report, run_sweep
    from embtheory.core.plotting import MARKERS, PALETTE, house_style, new_figure, save_figure

    c = _text_common
    size = c.SIZES[ctx.quick]
    base = dict(experiment="text-shift-augment", n=size["shift_human"], seed=ctx.seed, model=c.MODEL,
                permutations=size["permutations"], batch_size=size["batch_size"])
    cfgs = [dict(base, method="none", strength=0.0)]
    cfgs += [dict(base, method=m, strength=s)
             for m in ("swap", "delete", "insert") for s in size["strengths"]]
    unit = partial(_augment_unit, cache=ctx.store.root, progress=ctx.progress)
    results = run_sweep(ctx.store, cfgs, unit, desc="text-shift-augment", progress=ctx.progress)
    rows = [[cfg["method"], cfg["strength"], r["m"], r["n"], f"{r['z']:.2f}", c.fmt_p(r["p"]),
             c.fmt_p(r["p_perm"]), f"{r['q']:.3f}", f"{r['Q']:.3f}"] for cfg, r in zip(cfgs, results)]
    table = ctx.out_dir / "shift_augment.md"
    header = ["augmentation", "strength", "m (human F)", "n (G)", "z", "p (normal)",
              f"p (perm., {size['permutations']})", "q (reference)", "Q (Liu-Singh)"]
    table.write_text(c.md_table(header, rows)
                     + "\nExamples (human -> augmented):\n\n"
                     + "\n".join(f"- {cfg['method']} {cfg['strength']}: \"{r['example'][0]}\" -> "
                                 f"\"{r['example'][1]}\"" for cfg, r in zip(cfgs, results)) + "\n")
    with house_style():
        fig, axes = new_figure(1, 2, width=3.6, height=3.0)
        ax_q, ax_z = axes.ravel()
        control = results[0]
        for i, m in enumerate(("swap", "delete", "insert")):
            pts = [(cfg["strength"], r) for cfg, r in zip(cfgs, results) if cfg["method"] == m]
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
    lines = [f"{cfg['method']} {cfg['strength']}: z = {r['z']:.2f}, p = {c.fmt_p(r['p'])}, p_perm = "
             f"{c.fmt_p(r['p_perm'])}, q = {r['q']:.3f}, Q = {r['Q']:.3f}" for cfg, r in zip(cfgs, results)]
    return Report("Distribution shift: human SST-2 vs word-level augmentations (depth rank-sum test)",
                  lines=lines, files=[table, *files])


def _corpora_unit(cfg: dict, *, cache: Path, progress: bool) -> dict:
    c = _text_common
    emb = []
    for name in (cfg["F"], cfg["G"]):
        sentences, _ = c.corpus_sample(name, cfg["n"], cfg["seed"])
        emb.append(c.embed(cache, name, sentences, batch_size=cfg["batch_size"], progress=progress))
    return _test(emb[0], emb[1], cfg["permutations"], _key(cfg["seed"], "perm", cfg["F"], cfg["G"]))


def _run_corpora(ctx):
    from embtheory.core import Report, run_sweep
    from embtheory.core.plotting import house_style, new_figure, save_figure

    c = _text_common
    size = c.SIZES[ctx.quick]
    names = SHIFT_CORPORA
    cfgs = [dict(experiment="text-shift-corpora", F=f, G=g, n=size["per_corpus"], seed=ctx.seed,
                 model=c.MODEL, permutations=size["permutations"], batch_size=size["batch_size"])
            for f in names for g in names if f != g]
    unit = partial(_corpora_unit, cache=ctx.store.root, progress=ctx.progress)
    results = run_sweep(ctx.store, cfgs, unit, desc="text-shift-corpora", progress=ctx.progress)
    rows = [[cfg["F"], cfg["G"], f"{r['z']:.2f}", c.fmt_p(r["p"]), c.fmt_p(r["p_perm"]), f"{r['q']:.3f}",
             f"{r['Q']:.3f}"] for cfg, r in zip(cfgs, results)]
    table = ctx.out_dir / "shift_corpora.md"
    table.write_text(c.md_table(["F (reference)", "G", "z", "p (normal)", "p (perm.)", "q", "Q (Liu-Singh)"],
                                rows))
    Q = np.full((len(names), len(names)), 0.5)
    for cfg, r in zip(cfgs, results):
        Q[names.index(cfg["F"]), names.index(cfg["G"])] = r["Q"]
    with house_style():
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
    lines = [f"F={cfg['F']}, G={cfg['G']}: z = {r['z']:.2f}, p = {c.fmt_p(r['p'])}, p_perm = "
             f"{c.fmt_p(r['p_perm'])}, Q = {r['Q']:.3f}" for cfg, r in zip(cfgs, results)]
    return Report("Distribution shift between corpora (depth rank-sum test)", lines=lines,
                  files=[table, *files])


def _experiments():
    from embtheory.core import Experiment

    paper = "Seegmiller & Preum 2023 (EMNLP), depth rank-sum test; Liu & Singh 1993"
    return [
        Experiment(name="text-shift-augment", area="text",
                   title="Human vs augmented text (swap / delete / insert): z, p, p_perm, q, Q",
                   paper=paper, runtime_quick="1 min", runtime_full="15 min CPU", run=_run_augment),
        Experiment(name="text-shift-corpora", area="text", title="Shift between SST-2, MR, CR and SUBJ",
                   paper=paper, runtime_quick="1 min", runtime_full="8 min CPU", run=_run_corpora),
    ]


EXPERIMENTS = _experiments()

"""LIMIT-small with a real encoder: all-MiniLM-L6-v2 recall@2/10/20 against BM25.

Weller et al. (2025) build LIMIT so that a single-vector embedding must represent every pair of
its 46 documents; lexical BM25 solves it (97.8 / 100 / 100 recall@2/10/20 on LIMIT-small) while
neural embedders fail.  A public MTEB report gives all-MiniLM-L6-v2 recall@2 = 0.162.

Documents are embedded as ``title + " " + text`` (titles are empty in LIMIT, so the text),
queries as they are, both with our Flax MiniLM; recall@k goes through
``embtheory.signrank.recall_at_k`` (cosine) and is cross-checked with
``embtheory.encoders.recall_at_k_scores`` on the same score matrix.  BM25 is
``embtheory.encoders.bm25_scores`` (k1 = 1.5, b = 0.75, lower-cased word terms, no stemming).

Command::

    embtheory reproduce text-limit-small      # 1,046 texts; quick and full are the same size

The measured quick runtime is in ``experiments/_runtimes.py`` (``embtheory list`` shows it).
The tiny size (tests) scores BM25 only, which needs no model.

Expected: MiniLM recall@2 near 0.16; BM25 near 0.98 / 1.0 / 1.0.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from pathlib import Path

import _text_common  # a private helper of experiments/, on sys.path under `embtheory reproduce`
import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import sizes
from embtheory.core.plotting import PALETTE, new_figure, paper_overlay, save_figure

KS = (2, 10, 20)
PAPER = {  # LIMIT-small recall@2 / @10 / @20 (Weller et al. 2025; MiniLM from a public MTEB report)
    "BM25": (0.978, 1.0, 1.0),
    "all-MiniLM-L6-v2": (0.162, None, None),
}
NAMES = {"minilm": "all-MiniLM-L6-v2", "bm25": "BM25"}


@sizes(full=dict(batch_size=256), tiny=dict(methods=("bm25",)))
@dataclasses.dataclass(frozen=True)
class LimitSmallConfig:
    """LIMIT-small recall (``embtheory reproduce text-limit-small``): quick and full are the whole
    data set (1,000 queries, 46 documents); paper: BM25 0.978 / 1.0 / 1.0, MiniLM recall@2 0.162."""

    methods: tuple[str, ...] = ("minilm", "bm25")
    batch_size: int = 64


def _texts():
    from embtheory.data import load_limit

    data = load_limit("limit-small")
    rel, _query_ids, doc_ids = data.relevance()
    by_id = {d["_id"]: d for d in data.corpus}
    missing = [d for d in doc_ids if d not in by_id]
    if missing:
        raise ValueError(f"LIMIT-small corpus lacks documents {missing[:3]}: re-fetch the data")
    docs = [f"{by_id[d].get('title', '')} {by_id[d]['text']}".strip() for d in doc_ids]
    queries = [q["text"] for q in data.queries]
    return queries, docs, rel


def unit(cfg: dict, *, cache: Path, progress: bool) -> dict:
    """One method: recall@k on LIMIT-small (and, for MiniLM, a cross-check of two recall codes)."""
    from embtheory.encoders import bm25_scores

    c = _text_common
    queries, docs, rel = _texts()
    qrels = [np.flatnonzero(r).tolist() for r in rel]
    if cfg["method"] == "bm25":
        scores = bm25_scores(queries, docs, k1=1.5, b=0.75)
        recall = c.recall_from_score_matrix(scores, rel, ks=KS)
        return {"recall": {str(k): recall[k] for k in KS}, "check": None}
    from embtheory.signrank import recall_at_k

    Q = c.embed(cache, "limit-small-queries", queries, batch_size=cfg["batch_size"], progress=progress)
    D = c.embed(cache, "limit-small-docs", docs, batch_size=cfg["batch_size"], progress=progress)
    recall = c.as_dict(recall_at_k(Q, D, qrels, ks=KS))
    check = c.recall_from_score_matrix(Q.astype(np.float64) @ D.astype(np.float64).T, rel, ks=KS)
    return {"recall": {str(k): recall[k] for k in KS}, "check": {str(k): check[k] for k in KS}}


def run(cfg: LimitSmallConfig, ctx: RunContext) -> Report:
    c = _text_common
    cfgs = [dict(method=m, model=c.MODEL if m == "minilm" else "bm25", batch_size=cfg.batch_size)
            for m in cfg.methods]
    results = ctx.sweep(cfgs, partial(unit, cache=ctx.store.root, progress=ctx.progress))
    rows, lines = [], []
    for u, res in zip(cfgs, results):
        name = NAMES[u["method"]]
        ours = [res["recall"][str(k)] for k in KS]
        paper = PAPER[name]
        rows.append([name] + [f"{o:.3f}" + ("" if p is None else f" ({p:.3f})") for o, p in zip(ours, paper)])
        lines.append(f"{name}: recall@2/10/20 = {ours[0]:.3f} / {ours[1]:.3f} / {ours[2]:.3f}; published "
                     + " / ".join("-" if p is None else f"{p:.3f}" for p in paper))
        if res["check"] is not None:
            diff = max(abs(res["check"][str(k)] - res["recall"][str(k)]) for k in KS)
            lines.append(f"{name}: recall_at_k vs recall_at_k_scores (float64 scores) differ by at most "
                         f"{diff:.1e}")
    table = ctx.out_dir / "limit_small_recall.md"
    header = ["model", "recall@2 (paper)", "recall@10 (paper)", "recall@20 (paper)"]
    table.write_text(c.md_table(header, rows))
    fig, ax = new_figure(width=4.6, height=3.2)
    width = 0.38
    xs = np.arange(len(KS))
    for i, (u, res) in enumerate(zip(cfgs, results)):
        name = NAMES[u["method"]]
        ax.bar(xs + (i - 0.5) * width, [res["recall"][str(k)] for k in KS], width, color=PALETTE[i],
               label=f"{name} (ours)")
        known = [(x + (i - 0.5) * width, p) for x, p in zip(xs, PAPER[name]) if p is not None]
        paper_overlay(ax, [x for x, _ in known], [p for _, p in known],
                      label="published" if i == 0 else "_nolegend_")
    ax.set_xticks(xs, [f"recall@{k}" for k in KS])
    ax.set_ylim(0, 1.25)
    ax.set_ylabel("recall")
    ax.set_title("LIMIT-small: 46 documents, 1,000 queries")
    ax.legend(loc="upper left", ncols=3)
    files = save_figure(fig, ctx.out_dir, "limit_small_recall")
    return Report("LIMIT-small: MiniLM (Flax) vs BM25, recall@2/10/20", lines=lines, files=[table, *files])


EXPERIMENTS = [
    Experiment(name="text-limit-small", area="text",
               title="LIMIT-small recall@2/10/20: all-MiniLM-L6-v2 vs BM25",
               paper="Weller et al. 2025, LIMIT-small table; MTEB report for MiniLM (0.162)",
               config=LimitSmallConfig, run=run, revision=1),
]

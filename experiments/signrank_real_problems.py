"""The smallest dimension of free embeddings on real retrieval problems, beside the constructions.

``signrank-real-problems`` asks, for a user's own qrels rather than "every pair of n documents",
how many dimensions a free embedding (queries and documents optimised directly) needs before
every query ranks its relevant documents strictly first, certified on the final embeddings:

* problems: LIMIT-small's qrels (1,000 queries over its 46 documents, 2 relevant each; from the
  data cache, ``EMBTHEORY_DATA``) and LIMIT's other patterns generated over the same 46
  documents (random pairs, the cycle, disjoint pairs), then every k-subset of a few documents
  for k = 3 and 4;
* the official recipe (InfoNCE, temperature 0.1, Adam, loss-plateau stopping) and the frontier
  recipe (sigmoid loss with a learnt scale, a fixed Adam schedule), each over a few seeds, through
  :func:`embtheory.signrank.min_dimension` (``qrels=``);
* beside them the neighbourly construction (documents on the trigonometric moment curve, each
  query the normal of its face; Wang et al. report it solves LIMIT at d = 4): it realises every
  k-subset in d = 2k, so the rows of any problem whose queries have k relevant documents;
* and two lower bounds: Theorem 1 (d >= ln(#relevant sets) / ln(1 + 1/gamma) for margin
  gamma = 0.1) and Forster's (sign rank >= sqrt(mn) / ||2A - 1||).

Commands::

    embtheory reproduce signrank-real-problems          # quick: d = 4, 8, 12, capped runs (CPU)
    embtheory reproduce signrank-real-problems --full   # seeds 0-2, d = 2..16, uncapped runs

The quick size caps each run's steps, so its smallest d is an upper estimate of what longer runs
find; the report says which size ran.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import sizes
from embtheory.core.plotting import MARKERS, PALETTE, new_figure, save_figure
from embtheory.signrank import (
    OFFICIAL,
    FrontierRecipe,
    Qrels,
    as_qrels,
    certify,
    forster_lower_bound,
    k_subsets,
    margin_dimension_bound,
    min_dimension,
    neighbourly_embedding,
    qrel_pattern,
)

GAMMA = 0.1  # Theorem 1's margin (the paper's Table 1)


@sizes(
    full=dict(dims=tuple(range(2, 17)), seeds=(0, 1, 2), official_steps=OFFICIAL.max_steps,
              frontier_steps=20_000,
              subset_n=10, subset_dims=tuple(range(2, 13))),
    tiny=dict(num_docs=12, random_queries=20, real=False, dims=(4,), seeds=(0,), official_steps=200,
              frontier_steps=200, subset_n=6, subset_ks=(3,), subset_dims=(6,)),
)
@dataclasses.dataclass(frozen=True)
class RealProblemsConfig:
    """Sizes of ``signrank-real-problems``.

    Quick: LIMIT-small and the three patterns over 46 documents (200 random pairs, the 46-query
    cycle, 23 disjoint pairs), d = 4, 8, 12, seeds 0 and 1, official runs capped at 1,500 steps,
    frontier runs of 1,000 steps; all 3- and 4-subsets of 7 documents in d = 6 and 8 (each
    (problem, d) compiles once: compiles dominate this size).  Full: seeds 0, 1, 2, d = 2..16,
    the official stopping rule and 20,000 frontier steps; subsets of 10 documents.  Tiny: no real
    data, 20-query patterns over 12 documents, d = 4 (subsets of 6: d = 6), seed 0, 200 steps.
    """

    num_docs: int = 46
    random_queries: int = 200
    real: bool = True
    dims: tuple[int, ...] = (4, 8, 12)
    seeds: tuple[int, ...] = (0, 1)
    official_steps: int = 1_500
    frontier_steps: int = 1_000
    subset_n: int = 7
    subset_ks: tuple[int, ...] = (3, 4)
    subset_dims: tuple[int, ...] = (6, 8)


def problems(cfg: RealProblemsConfig, ctx: RunContext) -> tuple[dict[str, Qrels], list[str]]:
    """The k = 2 problems by name (LIMIT-small when the data cache has it), and notes."""
    from embtheory.data import DataError
    from embtheory.signrank import limit_qrels

    out, notes = {}, []
    if cfg.real:
        try:
            rel, _, docs = limit_qrels("limit-small")
            out["LIMIT-small"] = as_qrels(rel, n_docs=len(docs))
        except DataError as e:
            notes.append(f"LIMIT-small: not in the data cache ({e}); set EMBTHEORY_DATA")
    n = cfg.num_docs
    out["random"] = as_qrels(qrel_pattern("random", n, cfg.random_queries, key=ctx.key("random-pattern")),
                             n_docs=n)
    out["cycle"] = as_qrels(qrel_pattern("cycle", n, n), n_docs=n)
    out["disjoint"] = as_qrels(qrel_pattern("disjoint", n, n // 2), n_docs=n)
    return out, notes


def neighbourly_rows(qr: Qrels) -> tuple[np.ndarray, np.ndarray]:
    """The neighbourly construction's embedding of ``qr`` (every query has k relevant documents).

    The construction realises every k-subset of the documents in d = 2k; a problem's queries are
    some of those subsets, so its embedding is their rows.
    """
    k = qr.k
    emb = neighbourly_embedding(qr.n_docs, k, dtype=np.float32)
    row = {tuple(s): i for i, s in enumerate(k_subsets(qr.n_docs, k).tolist())}
    return emb.q[[row[tuple(r)] for r in qr.index.tolist()]], emb.d


def _smallest(result, seed) -> int | None:
    solved = [r.dim for r in result.runs if r.seed == seed and r.solved]
    return min(solved) if solved else None


def _search(qrels, cfg, ctx, *, n=None, k=None):
    """Official and frontier searches over d for one problem: ``{recipe: MinDimension}``."""
    dims = cfg.subset_dims if n is not None else cfg.dims
    kw = dict(qrels=qrels) if n is None else dict(n=n, k=k)
    official = OFFICIAL._replace(max_steps=cfg.official_steps)
    frontier = FrontierRecipe.of("sigmoid", steps=cfg.frontier_steps)
    return {name: min_dimension(dims=dims, seeds=cfg.seeds, recipe=rec, store=ctx.store, **kw)
            for name, rec in (("official", official), ("frontier", frontier))}


def _fmt(found: dict[int, int | None], tried) -> str:
    return ", ".join(f"seed {s}: " + (f"d={d}" if d is not None else f"none <= {max(tried)}")
                     for s, d in found.items())


def run(cfg: RealProblemsConfig, ctx: RunContext) -> Report:
    named, lines = problems(cfg, ctx)
    rows = []  # (label, {recipe: {seed: d}}, construction d, theorem-1 d)
    for name, qr in named.items():
        res = _search(qr, cfg, ctx)
        q, d = neighbourly_rows(qr)
        cert = certify(q, d, qrels=qr, dtype=np.float32)
        thm = margin_dimension_bound(gamma=GAMMA, qrels=qr)
        forster = forster_lower_bound(qr)
        found = {rec: {s: _smallest(r, s) for s in cfg.seeds} for rec, r in res.items()}
        rows.append((name, found, 2 * qr.k if cert.solved else None, thm))
        lines.append(
            f"{name} ({qr.num_queries} queries, {qr.n_docs} documents): smallest certified d, official "
            f"recipe {_fmt(found['official'], cfg.dims)}; "
            f"frontier (sigmoid) {_fmt(found['frontier'], cfg.dims)}; "
            f"neighbourly construction in d = {2 * qr.k}: "
            + (f"certified, margin {cert.margin:.3g}" if cert.solved else f"NOT certified ({cert.violations} "
               "queries fail in float32)")
            + f"; Theorem 1 (gamma {GAMMA}) d >= {thm}; Forster: sign rank >= {int(np.ceil(forster - 1e-9))}")
    for k in cfg.subset_ks:
        n = cfg.subset_n
        res = _search(None, cfg, ctx, n=n, k=k)
        emb = neighbourly_embedding(n, k, dtype=np.float32)
        cert = certify(emb.q, emb.d, k=k, dtype=np.float32)
        thm = margin_dimension_bound(n, k, GAMMA)
        found = {rec: {s: _smallest(r, s) for s in cfg.seeds} for rec, r in res.items()}
        rows.append((f"all {k}-subsets of {n}", found, 2 * k if cert.solved else None, thm))
        lines.append(
            f"every {k}-subset of {n} documents: official {_fmt(found['official'], cfg.subset_dims)}; "
            f"frontier {_fmt(found['frontier'], cfg.subset_dims)}; the 2k construction in d = {2 * k}: "
            + ("certified" if cert.solved else "NOT certified") + f"; Theorem 1 (gamma {GAMMA}) d >= {thm}")
    lines.append(f"size: {ctx.size} (official runs capped at {cfg.official_steps:,} steps, frontier "
                 f"{cfg.frontier_steps:,} steps; dims tried {list(cfg.dims)})")
    files = _figure(rows, cfg, ctx)
    return Report("Smallest certified dimension on real retrieval problems", lines=lines, files=files)


def _figure(rows, cfg, ctx):
    fig, ax = new_figure(1, 1, width=6.5, height=3.4)
    x = np.arange(len(rows))
    top = max([*cfg.dims, *cfg.subset_dims]) + 1
    for j, (rec, colour) in enumerate((("official", PALETTE[0]), ("frontier", PALETTE[1]))):
        for s_i, s in enumerate(cfg.seeds):
            ys = [r[1][rec][s] for r in rows]
            xs = x + (j - 0.5) * 0.25 + s_i * 0.05
            ok = [i for i, y in enumerate(ys) if y is not None]
            ax.plot(xs[ok], [ys[i] for i in ok], MARKERS[j], color=colour, ms=5,
                    label=f"{rec} recipe" if s_i == 0 else None)
            miss = [i for i, y in enumerate(ys) if y is None]
            ax.plot(xs[miss], [top] * len(miss), "^", color=colour, ms=5, mfc="none",
                    label=f"{rec}: none tried solved" if s_i == 0 and miss else None)
    ax.plot(x, [r[2] if r[2] is not None else np.nan for r in rows], "_", color="k", ms=18, mew=2,
            label="neighbourly construction (2k)")
    ax.plot(x, [r[3] for r in rows], "_", color=PALETTE[3], ms=18, mew=1.5, label=f"Theorem 1, gamma {GAMMA}")
    ax.set_xticks(x, [r[0] for r in rows], rotation=20, fontsize=7)
    ax.set(ylabel="smallest certified d", title="Free embeddings on real problems")
    ax.legend(fontsize=6)
    return save_figure(fig, ctx.out_dir, "real_problems")


EXPERIMENTS = [
    Experiment(name="signrank-real-problems", area="signrank",
               title="Smallest certified dimension on LIMIT's qrels and patterns, beside the constructions",
               paper="Weller et al. 2025, Sec. 5; Wang et al. 2026 (arXiv 2601.20844); Bangachev et al. 2026",
               config=RealProblemsConfig, run=run, revision=2),
]

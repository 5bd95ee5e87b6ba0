"""Quantum-kernel concentration vs qubits and layers: Figs. 6a, 6b and 7 of Thanasilp et al. (2024),
and two extensions (more qubits than the paper; bandwidth scaling x -> c x).

Commands (from the repository root):
    embtheory reproduce qkernels-fig6a --quick    # published panel + the posted script's configuration
    embtheory reproduce qkernels-fig6b --quick    # reuses Fig. 6a's published-panel units
    embtheory reproduce qkernels-fig7 --quick
    embtheory reproduce qkernels-more-qubits --quick
    embtheory reproduce qkernels-bandwidth --quick

Every unit runs in float64 (variances down to 1e-9) and is written to the results store as soon as
it finishes; an interrupted run resumes.  What is compared with what (like with like):

- Fig. 6a, published panel: N_s = 40, L in {2, 4, 8, 16, 25, 50, 75, 100, 150, 200}.  The paper's 40
  points were never published (the stored kernels are not those of the posted loader's first 20 + 20
  images, and the pickled pairs are not in the authors' repository), so no implementation can match
  these points exactly; the MNIST split is not the cause.  Paper L = 2 means: 0.39, 0.094, 0.032,
  0.013, 0.0072, 0.0048, 0.0035 for n = 2, 4, ..., 14.
- Fig. 6a, the posted script's configuration: N_s = 60, L in {2, 4, 8, 10, 20, 50, 70, 100}; its stored
  output (L = 2 means 0.387, 0.100, 0.039, 0.0215, 0.0145, 0.0095; variances 0.0767, ..., 0.0030 for
  n = 2..12) is the like-for-like target (the same 30 + 30 first images, but of the training split;
  we have the test split).
- Fig. 6b: the paper plots Var over pairs of the EXPONENT D = sum_k ||rho_k(x) - rho_k(x')||_F^2 (its
  stored array is D), labelled Var[k^PQ]; L = 2: 0.221, 0.094, 0.040, 0.032, 0.033, 0.033 for
  n = 2..12.  We plot Var[D] against those, and Var[exp(-D)] (the kernel) in a second panel.
- Fig. 7, RX variances: (3/8)^n - (1/4)^n exactly.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import qkernels_common as qc  # a sibling module of experiments/, on sys.path under `embtheory reproduce`

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
from embtheory.core.reporting import format_interval
from embtheory.qkernels import embed, fit_decay, pair_statistics, product_variance, uniform_angles

REVISION = 2  # 2: D recorded (Fig. 6b), float32-drawn random angles, posted-script configuration
PUBLISHED_LAYERS = (2, 4, 8, 16, 25, 50, 75, 100, 150, 200)
POSTED_LAYERS = (2, 4, 8, 10, 20, 50, 70, 100)
PAPER_FIG7_RX_VAR = {2: 7.9e-2, 4: 1.5e-2, 6: 2.1e-3, 8: 4.7e-4, 10: 9.0e-5, 12: 7.2e-6}


def _depth_cfgs(seed, ns, layers, n_samples, data="mnist", **extra):
    return [
        dict(
            experiment="qk-depth",
            data=data,
            embedding="hee",
            n=n,
            n_samples=n_samples,
            layers=list(layers),
            seed=seed,
            revision=REVISION,
            **extra,
        )
        for n in ns
    ]


def _depth_sweep(ctx, ns, layers, n_samples, *, desc, **extra):
    return ctx.sweep(_depth_cfgs(ctx.seed, ns, layers, n_samples, **extra), qc.depth_unit, desc=desc)


def _plot_depth(results, ns, layers, kind, ax, plotted, label_kind=None):
    for i, L in enumerate(layers[:plotted]):
        var = [r[kind]["var"][i] for r in results]
        ax.semilogy(
            ns, var, marker=MARKERS[i % len(MARKERS)], color=PALETTE[i % len(PALETTE)], label=f"L = {L}"
        )
    ax.set_xlabel("qubits n")
    ax.set_ylabel(f"Var over pairs of {label_kind or kind + ' kernel'}")


def _decay_lines(results, ns, layers, kind):
    lines = []
    for i, L in enumerate(layers):
        var = np.array([r[kind]["var"][i] for r in results])
        ok = var > 0
        if ok.sum() >= 3:
            fit = fit_decay(np.asarray(ns)[ok], var[ok])
            lines.append(
                f"{kind} L={L}: Var ~ b^-n with b = "
                + format_interval(fit.b, fit.b_low, fit.b_high, level=fit.level)
            )
    return lines


@sizes(
    full=dict(ns=tuple(range(2, 15))),
    tiny=dict(ns=(2,), layers=(2,), posted_ns=(2, 4), posted_layers=(2,)),
)
@dataclasses.dataclass(frozen=True)
class Fig6aConfig:
    """Fig. 6a (fidelity kernel, HEE, MNIST 0 vs 1): the published panel and the posted script's set-up.

    Command: ``embtheory reproduce qkernels-fig6a --quick``.  Quick (n = 2, 4, ..., 12 for both
    panels): about 1 min on the 2-core CPU; full adds the odd n and n = 13, 14 to the published panel.
    Paper: L = 2 means 0.39 ... 0.0035 (published sample, never released); posted script's stored
    L = 2 means 0.387, 0.100, 0.039, 0.0215, 0.0145, 0.0095 (N_s = 60).
    """

    ns: tuple[int, ...] = (2, 4, 6, 8, 10, 12)
    layers: tuple[int, ...] = PUBLISHED_LAYERS
    n_samples: int = 40
    posted_ns: tuple[int, ...] = (2, 4, 6, 8, 10, 12)
    posted_layers: tuple[int, ...] = POSTED_LAYERS
    posted_n_samples: int = 60


def run_fig6a(cfg: Fig6aConfig, ctx: RunContext) -> Report:
    ns, layers = list(cfg.ns), list(cfg.layers)
    pub = _depth_sweep(ctx, ns, layers, cfg.n_samples, desc="fig6 published")
    pns, players = list(cfg.posted_ns), list(cfg.posted_layers)
    posted = _depth_sweep(ctx, pns, players, cfg.posted_n_samples, desc="fig6a posted")
    fig, axes = new_figure(1, 3)
    ax, ax2, ax3 = axes[0]
    _plot_depth(pub, ns, layers, "fidelity", ax, 8)
    nn = np.asarray(ns)
    ax.plot(ns, 1 / (2 ** (nn - 1) * (2**nn + 1)), "k--", lw=1, label="beta_Haar")
    ax.legend(ncol=2, fontsize=7)
    ax.set_title(f"published set-up: N_s = {cfg.n_samples}, 10 depths")
    _plot_depth(posted, pns, players, "fidelity", ax2, len(players))
    i2 = players.index(2) if 2 in players else 0
    on = [n for n in qc.POSTED_FIG6A_VAR_L2 if n in pns]
    paper_overlay(ax2, on, [qc.POSTED_FIG6A_VAR_L2[n] for n in on], label="authors' stored, L = 2")
    ax2.legend(ncol=2, fontsize=7)
    ax2.set_title(f"posted script: N_s = {cfg.posted_n_samples}")
    ax3.semilogy(
        pns,
        [r["fidelity"]["mean"][i2] for r in posted],
        marker="o",
        color=PALETTE[0],
        label=f"ours, N_s = {cfg.posted_n_samples}, L = {players[i2]}",
    )
    paper_overlay(
        ax3, on, [qc.POSTED_FIG6A_MEAN_L2[n] for n in on], label="posted script's stored output"
    )
    j2 = layers.index(2) if 2 in layers else 0
    ax3.semilogy(
        ns,
        [r["fidelity"]["mean"][j2] for r in pub],
        marker="s",
        color=PALETTE[1],
        label=f"ours, N_s = {cfg.n_samples}, L = {layers[j2]}",
    )
    pn = [n for n in qc.PAPER_FIG6A_MEAN_L2 if n in ns]
    ax3.semilogy(
        pn, [qc.PAPER_FIG6A_MEAN_L2[n] for n in pn], "kx", ls="none", label="Fig. 6a as published"
    )
    ax3.semilogy(pns, 2.0 ** -np.asarray(pns), "k:", lw=1, label="1/2^n")
    ax3.set_xlabel("qubits n")
    ax3.set_ylabel("mean fidelity kernel")
    ax3.legend(fontsize=7)
    files = save_figure(fig, ctx.out_dir, "fig6a_fidelity")
    lines = [
        f"Like with like: the posted script's set-up (N_s = {cfg.posted_n_samples}, first 30 + 30 images, "
        "L = 2) against its stored output; our images are the first of the MNIST test split, theirs of "
        "the training split."
    ]
    for n in on:
        r = posted[pns.index(n)]["fidelity"]
        m, v = r["mean"][i2], r["var"][i2]
        lines.append(
            f"posted set-up n={n}, L={players[i2]}: mean {m:.4f} vs stored {qc.POSTED_FIG6A_MEAN_L2[n]} "
            f"(ratio {m / qc.POSTED_FIG6A_MEAN_L2[n]:.2f}); Var {v:.3g} vs stored "
            f"{qc.POSTED_FIG6A_VAR_L2[n]} (ratio {v / qc.POSTED_FIG6A_VAR_L2[n]:.2f})"
        )
    lines.append(
        "Published panel: Fig. 6a's 40 points were never published (its stored kernels are not those of "
        "the posted loader's first 20 + 20 images and the pickled pairs are not in the authors' "
        "repository), so these points cannot be matched exactly; the train/test split is not the "
        "cause: on one split, other choices of 20 + 20 images move the n = 12, L = 2 mean by 2x."
    )
    for n in pn:
        m = pub[ns.index(n)]["fidelity"]["mean"][j2]
        lines.append(
            f"published set-up L={layers[j2]} mean n={n}: ours {m:.4f}, paper {qc.PAPER_FIG6A_MEAN_L2[n]} "
            f"(ratio {m / qc.PAPER_FIG6A_MEAN_L2[n]:.2f}; different samples)"
        )
    lines += _decay_lines(pub, ns, layers, "fidelity")
    return Report("Fig. 6a: fidelity-kernel variance vs qubits and layers (MNIST, HEE)", lines, files)


@sizes(full=dict(ns=tuple(range(2, 15))), tiny=dict(ns=(2, 3), layers=(1, 2)))
@dataclasses.dataclass(frozen=True)
class Fig6bConfig:
    """Fig. 6b (projected kernel): Var over pairs of D (the paper's quantity) and of exp(-D).

    Command: ``embtheory reproduce qkernels-fig6b --quick`` (seconds after Fig. 6a: the same units).
    Paper, Var[D] at L = 2: 0.221, 0.094, 0.040, 0.032, 0.033, 0.033 for n = 2, 4, ..., 12.
    """

    ns: tuple[int, ...] = (2, 4, 6, 8, 10, 12)
    layers: tuple[int, ...] = PUBLISHED_LAYERS
    n_samples: int = 40


def run_fig6b(cfg: Fig6bConfig, ctx: RunContext) -> Report:
    ns, layers = list(cfg.ns), list(cfg.layers)
    res = _depth_sweep(ctx, ns, layers, cfg.n_samples, desc="fig6 published")
    j2 = layers.index(2) if 2 in layers else 0
    pn = [n for n in qc.PAPER_FIG6B_VAR_D_L2 if n in ns]
    fig, axes = new_figure(1, 2)
    ax, ax2 = axes[0]
    _plot_depth(res, ns, layers, "distance", ax, 8, label_kind="D = sum_k ||rho_k - rho'_k||_F^2")
    paper_overlay(ax, pn, [qc.PAPER_FIG6B_VAR_D_L2[n] for n in pn], label="paper (stored D), L = 2")
    ax.legend(ncol=2, fontsize=7)
    ax.set_title("Fig. 6b as the paper plots it: Var[D]")
    _plot_depth(res, ns, layers, "projected", ax2, 8, label_kind="k = exp(-D)")
    ax2.legend(ncol=2, fontsize=7)
    ax2.set_title("the kernel itself: Var[exp(-D)]")
    files = save_figure(fig, ctx.out_dir, "fig6b_projected")
    lines = [
        f"Like with like: Var over the {cfg.n_samples * (cfg.n_samples - 1) // 2} pairs of the exponent D "
        "(gamma = 1), which is what the paper's stored array holds and its Fig. 6b plots under the label "
        "Var[k^PQ]; the kernel exp(-D) has a smaller variance (second panel). The samples differ (the "
        "paper's 40 points were never published)."
    ]
    for n in pn:
        r = res[ns.index(n)]
        v = r["distance"]["var"][j2]
        lines.append(
            f"n={n}, L={layers[j2]}: Var[D] ours {v:.3f} vs paper {qc.PAPER_FIG6B_VAR_D_L2[n]} "
            f"(ratio {v / qc.PAPER_FIG6B_VAR_D_L2[n]:.2f}); Var[exp(-D)] ours {r['projected']['var'][j2]:.3g}"
        )
    lines += _decay_lines(res, ns, layers, "distance") + _decay_lines(res, ns, layers, "projected")
    return Report(
        "Fig. 6b: projected-kernel concentration: Var[D] (as published) and Var[exp(-D)]", lines, files
    )


def product_unit(cfg: dict) -> dict:
    """Pair statistics of a single-layer product embedding on ``draws`` independent random data sets."""
    with jax.enable_x64(True):
        n, N, D = cfg["n"], cfg["n_samples"], cfg["draws"]
        X = uniform_angles(D * N, n, key=qc.seed_key(cfg["seed"], "fig7", n), dtype=jnp.float64)
        S = embed(X, embedding=cfg["embedding"], layers=1).reshape(D, N, -1)  # every state once
        grams = jnp.abs(jnp.einsum("dia,dja->dij", jnp.conj(S), S)) ** 2  # one Gram matrix per draw
        stats = [pair_statistics(K, mu=2.0**-n) for K in grams]
        return {"mean": [float(s.mean) for s in stats], "var": [float(s.var) for s in stats]}


@sizes(quick=dict(ns=tuple(range(2, 13, 2))), tiny=dict(ns=(2, 4), draws=2, hee_layers=(2,)))
@dataclasses.dataclass(frozen=True)
class Fig7Config:
    """Fig. 7: product embeddings (N_s = 60, several independent data sets) and HEE on random data (N_s = 25).

    Command: ``embtheory reproduce qkernels-fig7 --quick``: even n = 2..12 (one compile per n dominates
    the time); full adds the odd n (every n of the paper's panel).
    Paper: RX variances 7.9e-2 ... 7.2e-6 for n = 2..12; exact (3/8)^n - (1/4)^n.
    """

    ns: tuple[int, ...] = tuple(range(2, 13))
    draws: int = 5
    hee_layers: tuple[int, ...] = (2, 4, 8, 16, 32)


def run_fig7(cfg: Fig7Config, ctx: RunContext) -> Report:
    ns, draws, hee_layers = list(cfg.ns), cfg.draws, list(cfg.hee_layers)
    prod_cfgs = [
        dict(
            experiment="qk-fig7-product",
            embedding=e,
            n=n,
            n_samples=60,
            draws=draws,
            seed=ctx.seed,
            revision=REVISION,
        )
        for e in ("rx", "ry", "hrz")
        for n in ns
    ]
    prod = ctx.sweep(prod_cfgs, product_unit, desc="fig7 product")
    hee = _depth_sweep(ctx, ns, hee_layers, 25, data="random", desc="fig7 hee")
    raw = {
        e: np.array([r["var"] for c, r in zip(prod_cfgs, prod) if c["embedding"] == e]).reshape(
            len(ns), draws
        )
        for e in ("rx", "ry", "hrz")
    }
    by = {e: np.median(v, axis=1) for e, v in raw.items()}  # median over the data draws
    fig, axes = new_figure(1, 2)
    ax, ax2 = axes[0]
    for i, (e, label) in enumerate([("rx", "RX"), ("ry", "RY"), ("hrz", "H.RZ")]):
        ax.semilogy(ns, by[e], marker=MARKERS[i], color=PALETTE[i], label=f"{label} (median of {draws})")
        ax.fill_between(ns, raw[e].min(1), raw[e].max(1), color=PALETTE[i], alpha=0.12, lw=0)
    ax.semilogy(ns, product_variance(np.asarray(ns)), "k--", lw=1, label="(3/8)^n - (1/4)^n")
    pn = [n for n in PAPER_FIG7_RX_VAR if n in ns]
    paper_overlay(ax, pn, [PAPER_FIG7_RX_VAR[n] for n in pn], label="paper (RX)")
    ax.set_xlabel("qubits n")
    ax.set_ylabel("Var over pairs")
    ax.set_title("Fig. 7: product embeddings, random data")
    ax.legend()
    _plot_depth(hee, ns, hee_layers, "fidelity", ax2, len(hee_layers))
    ax2.set_title("HEE, random data, N_s = 25")
    ax2.legend()
    files = save_figure(fig, ctx.out_dir, "fig7_global_measurement")
    lines = [
        f"RX Var n={n}: ours {by['rx'][ns.index(n)]:.3g} (median of {draws} data sets of 60 points; range "
        f"{raw['rx'][ns.index(n)].min():.2g}-{raw['rx'][ns.index(n)].max():.2g}), exact "
        f"{product_variance(n):.3g}, paper {PAPER_FIG7_RX_VAR[n]:.2g} (one data set)"
        for n in pn
    ]
    if len(ns) >= 3:
        fit = fit_decay(ns, by["rx"])
        lines.append(
            "RX fit: b = " + format_interval(fit.b, fit.b_low, fit.b_high, level=fit.level, digits=4)
            + "; 8/3 = 2.667 asymptotically"
        )
    lines.append(
        "HEE panel: the paper's stored data set at n = 6 holds one near-duplicate pair (kernel 0.65 at "
        "L = 2) that triples its stored variance there; ours is an independent draw, so compare the "
        "trend, not the n = 6 point."
    )
    i2 = hee_layers.index(2) if 2 in hee_layers else 0
    lines.append(
        f"HEE largest pair kernel at L = {hee_layers[i2]} per n: "
        + ", ".join(f"n={n}: {r['fidelity']['max'][i2]:.2g}" for n, r in zip(ns, hee))
    )
    return Report(
        "Fig. 7: global-measurement concentration (product embeddings, HEE on random data)", lines, files
    )


@sizes(
    full=dict(ns=tuple(range(2, 21)), layers=(2, 4, 8, 16, 25, 50)),
    tiny=dict(ns=(2, 3, 4), layers=(1, 2)),
    cpu_full=dict(ns=tuple(range(2, 20)), layers=(2, 4, 8, 16, 25, 50)),
    cpu_note=("n = 2..19; n = 20 (40 points, six depths) needs about 16 GiB at its peak, past the "
              "budget of the 24 GB CPU machine, so it is left to a larger machine or a GPU"),
)
@dataclasses.dataclass(frozen=True)
class MoreQubitsConfig:
    """Fig. 6 past the paper's range with the statevector (n <= 16 quick, 20 full); see also qkernels-large-n.

    Command: ``embtheory reproduce qkernels-more-qubits --quick`` (about 1 min).
    """

    ns: tuple[int, ...] = (6, 8, 10, 12, 14, 16)
    layers: tuple[int, ...] = (2, 4, 8, 16)


def run_more_qubits(cfg: MoreQubitsConfig, ctx: RunContext) -> Report:
    ns, layers = list(cfg.ns), list(cfg.layers)
    results = _depth_sweep(ctx, ns, layers, 40, desc="more qubits")
    fig, axes = new_figure(1, 2)
    ax, ax2 = axes[0]
    _plot_depth(results, ns, layers, "fidelity", ax, len(layers))
    _plot_depth(results, ns, layers, "projected", ax2, len(layers))
    ax.axvline(14.5, color="grey", lw=0.8, ls=":")
    ax2.axvline(12.5, color="grey", lw=0.8, ls=":")
    ax.legend()
    ax.set_title(f"beyond the paper: fidelity to n = {ns[-1]}")
    ax2.set_title(f"projected to n = {ns[-1]}")
    files = save_figure(fig, ctx.out_dir, "more_qubits")
    lines = _decay_lines(results, ns, layers, "fidelity") + _decay_lines(results, ns, layers, "projected")
    return Report(
        "Beyond the paper: concentration past n = 14 (fidelity) and n = 12 (projected)", lines, files
    )


@sizes(
    quick=dict(ns=tuple(range(2, 13, 2))),
    full=dict(ns=tuple(range(2, 17))),
    tiny=dict(ns=(2, 3), scales=(0.1, 1.0)),
)
@dataclasses.dataclass(frozen=True)
class BandwidthConfig:
    """Bandwidth scaling x -> c x (HEE, L = 2, MNIST): a small c removes the decay in n.

    Command: ``embtheory reproduce qkernels-bandwidth --quick`` (even n = 2..12); full: every n up to 16.
    """

    ns: tuple[int, ...] = tuple(range(2, 13))
    scales: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0)


def run_bandwidth(cfg: BandwidthConfig, ctx: RunContext) -> Report:
    ns, scales = list(cfg.ns), list(cfg.scales)
    cfgs = [c for s in scales for c in _depth_cfgs(ctx.seed, ns, [2], 40, scale=s)]
    res = ctx.sweep(cfgs, qc.depth_unit, desc="bandwidth")
    fig, axes = new_figure(1, 2)
    ax, ax2 = axes[0]
    for i, c in enumerate(scales):
        rows = [r for cf, r in zip(cfgs, res) if cf["scale"] == c]
        ax.semilogy(ns, [r["fidelity"]["var"][0] for r in rows], marker=MARKERS[i % 8], label=f"c = {c}")
        ax2.semilogy(
            ns, [r["projected"]["var"][0] for r in rows], marker=MARKERS[i % 8], label=f"c = {c}"
        )
    ax.set_title("bandwidth x -> c x: fidelity, HEE L = 2")
    ax2.set_title("projected")
    for a in (ax, ax2):
        a.set_xlabel("qubits n")
        a.set_ylabel("Var over pairs")
        integer_axis(a, ns)
    legend_outside(ax2)  # one legend for both panels, off their curves
    files = save_figure(fig, ctx.out_dir, "bandwidth")
    lines = []
    for c in scales:
        v = [r["fidelity"]["var"][0] for cf, r in zip(cfgs, res) if cf["scale"] == c]
        lines.append(f"c={c}: fidelity Var at n={ns[0]}: {v[0]:.3g}, at n={ns[-1]}: {v[-1]:.3g}")
    return Report("Beyond the paper: bandwidth scaling as a remedy (variance vs c and n)", lines, files)


EXPERIMENTS = [
    Experiment(name="qkernels-fig6a", area="qkernels", paper="Thanasilp et al. 2024, Fig. 6a",
               title="Fig. 6a: fidelity-kernel concentration vs n and L",
               config=Fig6aConfig, run=run_fig6a, revision=REVISION, x64=True),
    Experiment(name="qkernels-fig6b", area="qkernels", paper="Thanasilp et al. 2024, Fig. 6b",
               title="Fig. 6b: projected-kernel concentration vs n and L",
               config=Fig6bConfig, run=run_fig6b, revision=REVISION, x64=True),
    Experiment(name="qkernels-fig7", area="qkernels", paper="Thanasilp et al. 2024, Fig. 7",
               title="Fig. 7: global measurements (product embeddings)",
               config=Fig7Config, run=run_fig7, revision=REVISION, x64=True),
    Experiment(name="qkernels-more-qubits", area="qkernels", title="Concentration beyond n = 14",
               paper="extension of Thanasilp et al. 2024, Fig. 6",
               config=MoreQubitsConfig, run=run_more_qubits, revision=REVISION, x64=True),
    Experiment(name="qkernels-bandwidth", area="qkernels", title="Bandwidth scaling x -> c x",
               paper="extension (Shaydulin & Wild 2022; Canatar et al. 2023)",
               config=BandwidthConfig, run=run_bandwidth, revision=REVISION, x64=True),
]

"""Quantum-kernel concentration vs qubits and layers: Figs. 6a, 6b and 7 of Thanasilp et al. (2024),
and two extensions (more qubits than the paper; bandwidth scaling x -> c x).

Commands (from the repository root):
    embtheory reproduce qkernels-fig6a --quick    # ~1-2 min on a 2-core CPU
    embtheory reproduce qkernels-fig6b --quick    # reuses Fig. 6a's units (same sweep)
    embtheory reproduce qkernels-fig7 --quick     # ~1 min
    embtheory reproduce qkernels-more-qubits --quick
    embtheory reproduce qkernels-bandwidth --quick

Every unit runs in float64 (variances down to 1e-9) and is written to the results store as soon as
it finishes; an interrupted run resumes.  Expected (paper, Fig. 6 at L = 2, fidelity means):
0.39, 0.094, 0.032, 0.013, 0.0072, 0.0048, 0.0035 for n = 2, 4, ..., 14 (MNIST train set; we use
the MNIST test set, see the docs).  Fig. 7, RX variances: (3/8)^n - (1/4)^n exactly.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core import Experiment, Report, RunContext, root_key, run_sweep, split_named
from embtheory.core.plotting import MARKERS, PALETTE, house_style, new_figure, paper_overlay, save_figure
from embtheory.qkernels import (
    embed,
    fit_decay,
    mnist_pca,
    pair_statistics,
    product_variance,
    uniform_angles,
)
from embtheory.qkernels.profiles import kernels_by_depth

LAYERS = [2, 4, 8, 16, 25, 50, 75, 100, 150, 200]
PAPER_FIG6_MEAN_L2 = {2: 0.39, 4: 0.094, 6: 0.032, 8: 0.013, 10: 0.0072, 12: 0.0048, 14: 0.0035}
PAPER_FIG7_RX_VAR = {2: 7.9e-2, 4: 1.5e-2, 6: 2.1e-3, 8: 4.7e-4, 10: 9.0e-5, 12: 7.2e-6}


def _stats(grams, mu):
    out = [pair_statistics(K, mu=mu) for K in grams]
    return {
        "mean": [float(s.mean) for s in out],
        "var": [float(s.var) for s in out],
        "abs_dev": [float(s.abs_dev) for s in out],
    }


def depth_unit(cfg: dict) -> dict:
    """Fidelity and projected kernel statistics over the pairs of N_s points, at every depth of cfg."""
    with jax.enable_x64(True):
        n = cfg["n"]
        if cfg["data"] == "mnist":
            X, _ = mnist_pca(n, cfg["n_samples"], dtype=jnp.float64)
        else:
            key = jax.random.fold_in(root_key(cfg["seed"]), n)
            X = uniform_angles(key, cfg["n_samples"], n, dtype=jnp.float64)
        out = kernels_by_depth(cfg.get("scale", 1.0) * X, layers=cfg["layers"], embedding=cfg["embedding"])
        return {"fidelity": _stats(out["fidelity"], 2.0**-n), "projected": _stats(out["projected"], 1.0)}


def _mnist_depth_cfgs(ctx, ns, layers):
    return [
        dict(
            experiment="qk-depth",
            data="mnist",
            embedding="hee",
            n=n,
            n_samples=40,
            layers=layers,
            seed=ctx.seed,
        )
        for n in ns
    ]


def _plot_depth(results, ns, layers, kind, ax, plotted):
    for i, L in enumerate(layers[:plotted]):
        var = [r[kind]["var"][i] for r in results]
        ax.semilogy(
            ns, var, marker=MARKERS[i % len(MARKERS)], color=PALETTE[i % len(PALETTE)], label=f"L = {L}"
        )
    ax.set_xlabel("qubits n")
    ax.set_ylabel(f"Var over pairs of {kind} kernel")


def _decay_lines(results, ns, layers, kind):
    lines = []
    for i, L in enumerate(layers):
        var = np.array([r[kind]["var"][i] for r in results])
        ok = var > 0
        if ok.sum() >= 3:
            fit = fit_decay(np.asarray(ns)[ok], var[ok])
            lines.append(
                f"{kind} L={L}: Var ~ b^-n with b = {fit.b:.2f} (95% CI {fit.b_low:.2f}-{fit.b_high:.2f})"
            )
    return lines


def run_fig6a(ctx: RunContext) -> Report:
    ns = list(range(2, 13)) if ctx.quick else list(range(2, 15))
    results = run_sweep(
        ctx.store, _mnist_depth_cfgs(ctx, ns, LAYERS), depth_unit, desc="fig6", progress=ctx.progress
    )
    with house_style():
        fig, axes = new_figure(1, 2)
        ax, ax2 = axes[0]
        _plot_depth(results, ns, LAYERS, "fidelity", ax, 8)
        ax.plot(
            ns, 1 / (2 ** (np.asarray(ns) - 1) * (2 ** np.asarray(ns) + 1)), "k--", lw=1, label="beta_Haar"
        )
        ax.legend(ncol=2)
        ax.set_title("Fig. 6a: fidelity kernel, HEE, MNIST")
        means = [r["fidelity"]["mean"][0] for r in results]
        ax2.semilogy(ns, means, marker="o", label="ours, L = 2")
        ax2.semilogy(ns, 2.0 ** -np.asarray(ns), "k:", lw=1, label="1/2^n")
        pn = [n for n in PAPER_FIG6_MEAN_L2 if n in ns]
        paper_overlay(ax2, pn, [PAPER_FIG6_MEAN_L2[n] for n in pn])
        ax2.set_xlabel("qubits n")
        ax2.set_ylabel("mean fidelity kernel")
        ax2.legend()
        files = save_figure(fig, ctx.out_dir, "fig6a_fidelity")
    lines = [
        f"L=2 mean n={n}: ours {results[ns.index(n)]['fidelity']['mean'][0]:.4f}, "
        f"paper {PAPER_FIG6_MEAN_L2[n]}"
        for n in pn
    ]
    lines += _decay_lines(results, ns, LAYERS, "fidelity")
    return Report("Fig. 6a: fidelity-kernel variance vs qubits and layers (MNIST, HEE)", lines, files)


def run_fig6b(ctx: RunContext) -> Report:
    ns = list(range(2, 13)) if ctx.quick else list(range(2, 15))
    results = run_sweep(
        ctx.store, _mnist_depth_cfgs(ctx, ns, LAYERS), depth_unit, desc="fig6", progress=ctx.progress
    )
    with house_style():
        fig, ax = new_figure()
        _plot_depth(results, ns, LAYERS, "projected", ax, 8)
        ax.legend(ncol=2)
        ax.set_title("Fig. 6b: projected kernel, HEE, MNIST")
        files = save_figure(fig, ctx.out_dir, "fig6b_projected")
    return Report(
        "Fig. 6b: projected-kernel variance vs qubits and layers (MNIST, HEE)",
        _decay_lines(results, ns, LAYERS, "projected"),
        files,
    )


def product_unit(cfg: dict) -> dict:
    """Pair statistics of a single-layer product embedding on ``draws`` independent random data sets."""
    with jax.enable_x64(True):
        n, N, D = cfg["n"], cfg["n_samples"], cfg["draws"]
        key = jax.random.fold_in(split_named(root_key(cfg["seed"]), "fig7")["fig7"], n)
        X = uniform_angles(key, D * N, n, dtype=jnp.float64)
        S = embed(X, embedding=cfg["embedding"], layers=1).reshape(D, N, -1)  # every state once
        grams = jnp.abs(jnp.einsum("dia,dja->dij", jnp.conj(S), S)) ** 2  # one Gram matrix per draw
        stats = [pair_statistics(K, mu=2.0**-n) for K in grams]
        return {"mean": [float(s.mean) for s in stats], "var": [float(s.var) for s in stats]}


def run_fig7(ctx: RunContext) -> Report:
    ns = list(range(2, 13))
    draws = 5  # independent data sets: the variance of 1770 dependent pairs is itself noisy
    prod_cfgs = [
        dict(experiment="qk-fig7-product", embedding=e, n=n, n_samples=60, draws=draws, seed=ctx.seed)
        for e in ("rx", "ry", "hrz")
        for n in ns
    ]
    prod = run_sweep(ctx.store, prod_cfgs, product_unit, desc="fig7 product", progress=ctx.progress)
    hee_layers = [2, 4, 8, 16, 32]
    hee_cfgs = [
        dict(
            experiment="qk-depth",
            data="random",
            embedding="hee",
            n=n,
            n_samples=25,
            layers=hee_layers,
            seed=ctx.seed,
        )
        for n in ns
    ]
    hee = run_sweep(ctx.store, hee_cfgs, depth_unit, desc="fig7 hee", progress=ctx.progress)
    raw = {
        e: np.array([r["var"] for c, r in zip(prod_cfgs, prod) if c["embedding"] == e]).reshape(
            len(ns), draws
        )
        for e in ("rx", "ry", "hrz")
    }
    by = {e: np.median(v, axis=1) for e, v in raw.items()}  # median over the data draws
    with house_style():
        fig, axes = new_figure(1, 2)
        ax, ax2 = axes[0]
        for i, (e, label) in enumerate([("rx", "RX"), ("ry", "RY"), ("hrz", "H.RZ")]):
            ax.semilogy(ns, by[e], marker=MARKERS[i], color=PALETTE[i], label=f"{label} (median of {draws})")
            ax.fill_between(ns, raw[e].min(1), raw[e].max(1), color=PALETTE[i], alpha=0.12, lw=0)
        ax.semilogy(ns, product_variance(np.asarray(ns)), "k--", lw=1, label="(3/8)^n - (1/4)^n")
        paper_overlay(ax, list(PAPER_FIG7_RX_VAR), list(PAPER_FIG7_RX_VAR.values()), label="paper (RX)")
        ax.set_xlabel("qubits n")
        ax.set_ylabel("Var over pairs")
        ax.set_title("Fig. 7: product embeddings, random data")
        ax.legend()
        _plot_depth(hee, ns, hee_layers, "fidelity", ax2, len(hee_layers))
        ax2.set_title("HEE, random data, N_s = 25")
        ax2.legend()
        files = save_figure(fig, ctx.out_dir, "fig7_global_measurement")
    lines = [
        f"RX Var n={n}: ours {by['rx'][ns.index(n)]:.3g} (median of {draws} draws; range "
        f"{raw['rx'][ns.index(n)].min():.2g}-{raw['rx'][ns.index(n)].max():.2g}), "
        f"exact {product_variance(n):.3g}, paper {v:.2g}"
        for n, v in PAPER_FIG7_RX_VAR.items()
    ]
    fit = fit_decay(ns, by["rx"])
    lines.append(
        f"RX fit: b = {fit.b:.3f} (95% CI {fit.b_low:.3f}-{fit.b_high:.3f}); 8/3 = 2.667 asymptotically"
    )
    return Report(
        "Fig. 7: global-measurement concentration (product embeddings, HEE on random data)", lines, files
    )


def run_more_qubits(ctx: RunContext) -> Report:
    ns = [6, 8, 10, 12, 13, 14, 15, 16] if ctx.quick else list(range(2, 21))
    layers = [2, 4, 8, 16] if ctx.quick else [2, 4, 8, 16, 25, 50]
    cfgs = [
        dict(
            experiment="qk-depth",
            data="mnist",
            embedding="hee",
            n=n,
            n_samples=40,
            layers=layers,
            seed=ctx.seed,
        )
        for n in ns
    ]
    results = run_sweep(ctx.store, cfgs, depth_unit, desc="more qubits", progress=ctx.progress)
    with house_style():
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


SCALES = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]


def run_bandwidth(ctx: RunContext) -> Report:
    ns = list(range(2, 13)) if ctx.quick else list(range(2, 17))
    cfgs = [
        dict(
            experiment="qk-depth",
            data="mnist",
            embedding="hee",
            n=n,
            n_samples=40,
            layers=[2],
            scale=c,
            seed=ctx.seed,
        )
        for c in SCALES
        for n in ns
    ]
    res = run_sweep(ctx.store, cfgs, depth_unit, desc="bandwidth", progress=ctx.progress)
    with house_style():
        fig, axes = new_figure(1, 2)
        ax, ax2 = axes[0]
        for i, c in enumerate(SCALES):
            rows = [r for cfg, r in zip(cfgs, res) if cfg["scale"] == c]
            ax.semilogy(ns, [r["fidelity"]["var"][0] for r in rows], marker=MARKERS[i % 8], label=f"c = {c}")
            ax2.semilogy(
                ns, [r["projected"]["var"][0] for r in rows], marker=MARKERS[i % 8], label=f"c = {c}"
            )
        ax.set_title("bandwidth x -> c x: fidelity, HEE L = 2")
        ax2.set_title("projected")
        for a in (ax, ax2):
            a.set_xlabel("qubits n")
            a.set_ylabel("Var over pairs")
        ax.legend()
        files = save_figure(fig, ctx.out_dir, "bandwidth")
    lines = []
    for c in SCALES:
        v = [r["fidelity"]["var"][0] for cfg, r in zip(cfgs, res) if cfg["scale"] == c]
        lines.append(f"c={c}: fidelity Var at n={ns[0]}: {v[0]:.3g}, at n={ns[-1]}: {v[-1]:.3g}")
    return Report("Beyond the paper: bandwidth scaling as a remedy (variance vs c and n)", lines, files)


EXPERIMENTS = [
    Experiment(
        name="qkernels-fig6a",
        area="qkernels",
        title="Fig. 6a: fidelity-kernel concentration vs n and L",
        paper="Thanasilp et al. 2024, Fig. 6a",
        runtime_quick="2 min",
        runtime_full="4 min",
        run=run_fig6a,
    ),
    Experiment(
        name="qkernels-fig6b",
        area="qkernels",
        title="Fig. 6b: projected-kernel concentration vs n and L",
        paper="Thanasilp et al. 2024, Fig. 6b",
        runtime_quick="10 s (reuses Fig. 6a)",
        runtime_full="10 s (reuses Fig. 6a)",
        run=run_fig6b,
    ),
    Experiment(
        name="qkernels-fig7",
        area="qkernels",
        title="Fig. 7: global measurements (product embeddings)",
        paper="Thanasilp et al. 2024, Fig. 7",
        runtime_quick="1 min",
        runtime_full="1 min",
        run=run_fig7,
    ),
    Experiment(
        name="qkernels-more-qubits",
        area="qkernels",
        title="Concentration beyond n = 14",
        paper="extension of Thanasilp et al. 2024, Fig. 6",
        runtime_quick="1 min",
        runtime_full="30 min (CPU)",
        run=run_more_qubits,
    ),
    Experiment(
        name="qkernels-bandwidth",
        area="qkernels",
        title="Bandwidth scaling x -> c x",
        paper="extension (Shaydulin & Wild 2022; Canatar et al. 2023)",
        runtime_quick="1 min",
        runtime_full="5 min",
        run=run_bandwidth,
    ),
]

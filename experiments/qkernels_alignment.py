"""Fig. 9 of Thanasilp et al. (2024): kernel-target alignment concentrates over parameters.

Set-up: one trainable RY(theta_i) layer then one HEE layer; theta ~ U[-2 pi, 2 pi]^n (500 samples);
N_s = 10 random points x ~ U[0, 2 pi]^n with random +-1 labels; plotted Var_theta[TA] against n.
Paper: 3.9e-3 at n = 2 down to 1.1e-5 at n = 18.  A short optax run shows what the flat landscape
means for training: the alignment gained by 50 Adam steps shrinks with n.

Command: ``embtheory reproduce qkernels-fig9 --quick`` (~2 min: n in {2, 4, ..., 12}, 200 samples;
full: n in {2, 6, 10, 12, 14, 16, 18}, 500 samples).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from embtheory.core import Experiment, Report, RunContext, root_key, run_sweep, split_named
from embtheory.core.plotting import PALETTE, house_style, new_figure, paper_overlay, save_figure
from embtheory.qkernels import alignment_values, fit_decay, train_alignment, uniform_angles

PAPER_RANGE = {2: 3.9e-3, 18: 1.1e-5}


def alignment_unit(cfg: dict) -> dict:
    with jax.enable_x64(True):
        n = cfg["n"]
        k = split_named(jax.random.fold_in(root_key(cfg["seed"]), n), "x", "y", "theta", "init")
        X = uniform_angles(k["x"], cfg["n_samples"], n, dtype=jnp.float64)
        y = jnp.where(jax.random.bernoulli(k["y"], 0.5, (cfg["n_samples"],)), 1.0, -1.0)
        thetas = uniform_angles(
            k["theta"], cfg["n_theta"], n, low=-2 * np.pi, high=2 * np.pi, dtype=jnp.float64
        )
        ta = alignment_values(X, y, thetas)
        theta0 = uniform_angles(k["init"], 1, n, low=-2 * np.pi, high=2 * np.pi, dtype=jnp.float64)[0]
        _, hist = train_alignment(X, y, theta0, optimizer=optax.adam(0.05), steps=cfg["steps"])
        return {
            "var": float(jnp.var(ta)),
            "mean": float(jnp.mean(ta)),
            "train_gain": float(hist[-1] - hist[0]),
        }


def run_fig9(ctx: RunContext) -> Report:
    ns = [2, 4, 6, 8, 10, 12] if ctx.quick else [2, 6, 10, 12, 14, 16, 18]
    n_theta = 200 if ctx.quick else 500
    cfgs = [
        dict(experiment="qk-fig9", n=n, n_samples=10, n_theta=n_theta, steps=50, seed=ctx.seed) for n in ns
    ]
    res = run_sweep(ctx.store, cfgs, alignment_unit, desc="fig9", progress=ctx.progress)
    var = np.array([r["var"] for r in res])
    with house_style():
        fig, axes = new_figure(1, 2)
        ax, ax2 = axes[0]
        ax.semilogy(ns, var, marker="o", color=PALETTE[0], label=f"ours ({n_theta} theta samples)")
        paper_overlay(ax, list(PAPER_RANGE), list(PAPER_RANGE.values()), label="paper (end points)")
        ax.set_xlabel("qubits n")
        ax.set_ylabel("Var_theta[TA]")
        ax.set_title("Fig. 9: alignment landscape, RY + HEE")
        ax.legend()
        ax2.plot(ns, [r["train_gain"] for r in res], marker="s", color=PALETTE[1])
        ax2.set_xlabel("qubits n")
        ax2.set_ylabel("TA gain after 50 Adam steps")
        files = save_figure(fig, ctx.out_dir, "fig9_alignment")
    fit = fit_decay(ns, var)
    lines = [
        f"n={n}: Var_theta[TA] = {v:.3g}" + (f" (paper {PAPER_RANGE[n]:.2g})" if n in PAPER_RANGE else "")
        for n, v in zip(ns, var)
    ]
    lines.append(
        f"decay base b = {fit.b:.2f} (95% CI {fit.b_low:.2f}-{fit.b_high:.2f}); paper's end points "
        f"give b = {(3.9e-3 / 1.1e-5) ** (1 / 16):.2f}"
    )
    return Report("Fig. 9: variance of kernel-target alignment over parameters", lines, files)


EXPERIMENTS = [
    Experiment(
        name="qkernels-fig9",
        area="qkernels",
        title="Fig. 9: alignment variance vs qubits",
        paper="Thanasilp et al. 2024, Fig. 9",
        runtime_quick="2 min",
        runtime_full="20 min (CPU)",
        run=run_fig9,
    ),
]

"""Fig. 8 of Thanasilp et al. (2024): local depolarising noise concentrates both kernels.

Set-up: HEE on MNIST 0 vs 1 (PCA to n = 8 angles), N_s = 40 (780 pairs), L = 2..20;
DepolarizingChannel(p) on every qubit right after every RX, in U(x) and in U(x')^dagger (2L noisy
layers in the echo), p in {0.01, 0.025, 0.05, 0.075, 0.1}.  Plotted: mean |k_F - 1/2^n| (fidelity) and
mean |k_P - 1| (projected) over pairs, against L.  The noisy echo equals Tr[rho(x) rho(x')] of the
noisy states (tested against PennyLane's default.mixed), which the native density-matrix simulator
computes for every L in one pass.

Command: ``embtheory reproduce qkernels-fig8 --quick`` (~2 min: p in {0.01, 0.05, 0.1}; full: all five).
Expected: both deviations fall exponentially in L, faster for larger p.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import sizes
from embtheory.core.plotting import MARKERS, PALETTE, integer_axis, legend_outside, new_figure, save_figure
from embtheory.qkernels import mnist_pca, pair_statistics
from embtheory.qkernels.profiles import kernels_by_depth

LAYERS = list(range(2, 21))


def noise_unit(cfg: dict) -> dict:
    with jax.enable_x64(True):
        n = cfg["n"]
        X, _ = mnist_pca(n, cfg["n_samples"], dtype=jnp.float64)
        out = kernels_by_depth(X, layers=cfg["layers"], noise=cfg["p"])
        fid = [float(pair_statistics(K, mu=2.0**-n).abs_dev) for K in out.fidelity]
        proj = [float(pair_statistics(K, mu=1.0).abs_dev) for K in out.projected]
        return {"fidelity_abs_dev": fid, "projected_abs_dev": proj}


@sizes(full=dict(ps=(0.01, 0.025, 0.05, 0.075, 0.1)), tiny=dict(ps=(0.05,), n=3, layers=(2, 3, 4)))
@dataclasses.dataclass(frozen=True)
class Fig8Config:
    """Fig. 8 (noise, n = 8, MNIST, L = 2..20); quick: p in {0.01, 0.05, 0.1}, full: all five p."""

    ps: tuple[float, ...] = (0.01, 0.05, 0.1)
    n: int = 8
    layers: tuple[int, ...] = tuple(LAYERS)


def run_fig8(cfg: Fig8Config, ctx: RunContext) -> Report:
    ps, LAYERS = list(cfg.ps), list(cfg.layers)
    cfgs = [dict(experiment="qk-fig8", n=cfg.n, n_samples=40, layers=LAYERS, p=p, seed=ctx.seed) for p in ps]
    res = ctx.sweep(cfgs, noise_unit, desc="fig8")
    fig, axes = new_figure(1, 2)
    ax, ax2 = axes[0]
    for i, (p, r) in enumerate(zip(ps, res)):
        kw = dict(marker=MARKERS[i], color=PALETTE[i], label=f"p = {p}")
        ax.semilogy(LAYERS, r["fidelity_abs_dev"], **kw)
        ax2.semilogy(LAYERS, r["projected_abs_dev"], **kw)
    ax.set_ylabel("mean |k_F - 1/2^n|")
    ax2.set_ylabel("mean |k_P - 1|")
    for a in (ax, ax2):
        a.set_xlabel("layers L")
        integer_axis(a, LAYERS)
    ax.set_title(f"Fig. 8: noise-induced concentration, n = {cfg.n}, MNIST")
    legend_outside(ax2)  # one legend for both panels, off their curves
    files = save_figure(fig, ctx.out_dir, "fig8_noise")
    lines = []
    for p, r in zip(ps, res):
        f, q = np.asarray(r["fidelity_abs_dev"]), np.asarray(r["projected_abs_dev"])
        rate_f = np.exp(-np.polyfit(LAYERS, np.log(f), 1)[0])
        rate_q = np.exp(-np.polyfit(LAYERS, np.log(q), 1)[0])
        lines.append(
            f"p={p}: fidelity dev {f[0]:.3g} (L=2) -> {f[-1]:.3g} (L=20), x{rate_f:.3f} per layer; "
            f"projected dev {q[0]:.3g} -> {q[-1]:.3g}, x{rate_q:.3f} per layer"
        )
    return Report("Fig. 8: depolarising noise drives k_F -> 1/2^n and k_P -> 1", lines, files)


EXPERIMENTS = [
    Experiment(name="qkernels-fig8", area="qkernels", title="Fig. 8: noise-induced concentration vs layers",
               paper="Thanasilp et al. 2024, Fig. 8", config=Fig8Config, run=run_fig8, revision=1, x64=True),
]

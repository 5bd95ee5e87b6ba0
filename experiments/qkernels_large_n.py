"""Concentration at 100 qubits: Fig. 6a/6b-style variance and mean vs n for the HEE on MNIST, by MPS.

Set-up: MNIST 0 vs 1, PCA to n components used as angles (as in Fig. 6), N_s points (first N_s / 2 of
each class), HEE with L = 1, 2, 3 layers, simulated as matrix-product states at the exact bond
min(4^L, 2^(n/2)) (64 for L = 3: no truncation, the discarded weight is reported and is at rounding
level).  Per n and L: mean and variance over the N_s (N_s - 1) / 2 pairs of the fidelity kernel and of
the projected kernel's exponent D (and of exp(-D)); the decay base b of Var ~ A b^-n is fitted with a
95% interval on n <= 14 (the paper's range), on n >= 16 and on all n.

Command: ``embtheory reproduce qkernels-large-n --quick``: n in {4, 8, 12, 16, 32, 64, 100}, N_s = 20
(190 pairs), L = 1, 2 (bond 16; seconds per n).  Full adds L = 3 (bond 64: about a minute per n at
n = 64, 100 on the CPU with OPENBLAS_NUM_THREADS=1) and n in {6, 10, 14, 24, 48}, N_s = 20.  N_s = 40
(780 pairs, as in Fig. 6) and L = 4 (bond 256) are GPU sizes and are not run here.
"""

from __future__ import annotations

import dataclasses
import time

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core import Experiment, Report, RunContext
from embtheory.core.experiment import sizes
from embtheory.core.plotting import MARKERS, PALETTE, new_figure, save_figure
from embtheory.core.reporting import format_interval
from embtheory.qkernels import fit_decay, mnist_pca, pair_values
from embtheory.qkernels.mps import bond_for, mps_embed_fn, mps_gram_quantities

REVISION = 1


def large_n_unit(cfg: dict) -> dict:
    """Kernel statistics at every depth 1..L for one n, from one MPS evolution."""
    with jax.enable_x64(True):
        n, L = cfg["n"], cfg["max_layers"]
        X, _ = mnist_pca(n, cfg["n_samples"], dtype=jnp.float64)
        chi, _ = bond_for(n, L, True, None)
        t0 = time.perf_counter()
        states = mps_embed_fn("rx", True, L, n, chi, False, np.dtype(np.complex128), record=True)(
            X, jnp.zeros(n)
        )
        out = {
            "layers": list(range(1, L + 1)),
            "fidelity": {},
            "distance": {},
            "projected": {},
            "discarded": [],
        }
        for key in ("fidelity", "distance", "projected"):
            out[key] = {"mean": [], "var": [], "log_var": []}
        for st in states:
            log_k, D = mps_gram_quantities(st.tensors)
            for key, vals in (
                ("fidelity", jnp.exp(pair_values(log_k))),
                ("distance", pair_values(D)),
                ("projected", jnp.exp(-pair_values(D))),
            ):
                v = float(jnp.var(vals))
                out[key]["mean"].append(float(jnp.mean(vals)))
                out[key]["var"].append(v)
                out[key]["log_var"].append(float(np.log(v)) if v > 0 else None)
            out["discarded"].append(float(jnp.max(st.discarded)))
        out["bond"] = chi
        out["seconds"] = time.perf_counter() - t0
        return out


@sizes(
    quick=dict(max_layers=2),
    full=dict(ns=(4, 6, 8, 10, 12, 14, 16, 24, 32, 48, 64, 100), n_samples=20),
    tiny=dict(ns=(4, 6, 40), max_layers=1, n_samples=6),
)
@dataclasses.dataclass(frozen=True)
class LargeNConfig:
    """See the module docstring: the command, sizes, what full adds."""

    ns: tuple[int, ...] = (4, 8, 12, 16, 32, 64, 100)
    max_layers: int = 3
    n_samples: int = 20


def _fit_line(ns, var, lo, hi, label):
    ns, var = np.asarray(ns), np.asarray(var)
    sel = (ns >= lo) & (ns <= hi) & (var > 0)
    if np.unique(ns[sel]).size < 3:
        return None, f"{label}: fewer than 3 points"
    fit = fit_decay(ns[sel], var[sel])
    return fit, f"{label}: b = " + format_interval(fit.b, fit.b_low, fit.b_high, level=fit.level, digits=4)


def run_large_n(cfg: LargeNConfig, ctx: RunContext) -> Report:
    ns = list(cfg.ns)
    units = [dict(experiment="qk-large-n", n=n, max_layers=cfg.max_layers, n_samples=cfg.n_samples,
                  seed=ctx.seed, revision=REVISION) for n in ns]
    res = ctx.sweep(units, large_n_unit, desc="large n (MPS)")
    layers = list(range(1, cfg.max_layers + 1))
    fig, axes = new_figure(1, 3)
    ax, ax2, ax3 = axes[0]
    for i, L in enumerate(layers):
        kw = dict(marker=MARKERS[i % len(MARKERS)], color=PALETTE[i % len(PALETTE)], label=f"L = {L}")
        ax.semilogy(ns, [r["fidelity"]["var"][i] for r in res], **kw)
        ax2.semilogy(ns, [r["fidelity"]["mean"][i] for r in res], **kw)
        ax3.semilogy(ns, [r["distance"]["var"][i] for r in res], **kw)
    nn = np.asarray(ns, float)
    ax2.semilogy(ns, 2.0**-nn, "k:", lw=1, label="1/2^n")
    for a, title in (
        (ax, "Var over pairs, fidelity"),
        (ax2, "mean fidelity"),
        (ax3, "Var over pairs of D"),
    ):
        a.axvline(14.5, color="grey", lw=0.8, ls=":")
        a.set_xlabel("qubits n")
        a.set_title(title)
    ax.legend(fontsize=7)
    ax2.legend(fontsize=7)
    files = save_figure(fig, ctx.out_dir, "large_n")
    times = ", ".join(f"n={r_n}: {r['seconds']:.0f} s" for r_n, r in zip(ns, res))
    lines = [
        f"MPS at the exact bond (L = {cfg.max_layers}: bond up to {max(r['bond'] for r in res)}); largest "
        f"discarded weight {max(max(r['discarded']) for r in res):.1e}; N_s = {cfg.n_samples} "
        f"({cfg.n_samples * (cfg.n_samples - 1) // 2} pairs), MNIST PCA to n components; "
        f"unit times {times}."
    ]
    for kind in ("fidelity", "distance"):
        for i, L in enumerate(layers):
            var = [r[kind]["var"][i] for r in res]
            parts = []
            for lo, hi, label in ((0, 14, "n <= 14"), (16, 10_000, "n >= 16"), (0, 10_000, "all n")):
                _, text = _fit_line(ns, var, lo, hi, label)
                parts.append(text)
            lines.append(
                f"{kind} L={L}: Var at n={ns[0]}: {var[0]:.3g}, at n={ns[-1]}: {var[-1]:.3g}; "
                + "; ".join(parts)
            )
    for i, L in enumerate(layers):
        lines.append(
            f"fidelity L={L}: mean at n={ns[-1]} {res[-1]['fidelity']['mean'][i]:.3g} "
            f"(1/2^n = {2.0 ** -ns[-1]:.3g})"
        )
    return Report("Concentration at 100 qubits (MPS): Fig. 6a/6b-style variance and mean vs n", lines, files)


EXPERIMENTS = [
    Experiment(name="qkernels-large-n", area="qkernels",
               title="Concentration up to 100 qubits (MPS), L = 1..3",
               paper="extension of Thanasilp et al. 2024, Fig. 6",
               config=LargeNConfig, run=run_large_n, revision=REVISION, x64=True),
]

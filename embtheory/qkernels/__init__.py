"""Exponential concentration of quantum kernels (Thanasilp, Wang, Cerezo, Holmes, Nat. Commun. 2024).

- embeddings and states: :func:`embed` (native JAX simulator or PennyLane), :data:`EMBEDDINGS`;
  PennyLane circuits in :mod:`embtheory.qkernels.circuits` (the only module importing PennyLane);
- kernels: :func:`fidelity_gram`, :func:`projected_gram` (``exponent=True``: the exponent D that
  Fig. 6b plots), :func:`product_kernel`, and :func:`kernels_by_depth` (every depth in one pass);
- backends: ``"native"`` statevectors and density matrices, ``"pennylane"``, and ``"mps"``
  (:mod:`embtheory.qkernels.mps`: matrix-product states, exact at bond 4^L, 100 qubits on a CPU);
- concentration: :func:`pair_statistics`, :func:`fit_decay`, :func:`product_variance`, :func:`haar_beta`,
  :func:`haar_variance`;
- shot noise: :func:`loschmidt_estimate`, :func:`swap_estimate`, :func:`random_estimate`,
  :func:`kernel_ridge_fit`, :func:`kernel_ridge_predict`;
- alignment: :func:`target_alignment`, :func:`alignment_values`, :func:`alignment_landscape`,
  :func:`train_alignment`;
- data: :func:`mnist_pca`, :func:`uniform_angles`.
"""

from embtheory.qkernels.alignment import (
    AlignmentState,
    alignment_init,
    alignment_landscape,
    alignment_step,
    alignment_values,
    alignment_variance,
    target_alignment,
    train_alignment,
)
from embtheory.qkernels.concentration import (
    DecayFit,
    PairStats,
    fit_decay,
    haar_beta,
    haar_mean,
    haar_variance,
    pair_statistics,
    pair_values,
    product_variance,
)
from embtheory.qkernels.datasets import mnist_pca, uniform_angles
from embtheory.qkernels.embeddings import EMBEDDINGS, embed, memory_budget
from embtheory.qkernels.kernels import fidelity_gram, product_kernel, projected_gram
from embtheory.qkernels.mps import MPS, MPSCost
from embtheory.qkernels.mps_gates import mps_gate_cost, mps_gate_states
from embtheory.qkernels.profiles import DepthKernels, kernels_by_depth
from embtheory.qkernels.shots import (
    kernel_ridge_fit,
    kernel_ridge_predict,
    loschmidt_estimate,
    random_estimate,
    swap_estimate,
)

__all__ = [
    "EMBEDDINGS",
    "MPS",
    "AlignmentState",
    "DecayFit",
    "DepthKernels",
    "MPSCost",
    "PairStats",
    "alignment_init",
    "alignment_landscape",
    "alignment_step",
    "alignment_values",
    "alignment_variance",
    "embed",
    "fidelity_gram",
    "fit_decay",
    "haar_beta",
    "haar_mean",
    "haar_variance",
    "kernel_ridge_fit",
    "kernel_ridge_predict",
    "kernels_by_depth",
    "loschmidt_estimate",
    "memory_budget",
    "mnist_pca",
    "mps_gate_cost",
    "mps_gate_states",
    "pair_statistics",
    "pair_values",
    "product_kernel",
    "product_variance",
    "projected_gram",
    "random_estimate",
    "swap_estimate",
    "target_alignment",
    "train_alignment",
    "uniform_angles",
]

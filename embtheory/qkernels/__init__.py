"""Exponential concentration of quantum kernels (Thanasilp, Wang, Cerezo, Holmes, Nat. Commun. 2024).

- circuits: one native form (:mod:`embtheory.qkernels.circuit`: :class:`Circuit`, :func:`gate`,
  :func:`circuit_unitaries`, the named embeddings, :func:`zz_feature_map`, :func:`pauli_feature_map`);
  PennyLane templates convert to it (:mod:`embtheory.qkernels.circuits`, the only module importing
  PennyLane);
- embeddings and states: :func:`embed` (one batch-last simulator, or PennyLane), :data:`EMBEDDINGS`;
- kernels: :func:`fidelity_gram`, :func:`projected_gram` (``exponent=True``: the exponent D that
  Fig. 6b plots), :func:`fidelity_from_states` and :func:`projected_from_states` (states simulated
  once, both kernels), :func:`product_kernel`, and :func:`kernels_by_depth` (every depth in one pass);
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
from embtheory.qkernels.circuit import (
    Circuit,
    circuit_unitaries,
    const,
    feature,
    feature_product,
    gate,
    named_circuit,
    param,
    pauli_feature_map,
    raw_feature_product,
    zz_feature_map,
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
from embtheory.qkernels.kernels import (
    fidelity_from_states,
    fidelity_gram,
    product_kernel,
    projected_from_states,
    projected_gram,
)
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
    "Circuit",
    "DecayFit",
    "DepthKernels",
    "MPSCost",
    "PairStats",
    "alignment_init",
    "alignment_landscape",
    "alignment_step",
    "alignment_values",
    "alignment_variance",
    "circuit_unitaries",
    "const",
    "embed",
    "feature",
    "feature_product",
    "fidelity_from_states",
    "fidelity_gram",
    "fit_decay",
    "gate",
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
    "named_circuit",
    "pair_statistics",
    "pair_values",
    "param",
    "pauli_feature_map",
    "product_kernel",
    "product_variance",
    "projected_from_states",
    "projected_gram",
    "random_estimate",
    "raw_feature_product",
    "swap_estimate",
    "target_alignment",
    "train_alignment",
    "uniform_angles",
    "zz_feature_map",
]

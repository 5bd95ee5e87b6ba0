"""Free-embedding sign-rank optimisation and the LIMIT dataset (Weller et al. 2025).

Modules: ``patterns`` (k-subsets and LIMIT relevance patterns as index lists), ``losses``
(memory-bounded loss and gradient), ``accuracy`` (on-device top-k), ``optimise`` (pure
``init``/``step``/``run``), ``solve`` (one run, or a padded batch in one launch), ``search``
(critical n), ``fits`` (growth fits), ``theory`` (bounds and the moment curve), ``limit``
(the dataset, recall@k, qrel-graph statistics).
"""

from embtheory.signrank.accuracy import topk_accuracy, topk_hits
from embtheory.signrank.certify import Certificate, certify, unrank_subsets
from embtheory.signrank.constructions import (
    CONSTRUCTIONS,
    Embedding,
    ExactCertificate,
    PrecisionLimit,
    exact_certify,
    moment_curve_exact_check,
    neighbourly_embedding,
    neighbourly_exact_check,
    precision_limit,
)
from embtheory.signrank.fits import (
    EXTRAPOLATION_DIMS,
    PUBLISHED_CRITICAL_N,
    bootstrap_band,
    compare_fits,
    poly_eval,
    poly_fit,
)
from embtheory.signrank.limit import (
    LimitSet,
    generate_limit_dataset,
    limit_qrels,
    qrel_graph_stats,
    qrels_index,
    recall_at_k,
)
from embtheory.signrank.losses import LOSSES, auto_chunk, batch_loss, loss_and_grad, row_loss
from embtheory.signrank.optimise import (
    OFFICIAL,
    STOP_RULES,
    Problem,
    Recipe,
    RunState,
    check,
    init,
    run,
    step,
)
from embtheory.signrank.patterns import PATTERNS, dense_qrels, k_subsets, qrel_pattern, qrels_to_mask
from embtheory.signrank.search import PUBLISHED_FIT, CriticalN, critical_n, default_start
from embtheory.signrank.solve import DEFAULT_MEMORY_BUDGET, SolveResult, make_batch, solve, solve_batch
from embtheory.signrank.theory import (
    certified_sign_rank,
    forster_lower_bound,
    margin_dimension_bound,
    moment_curve_embedding,
    moment_curve_gap,
    precision_break_n,
)

__all__ = [
    "CONSTRUCTIONS",
    "DEFAULT_MEMORY_BUDGET",
    "EXTRAPOLATION_DIMS",
    "LOSSES",
    "OFFICIAL",
    "PATTERNS",
    "PUBLISHED_CRITICAL_N",
    "PUBLISHED_FIT",
    "STOP_RULES",
    "Certificate",
    "CriticalN",
    "Embedding",
    "ExactCertificate",
    "LimitSet",
    "PrecisionLimit",
    "Problem",
    "Recipe",
    "RunState",
    "SolveResult",
    "auto_chunk",
    "batch_loss",
    "bootstrap_band",
    "certified_sign_rank",
    "certify",
    "check",
    "compare_fits",
    "critical_n",
    "default_start",
    "dense_qrels",
    "exact_certify",
    "forster_lower_bound",
    "generate_limit_dataset",
    "init",
    "k_subsets",
    "limit_qrels",
    "loss_and_grad",
    "make_batch",
    "margin_dimension_bound",
    "moment_curve_embedding",
    "moment_curve_exact_check",
    "moment_curve_gap",
    "neighbourly_embedding",
    "neighbourly_exact_check",
    "poly_eval",
    "poly_fit",
    "precision_break_n",
    "precision_limit",
    "qrel_graph_stats",
    "qrel_pattern",
    "qrels_index",
    "qrels_to_mask",
    "recall_at_k",
    "row_loss",
    "run",
    "solve",
    "solve_batch",
    "step",
    "topk_accuracy",
    "topk_hits",
    "unrank_subsets",
]

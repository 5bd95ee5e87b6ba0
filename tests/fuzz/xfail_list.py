"""The one list of generated and named bad-input cases known to fail (strict xfail).

Each entry: test id -> the reason.  A listed case that passes XPASSes, which fails the suite
(strict): delete its line here.  Empty means every case passes.
"""

# the reasons, one per library gap
_UNUSED_KEY = "dd_plot checks key only for the keyed depths; the default TTE depth ignores a bad one"
_UNUSED_BUDGET = "the cosine closed form never reads memory_budget, so a bad one goes unchecked"
_HUGE_CLASSES = "num_classes past int32 reaches NumPy, whose 'array is too big' does not name it"
_RCOND = "rcond is not checked: NaN and -inf pass; inf, complex and str fail without naming it"
_TRUTHY = "the flag is read by truthiness, not checked as a bool"
_CHUNK = "chunk_size is not checked: floats and bools pass; zero and negatives fail without naming it"
_MAX_SCORES = "max_scores is not checked: NaN passes; complex, str and None fail in a comparison"

XFAIL: dict[str, str] = {
    "depth.dd_plot-key-batch": _UNUSED_KEY,
    "depth.dd_plot-key-float": _UNUSED_KEY,
    "depth.dd_plot-key-int": _UNUSED_KEY,
    "depth.dd_plot-key-raw-dtype": _UNUSED_KEY,
    "depth.dd_plot-key-raw-shape": _UNUSED_KEY,
    "depth.dd_plot-key-str": _UNUSED_KEY,
    "depth.tte_depth-memory_budget--inf": _UNUSED_BUDGET,
    "depth.tte_depth-memory_budget-complex": _UNUSED_BUDGET,
    "depth.tte_depth-memory_budget-generated": _UNUSED_BUDGET,
    "depth.tte_depth-memory_budget-inf": _UNUSED_BUDGET,
    "depth.tte_depth-memory_budget-nan": _UNUSED_BUDGET,
    "depth.tte_depth-memory_budget-str": _UNUSED_BUDGET,
    "encoders.fewshot_accuracy-num_classes-past-int32": _HUGE_CLASSES,
    "encoders.knn_predict-num_classes-past-int32": _HUGE_CLASSES,
    "encoders.nearest_mean_predict-num_classes-past-int32": _HUGE_CLASSES,
    "qkernels.kernel_ridge_fit-rcond--inf": _RCOND,
    "qkernels.kernel_ridge_fit-rcond-complex": _RCOND,
    "qkernels.kernel_ridge_fit-rcond-generated": _RCOND,
    "qkernels.kernel_ridge_fit-rcond-inf": _RCOND,
    "qkernels.kernel_ridge_fit-rcond-nan": _RCOND,
    "qkernels.kernel_ridge_fit-rcond-str": _RCOND,
    "qkernels.loschmidt_estimate-unit_diagonal-int": _TRUTHY,
    "qkernels.loschmidt_estimate-unit_diagonal-none": _TRUTHY,
    "qkernels.loschmidt_estimate-unit_diagonal-str": _TRUTHY,
    "qkernels.product_kernel-chunk_size-bool": _CHUNK,
    "qkernels.product_kernel-chunk_size-float": _CHUNK,
    "qkernels.product_kernel-chunk_size-generated": _CHUNK,
    "qkernels.product_kernel-chunk_size-integral-float": _CHUNK,
    "qkernels.product_kernel-chunk_size-negative": _CHUNK,
    "qkernels.product_kernel-chunk_size-past-int64": _CHUNK,
    "qkernels.product_kernel-chunk_size-str": _CHUNK,
    "qkernels.product_kernel-chunk_size-zero": _CHUNK,
    "qkernels.random_estimate-unit_diagonal-int": _TRUTHY,
    "qkernels.random_estimate-unit_diagonal-none": _TRUTHY,
    "qkernels.random_estimate-unit_diagonal-str": _TRUTHY,
    "qkernels.swap_estimate-unit_diagonal-int": _TRUTHY,
    "qkernels.swap_estimate-unit_diagonal-none": _TRUTHY,
    "qkernels.swap_estimate-unit_diagonal-str": _TRUTHY,
    "signrank.loss_and_grad-chunk_size-bool": _CHUNK,
    "signrank.loss_and_grad-chunk_size-float": _CHUNK,
    "signrank.loss_and_grad-chunk_size-generated": _CHUNK,
    "signrank.loss_and_grad-chunk_size-integral-float": _CHUNK,
    "signrank.loss_and_grad-chunk_size-negative": _CHUNK,
    "signrank.loss_and_grad-chunk_size-str": _CHUNK,
    "signrank.loss_and_grad-chunk_size-zero": _CHUNK,
    "signrank.neighbourly_embedding-check_precision-int": _TRUTHY,
    "signrank.neighbourly_embedding-check_precision-none": _TRUTHY,
    "signrank.neighbourly_embedding-check_precision-str": _TRUTHY,
    "signrank.neighbourly_embedding-unit-int": _TRUTHY,
    "signrank.neighbourly_embedding-unit-none": _TRUTHY,
    "signrank.neighbourly_embedding-unit-str": _TRUTHY,
    "signrank.precision_break_n-max_scores-complex": _MAX_SCORES,
    "signrank.precision_break_n-max_scores-generated": _MAX_SCORES,
    "signrank.precision_break_n-max_scores-nan": _MAX_SCORES,
    "signrank.precision_break_n-max_scores-none": _MAX_SCORES,
    "signrank.precision_break_n-max_scores-str": _MAX_SCORES,
    "signrank.precision_break_n-progress-int": _TRUTHY,
    "signrank.precision_break_n-progress-none": _TRUTHY,
    "signrank.precision_break_n-progress-str": _TRUTHY,
    "signrank.topk_hits-chunk_size-bool": _CHUNK,
    "signrank.topk_hits-chunk_size-float": _CHUNK,
    "signrank.topk_hits-chunk_size-generated": _CHUNK,
    "signrank.topk_hits-chunk_size-integral-float": _CHUNK,
    "signrank.topk_hits-chunk_size-negative": _CHUNK,
    "signrank.topk_hits-chunk_size-str": _CHUNK,
    "signrank.topk_hits-chunk_size-zero": _CHUNK,
}


#: tests/fuzz/test_named_bad_inputs.py: test name (with its [parameter]) -> the reason it fails.
REGRESSIONS: dict[str, str] = {
}

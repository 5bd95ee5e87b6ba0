"""THE list of fuzz cases that fail today in modules owned by other helpers (strict xfail).

Each entry: test id -> "owner: <helper>".  When an owner's fix lands, the case XPASSes, which
fails the suite (strict): delete its line here.  Generated from a run of tests/fuzz on the
session's working tree; the lead clears it at integration.
"""

XFAIL: dict[str, str] = {
    'core.normalize_rows-X-1d': 'owner: contract',
    'core.normalize_rows-X-3d': 'owner: contract',
    'core.normalize_rows-X-complex': 'owner: contract',
    'core.normalize_rows-X-inf': 'owner: contract',
    'core.normalize_rows-X-nan': 'owner: contract',
    'core.normalize_rows-X-no-rows': 'owner: contract',
    'core.normalize_rows-X-none': 'owner: contract',
    'core.normalize_rows-X-strings': 'owner: contract',
    'core.normalize_rows-X-zero-row': 'owner: contract',
    'core.resolve_memory_budget-memory_budget-none': 'owner: lead',
    'core.split_named-key-batch': 'owner: contract',
    'core.split_named-key-float': 'owner: contract',
    'core.split_named-key-int': 'owner: contract',
    'core.split_named-key-none': 'owner: contract',
    'core.split_named-key-raw-dtype': 'owner: contract',
    'core.split_named-key-raw-shape': 'owner: contract',
    'core.split_named-key-str': 'owner: contract',
    'depth.depth_rank_test-key-int': 'owner: contract',
    'depth.depth_rank_test-key-str': 'owner: contract',
    'depth.gaussian_mixture_sampler-n_components-past-int32': 'owner: contract',
    'depth.select_examples-key-int': 'owner: contract',
    'encoders.augment-strength-one': 'owner: contract',
    'encoders.bm25_scores-b-generated': 'owner: contract',
    'encoders.bm25_scores-b-one': 'owner: contract',
    'encoders.bm25_scores-b-zero': 'owner: contract',
    'encoders.bucket_of-length-above-last': 'owner: contract',
    'encoders.bucket_of-length-generated': 'owner: contract',
    'encoders.bucket_of-length-past-int32': 'owner: contract',
    'encoders.bucket_of-length-zero': 'owner: contract',
    'encoders.fewshot_accuracy-k-bool': 'owner: contract',
    'encoders.fewshot_accuracy-k-float': 'owner: contract',
    'encoders.fewshot_accuracy-k-generated': 'owner: contract',
    'encoders.fewshot_accuracy-k-integral-float': 'owner: contract',
    'encoders.fewshot_accuracy-k-negative': 'owner: contract',
    'encoders.fewshot_accuracy-k-past-int64': 'owner: contract',
    'encoders.fewshot_accuracy-k-str': 'owner: contract',
    'encoders.fewshot_accuracy-k-zero': 'owner: contract',
    'encoders.pad_batch-batch_size-past-int32': 'owner: contract',
    'encoders.pad_batch-ids-too-long': 'owner: contract',
    'encoders.pad_batch-length-past-int32': 'owner: contract',
    'encoders.terms-text-int': 'owner: contract',
    'encoders.terms-text-none': 'owner: contract',
    'qkernels.haar_variance-n-large-2000': 'owner: qkernels',
    'qkernels.random_estimate-key-batch': 'owner: qkernels',
}


#: tests/fuzz/test_regressions.py: test name (with its [parameter]) -> "owner: <helper>".
REGRESSIONS: dict[str, str] = {
}

"""The shared core: keys, pairwise maps, validation, results store, sharding, plotting."""

from embtheory.core import validation as _validation
from embtheory.core.algorithm import Iterative, advance, interruptible, iterate
from embtheory.core.experiment import AREAS, Experiment, Report, RunContext
from embtheory.core.keys import host_rng, key_to_rng, root_key, split_named
from embtheory.core.memory import (
    DEFAULT_MEMORY_BUDGET,
    chunk_size_for,
    chunked_map,
    chunked_reduce,
    default_memory_budget,
    format_bytes,
    resolve_memory_budget,
)
from embtheory.core.pairwise import gram, map_product, normalize_rows
from embtheory.core.reporting import (
    format_dims,
    format_extrapolation,
    format_interval,
    format_pvalue,
    read_one_sided,
)
from embtheory.core.sharding import ShardedBatch, batch_mesh, initialize_distributed, shard_batch, sharded_map
from embtheory.core.store import (
    ResultStore,
    StoreError,
    as_store,
    config_hash,
    load_results,
    run_sweep,
    to_jsonable,
)
from embtheory.core.validation import *  # noqa: F403 (the checks, as validation.__all__ lists them)

__all__ = [
    "AREAS",
    "DEFAULT_MEMORY_BUDGET",
    "Experiment",
    "Iterative",
    "Report",
    "ResultStore",
    "RunContext",
    "ShardedBatch",
    "StoreError",
    "advance",
    "interruptible",
    "as_store",
    "batch_mesh",
    "chunk_size_for",
    "chunked_map",
    "chunked_reduce",
    "config_hash",
    "default_memory_budget",
    "format_bytes",
    "format_dims",
    "format_extrapolation",
    "format_interval",
    "format_pvalue",
    "gram",
    "host_rng",
    "initialize_distributed",
    "iterate",
    "key_to_rng",
    "load_results",
    "map_product",
    "normalize_rows",
    "read_one_sided",
    "resolve_memory_budget",
    "root_key",
    "run_sweep",
    "shard_batch",
    "sharded_map",
    "split_named",
    "to_jsonable",
    # and the argument checks, as validation.__all__ lists them
    *_validation.__all__,
]

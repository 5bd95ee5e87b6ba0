"""The shared core: keys, pairwise maps, validation, results store, sharding, plotting."""

from embtheory.core.algorithm import Iterative, iterate
from embtheory.core.experiment import AREAS, Experiment, Report, RunContext
from embtheory.core.keys import host_rng, root_key, split_named
from embtheory.core.memory import (
    DEFAULT_MEMORY_BUDGET,
    chunk_size_for,
    default_memory_budget,
    resolve_memory_budget,
)
from embtheory.core.pairwise import gram, map_product, normalize_rows
from embtheory.core.sharding import ShardedBatch, batch_mesh, initialize_distributed, shard_batch, sharded_map
from embtheory.core.store import ResultStore, StoreError, config_hash, load_results, run_sweep, to_jsonable
from embtheory.core.validation import (
    as_matrix,
    check_choice,
    check_finite,
    check_float_dtype,
    check_index_array,
    check_int,
    check_key,
    check_keys,
    check_labels,
    check_memory,
    check_positive,
    check_probability,
    check_real,
    check_seed,
)

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
    "as_matrix",
    "batch_mesh",
    "check_choice",
    "check_finite",
    "check_float_dtype",
    "check_index_array",
    "check_int",
    "check_key",
    "check_keys",
    "check_labels",
    "check_memory",
    "check_positive",
    "check_probability",
    "check_real",
    "check_seed",
    "chunk_size_for",
    "config_hash",
    "default_memory_budget",
    "gram",
    "host_rng",
    "initialize_distributed",
    "iterate",
    "load_results",
    "map_product",
    "normalize_rows",
    "resolve_memory_budget",
    "root_key",
    "run_sweep",
    "shard_batch",
    "sharded_map",
    "split_named",
    "to_jsonable",
]

"""The shared core: keys, pairwise maps, validation, results store, sharding, plotting."""

from embtheory.core.experiment import AREAS, Experiment, Report, RunContext
from embtheory.core.keys import host_rng, root_key, split_named
from embtheory.core.pairwise import gram, map_product
from embtheory.core.sharding import batch_mesh, initialize_distributed, shard_batch, sharded_map
from embtheory.core.store import ResultStore, StoreError, config_hash, load_results, run_sweep, to_jsonable
from embtheory.core.validation import as_matrix, check_choice, check_int, check_memory, check_positive

__all__ = [
    "AREAS",
    "Experiment",
    "Report",
    "ResultStore",
    "RunContext",
    "StoreError",
    "as_matrix",
    "batch_mesh",
    "check_choice",
    "check_int",
    "check_memory",
    "check_positive",
    "config_hash",
    "gram",
    "host_rng",
    "initialize_distributed",
    "load_results",
    "map_product",
    "root_key",
    "run_sweep",
    "shard_batch",
    "sharded_map",
    "split_named",
    "to_jsonable",
]

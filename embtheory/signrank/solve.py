"""Solving free-embedding problems: one run, or a padded batch of runs in one launch.

:func:`solve` runs one problem (``n`` documents, all ``C(n, k)`` k-subsets as queries, or a
given index list) and returns its embeddings and metrics.  :func:`solve_batch` runs many
problems of different ``n`` and seeds in ONE launch: each is padded to the largest ``n`` (and
its query count), padding rows are masked out of the loss, the gradients and the top-k, the
runs are ``vmap``-ed and sharded over every device with
:func:`embtheory.core.sharded_map`.  Every run's numbers equal its unpadded solo run's (the same
initial rows, masked padding), up to float reassociation.

Example:
    >>> import jax
    >>> r = solve(6, 4, key=jax.random.key(0))
    >>> bool(r.solved), r.q.shape, r.d.shape
    (True, (15, 4), (6, 4))
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.sharding import sharded_map
from embtheory.core.validation import check_int, check_memory, check_positive
from embtheory.signrank.losses import chunk_for_budget
from embtheory.signrank.optimise import OFFICIAL, Problem, Recipe, run
from embtheory.signrank.patterns import k_subsets

__all__ = ["DEFAULT_MEMORY_BUDGET", "SolveResult", "make_batch", "solve", "solve_batch"]

#: Default memory budget of one run's loss temporaries (bytes); the state itself is extra.
DEFAULT_MEMORY_BUDGET = 1 * 2**30

_METRICS = ("solved", "best_accuracy", "accuracy", "loss", "best_loss", "steps", "reason",
            "solved_step")
REASONS = {0: "running", 1: "solved", 2: "plateau", 3: "budget"}


class SolveResult(NamedTuple):
    """One run's outcome.

    Attributes:
        solved: some accuracy check saw 1.0.
        best_accuracy: the best accuracy of any check.
        accuracy: the final accuracy.
        loss: the last loss; best_loss: the best loss.
        steps: updates done; solved_step: update of the first perfect check (-1: never).
        reason: "solved", "plateau" or "budget".
        q: ``[m, dim]`` query embeddings (None from :func:`solve_batch`).
        d: ``[n, dim]`` document embeddings (None from :func:`solve_batch`).
    """

    solved: bool
    best_accuracy: float
    accuracy: float
    loss: float
    best_loss: float
    steps: int
    reason: str
    solved_step: int
    q: np.ndarray | None = None
    d: np.ndarray | None = None


def _state_bytes(m: int, n: int, dim: int, itemsize: int) -> int:
    # params, grads, two Adam moments, updates: about 6 copies of (m + n) x dim
    return 6 * (m + n) * dim * itemsize


def make_batch(ns, *, k: int = 2, chunk_budget: float = DEFAULT_MEMORY_BUDGET, dim: int = 1,
               itemsize: int = 4, state_budget: float | None = None,
               pad_n: int | None = None) -> tuple[Problem, int | None]:
    """Padded index lists of the all-k-subsets problems for each ``n`` in ``ns``.

    Returns:
        ``(Problem with a leading batch axis, chunk)``: queries padded to a multiple of
        ``chunk`` (chosen from ``chunk_budget``; None when one chunk holds them all),
        documents to ``max(max(ns), pad_n)``.
    """
    ns = [check_int(n, "n", minimum=k + 1) for n in ns]
    if not ns:
        raise ValueError("ns must hold at least one n")
    n_max = max(ns) if pad_n is None else max(max(ns), check_int(pad_n, "pad_n", minimum=1))
    m_max = math.comb(n_max, k)
    if state_budget is not None:
        check_memory(len(ns) * _state_bytes(m_max, n_max, dim, itemsize), "the batch of runs",
                     budget_bytes=state_budget,
                     fix=f"{len(ns)} runs of C({n_max},{k}) = {m_max:,} queries at dim {dim}; "
                         "run fewer at once or raise the budget")
    chunk = chunk_for_budget(m_max, n_max, chunk_budget, itemsize)
    m_pad = -(-m_max // chunk) * chunk
    rel = np.zeros((len(ns), m_pad, k), np.int32)
    qv = np.zeros((len(ns), m_pad), bool)
    for i, n in enumerate(ns):
        sub = k_subsets(n, k)
        rel[i, : sub.shape[0]] = sub
        qv[i, : sub.shape[0]] = True
    dv = np.arange(n_max)[None, :] < np.asarray(ns)[:, None]
    return Problem(rel=rel, query_valid=qv, doc_valid=dv), (None if chunk >= m_pad else chunk)


@functools.lru_cache(maxsize=64)
def _batched_runner(dim: int, recipe: Recipe, dtype_name: str):
    dtype = jnp.dtype(dtype_name)

    def one(key_data, problem):
        key = jax.random.wrap_key_data(key_data)
        s = run(key, problem, dim, recipe=recipe, dtype=dtype)
        metrics = dict(solved=s.best_accuracy >= 1.0, best_accuracy=s.best_accuracy, accuracy=s.accuracy,
                       loss=s.loss, best_loss=s.best_loss, steps=s.step, reason=s.reason,
                       solved_step=s.solved_step)
        return metrics, (s.q, s.d)

    return jax.vmap(one)


def _key_data(key) -> np.ndarray:
    if isinstance(key, (int, np.integer)):
        key = jax.random.key(int(key))
    if jnp.issubdtype(jnp.asarray(key).dtype, jax.dtypes.prng_key):
        return np.asarray(jax.random.key_data(key))
    return np.asarray(key, dtype=np.uint32)


def solve_batch(ns, dim: int, *, keys, k: int = 2, recipe: Recipe = OFFICIAL, dtype=jnp.float32,
                memory_budget: float = DEFAULT_MEMORY_BUDGET, return_embeddings: bool = False,
                mesh=None, pad_n: int | None = None) -> list[SolveResult]:
    """Runs ``len(ns)`` problems in one launch, padded to a common shape and sharded.

    Args:
        ns: document counts, one per run.
        dim: embedding dimension.
        keys: one PRNG key (typed, raw, or an int seed) per run.
        k: relevant documents per query (all k-subsets are the queries).
        recipe: hyper-parameters (its ``chunk`` is replaced by one from ``memory_budget``).
        dtype: float32 (default) or float64.
        memory_budget: bytes for each run's loss temporaries; chunks the queries.
        return_embeddings: also return each run's trimmed ``q`` and ``d``.
        mesh: a ``"batch"`` mesh (default: all devices).
        pad_n: pad the documents to at least this many (fixed shapes reuse one compilation).

    Returns:
        One :class:`SolveResult` per run, in order.
    """
    dim = check_int(dim, "dim", minimum=1)
    k = check_int(k, "k", minimum=1)
    check_positive(memory_budget, "memory_budget")
    ns = list(ns)
    keys = list(keys)
    if len(keys) != len(ns):
        raise ValueError(f"keys must give one key per run: {len(ns)} ns but {len(keys)} keys")
    recipe = Recipe(**recipe._asdict()).validated()
    itemsize = jnp.dtype(dtype).itemsize
    problem, chunk = make_batch(ns, k=k, chunk_budget=memory_budget, dim=dim, itemsize=itemsize,
                                state_budget=max(8 * memory_budget, 4 * 2**30), pad_n=pad_n)
    recipe = recipe._replace(chunk=chunk)
    runner = _batched_runner(dim, recipe, jnp.dtype(dtype).name)
    key_data = np.stack([_key_data(kk) for kk in keys])
    metrics, (qs, ds) = sharded_map(runner, key_data, problem, mesh=mesh)
    out = []
    for i, n in enumerate(ns):
        m = math.comb(n, k)
        out.append(SolveResult(
            solved=bool(metrics["solved"][i]), best_accuracy=float(metrics["best_accuracy"][i]),
            accuracy=float(metrics["accuracy"][i]), loss=float(metrics["loss"][i]),
            best_loss=float(metrics["best_loss"][i]), steps=int(metrics["steps"][i]),
            reason=REASONS[int(metrics["reason"][i])], solved_step=int(metrics["solved_step"][i]),
            q=np.asarray(qs[i, :m]) if return_embeddings else None,
            d=np.asarray(ds[i, :n]) if return_embeddings else None))
    return out


def solve(n: int, dim: int, *, key, k: int = 2, loss: str = "infonce", recipe: Recipe | None = None,
          dtype=jnp.float32, memory_budget: float = DEFAULT_MEMORY_BUDGET, **recipe_kw) -> SolveResult:
    """One free-embedding run: ``n`` documents, every k-subset a query, dimension ``dim``.

    Args:
        n: documents (> k).
        dim: embedding dimension.
        key: PRNG key or int seed.
        k: relevant documents per query.
        loss: the loss (see :data:`embtheory.signrank.LOSSES`); ignored if ``recipe`` is given.
        recipe: full hyper-parameters (default: the official recipe with ``loss``).
        dtype: float32 or float64.
        memory_budget: bytes for the loss temporaries (chunks the queries).
        **recipe_kw: overrides of :class:`Recipe` fields (e.g. ``max_steps=2000``).

    Returns:
        A :class:`SolveResult` with the embeddings (``q`` rows in :func:`k_subsets` order).
    """
    recipe = Recipe(loss=loss) if recipe is None else recipe
    if recipe_kw:
        bad = set(recipe_kw) - set(Recipe._fields)
        if bad:
            raise TypeError(f"unknown recipe options {sorted(bad)}; allowed: {list(Recipe._fields)}")
        recipe = recipe._replace(**recipe_kw)
    n = check_int(n, "n", minimum=1)
    k = check_int(k, "k", minimum=1)
    if k >= n:
        raise ValueError(f"n must exceed k (a query needs irrelevant documents), got n={n}, k={k}")
    return solve_batch([n], dim, keys=[key], k=k, recipe=recipe, dtype=dtype, memory_budget=memory_budget,
                       return_embeddings=True, mesh=jax.sharding.Mesh(np.asarray(jax.devices()[:1]),
                                                                      ("batch",)))[0]

"""Solving free-embedding problems: one run, or many runs in one launch, launch-invariant.

:func:`solve` runs one problem (``n`` documents, all ``C(n, k)`` k-subsets as queries, or your
own ``qrels`` in any form :func:`embtheory.signrank.as_qrels` reads) and returns its
embeddings and metrics; :func:`solve_batch` runs many all-k-subsets problems (any mix of ``n``
and seeds) in as few launches as their shapes allow, sharded over every device.

A user's qrels run in the shape the same rules give them (documents padded to the bucket of
``n``, queries to a multiple of the chunk of the fixed default budget), so their outcome is a
function of ``(qrels, d, seed, recipe, dtype)`` alone, and a search over ``d``
(:func:`embtheory.signrank.min_dimension`) is a loop of :func:`solve` calls.

**Launch invariance.**  A trial's whole outcome (solved, steps, losses, accuracies, solved step,
stop reason, embeddings) is a function of ``(n, d, k, seed, recipe, dtype)`` alone: bitwise the
same whatever else shares its launch, however many members or devices the launch has.  Two
mechanisms give it:

1. *One canonical shape per n.*  A trial of ``n`` documents always runs padded to
   :func:`canonical_shape` ``(n_pad, m_pad, chunk)``: ``n_pad`` is ``n`` rounded up to a bucket
   (at least :data:`MIN_BUCKET`, a multiple of 8 up to 128, then at most 12.5% above ``n``),
   ``m_pad`` the query count of
   ``n_pad`` rounded to the query chunk, and the chunk is chosen from the fixed
   :data:`embtheory.core.memory.DEFAULT_MEMORY_BUDGET` (never from the caller's
   ``memory_budget`` nor the machine).  Padded rows are masked exactly, and since the shapes
   are the same every time, so is the order of every sum.  A search compiles one pair of
   programs (a launch's start and its segment) per bucket it visits, not one per n.
2. *Members run one after another, not vmapped.*  Measured on the CPU (XLA, JAX 0.10): the same
   member in a ``vmap`` of 1, 2 or 3+ members, or with 1 or 2 members per device, ends with a
   loss that differs in the last bit (XLA picks different kernels for batched dot products of
   different batch sizes), and near the boundary such a bit decides solved or failed.  So a
   launch is ``shard_map`` over the devices of a ``lax.fori_loop`` over that device's members
   (a dynamic trip count, so XLA neither unrolls nor inlines it): every member runs the same
   compiled per-member body whatever the launch holds.  Each launch has a fixed capacity of
   members per device (:data:`CAPACITY`); a launch with fewer members runs only those.

The price of (2) is that members of a device no longer share one vectorised step: on a CPU,
where small problems are dominated by per-step overhead, a batch takes the sum of its runs'
steps rather than the longest; the devices still run in parallel.

**Segments.**  A launch runs in segments of about half a second (:data:`SEGMENT_SECONDS`): each
member advances until it stops or reaches the segment's step count
(:func:`embtheory.core.advance`), and the host regains control in between, so a Ctrl-C returns
within about a second however long the runs.  A member's steps are the same compiled body in any
segmentation, so its outcome is bitwise the one loop would reach.

Example:
    >>> import jax
    >>> r = solve(6, 4, key=jax.random.key(0))
    >>> bool(r.solved), r.q.shape, r.d.shape
    (True, (15, 4), (6, 4))
"""

from __future__ import annotations

import functools
import math
import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from embtheory.core.algorithm import advance, interruptible
from embtheory.core.memory import DEFAULT_MEMORY_BUDGET, check_seconds, resolve_memory_budget
from embtheory.core.validation import (
    check_bool,
    check_float_dtype,
    check_int,
    check_key,
    check_memory,
    check_real,
)
from embtheory.signrank.certify import _round_to_bucket, certify
from embtheory.signrank.losses import chunk_for_budget
from embtheory.signrank.optimise import OFFICIAL, RUNNING, Problem, Recipe, optimiser
from embtheory.signrank.patterns import k_subsets
from embtheory.signrank.qrels import Qrels, as_qrels

__all__ = ["CAPACITY", "DEFAULT_MEMORY_BUDGET", "LaunchShape", "SolveResult", "canonical_shape", "make_batch",
           "solve", "solve_batch"]

#: Members per device in one launch (fewer when the memory budget says so).
CAPACITY = 8

REASONS = {0: "running", 1: "solved", 2: "plateau", 3: "budget"}
_AXIS = "batch"


class SolveResult(NamedTuple):
    """One run's outcome.

    Attributes:
        solved: some accuracy check saw 1.0 (the official verdict).
        best_accuracy: the best accuracy of any check.
        accuracy: the final accuracy.
        loss: the last loss; best_loss: the best loss.
        steps: updates done; solved_step: update of the first perfect check (-1: never).
        reason: "solved", "plateau" or "budget".
        q: ``[m, dim]`` query embeddings (None unless asked for).
        d: ``[n, dim]`` document embeddings (None unless asked for).
        margin: the smallest over queries of (lowest relevant score - highest irrelevant score)
            of the final embeddings, recomputed independently by
            :func:`embtheory.signrank.certify.certify` (in float64 when x64 is on, else float32;
            > 0: the final embedding ranks every query's relevant documents strictly first);
            None where not computed.
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
    margin: float | None = None


class LaunchShape(NamedTuple):
    """The canonical padded shape of every trial with a given ``n``.

    Attributes:
        n_pad: documents after padding.
        m_pad: queries after padding (``C(n_pad, k)`` rounded up to a multiple of ``chunk``).
        chunk_size: queries per chunk of the loss and the top-k (None: one dense chunk).
    """

    n_pad: int
    m_pad: int
    chunk_size: int | None


#: the fewest documents a launch is padded to: every ``n`` up to 16 runs in one shape, so a search
#: over small ``n`` (the official d = 4 search visits 5 to 14) compiles one pair of programs
MIN_BUCKET = 16

#: ``n`` up to this ran padded to 8 documents before :data:`MIN_BUCKET` (see :func:`launch_rule`)
_FORMER_MIN_BUCKET = 8


def bucket(n: int) -> int:
    """``n`` rounded up to a multiple of ``max(8, 2**(bit_length(n) - 4))`` (<= 12.5% above 64),
    and to at least :data:`MIN_BUCKET`."""
    return max(MIN_BUCKET, _round_to_bucket(n))


def launch_rule(n: int) -> str:
    """The name of the padding rule a trial of ``n`` documents runs under: part of its identity in
    a results store, so that a record computed under another padding (whose last bits differ) is
    never read back as this code's.  ``"canonical"`` where the padding is unchanged since the
    first rule; ``"canonical-16"`` for ``n <= 8``, which ran padded to 8 documents before
    :data:`MIN_BUCKET`."""
    return "canonical-16" if n <= _FORMER_MIN_BUCKET else "canonical"


def canonical_shape(n: int, k: int = 2, *, itemsize: int = 4, chunk_size: int | None = None) -> LaunchShape:
    """The padded shape a trial of ``n`` documents always runs in (see the module docstring).

    Args:
        n: documents (> k).
        k: relevant documents per query.
        itemsize: bytes of the floating dtype (4 or 8).
        chunk_size: an explicit query chunk (a recipe's ``chunk_size``); None: from the fixed
            default budget.
    """
    n = check_int(n, "n", minimum=2)
    k = check_int(k, "k", minimum=1)
    itemsize = check_int(itemsize, "itemsize", minimum=1, maximum=16)
    if n <= k:
        raise ValueError(f"n must exceed k (a query needs irrelevant documents), got n={n}, k={k}")
    n_pad = bucket(n)
    return _padded(n_pad, math.comb(n_pad, k), itemsize, chunk_size)


def _padded(n_pad: int, m: int, itemsize: int, chunk_size: int | None) -> LaunchShape:
    """``m`` queries padded to a multiple of their chunk (of the fixed default budget, or ``chunk_size``)."""
    if chunk_size is None:
        c = chunk_for_budget(m, n_pad, DEFAULT_MEMORY_BUDGET, itemsize)
    else:
        c = min(check_int(chunk_size, "chunk_size", minimum=1), m)
    m_pad = -(-m // c) * c
    return LaunchShape(n_pad=n_pad, m_pad=m_pad, chunk_size=None if c >= m_pad else c)


def _state_bytes(m: int, n: int, dim: int, itemsize: int) -> int:
    # params, grads, two Adam moments, updates: about 6 copies of (m + n) x dim
    return 6 * (m + n) * dim * itemsize


def _problem_arrays(n: int, k: int, shape: LaunchShape):
    sub = k_subsets(n, k)
    rel = np.zeros((shape.m_pad, k), np.int32)
    rel[: sub.shape[0]] = sub
    qv = np.zeros(shape.m_pad, bool)
    qv[: sub.shape[0]] = True
    dv = np.arange(shape.n_pad) < n
    return rel, qv, dv, np.ones(rel.shape, bool)


def qrels_shape(qrels: Qrels, *, itemsize: int = 4, chunk_size: int | None = None) -> LaunchShape:
    """The padded shape a user's qrels always run in: documents to the bucket of ``n``, queries
    to a multiple of the chunk of the fixed default budget (or ``chunk_size``)."""
    return _padded(bucket(qrels.n_docs), qrels.num_queries, itemsize, chunk_size)


def _qrels_arrays(qrels: Qrels, shape: LaunchShape):
    m, w = qrels.index.shape
    rel = np.zeros((shape.m_pad, w), np.int32)  # padding queries: any valid ids, weight 0
    rel[:m] = qrels.rel
    rv = np.ones((shape.m_pad, w), bool)
    rv[:m] = qrels.rel_valid
    qv = np.arange(shape.m_pad) < m
    dv = np.arange(shape.n_pad) < qrels.n_docs
    return rel, qv, dv, rv


def make_batch(ns, *, k: int = 2, memory_budget: float | None = None, dim: int = 1,
               itemsize: int = 4, pad_n: int | None = None) -> tuple[Problem, int | None]:
    """Padded index lists of the all-k-subsets problems for each ``n`` in ``ns``, one shape.

    A helper for callers that vmap :func:`embtheory.signrank.run` themselves (such batches are
    not launch-invariant; :func:`solve_batch` is).  Queries are chunked under ``memory_budget``
    (bytes of loss temporaries per run; default the fixed
    :data:`embtheory.core.memory.DEFAULT_MEMORY_BUDGET`) and padded to a multiple of the chunk;
    documents to ``max(max(ns), pad_n)``.

    Returns:
        ``(Problem with a leading batch axis, chunk)`` (chunk None when one chunk holds all).
    """
    budget = DEFAULT_MEMORY_BUDGET if memory_budget is None else resolve_memory_budget(memory_budget)
    ns = [check_int(n, "n", minimum=k + 1) for n in ns]
    if not ns:
        raise ValueError("ns must hold at least one n")
    n_max = max(ns) if pad_n is None else max(max(ns), check_int(pad_n, "pad_n", minimum=1))
    m_max = math.comb(n_max, k)
    chunk = chunk_for_budget(m_max, n_max, budget, itemsize)
    m_pad = -(-m_max // chunk) * chunk
    rel = np.zeros((len(ns), m_pad, k), np.int32)
    qv = np.zeros((len(ns), m_pad), bool)
    for i, n in enumerate(ns):
        sub = k_subsets(n, k)
        rel[i, : sub.shape[0]] = sub
        qv[i, : sub.shape[0]] = True
    dv = np.arange(n_max)[None, :] < np.asarray(ns)[:, None]
    return Problem(rel=rel, query_valid=qv, doc_valid=dv), (None if chunk >= m_pad else chunk)


_METRICS = ("solved", "best_accuracy", "accuracy", "loss", "best_loss", "steps", "reason", "solved_step")


@functools.lru_cache(maxsize=64)
def _launcher(dim: int, recipe: Recipe, dtype_name: str, mesh: Mesh, ragged: bool = False):
    """``(start, step_to)`` of a launch for one recipe (shapes: at call), each
    ``jit(shard_map(per-device fori_loop over members))``.

    ``start(count, key_data, rel, qv, dv, rv)`` gives every member its initial state;
    ``step_to(count, limit, states, rel, qv, dv, rv)`` advances each member until it stops
    or has taken ``limit`` steps (:func:`embtheory.core.advance`), so the host drives a launch in
    segments and regains control between them.  A member's steps are the same compiled body
    whatever the segments, so its outcome is the one loop would reach.

    ``ragged``: the problems' queries have different numbers of relevant documents (``rv``
    marks the real entries); otherwise ``rv`` is ignored and the kernels run unmasked.
    """
    dtype = jnp.dtype(dtype_name)

    def algorithm(rel, qv, dv, rv):
        problem = Problem(rel=rel, query_valid=qv, doc_valid=dv, rel_valid=rv if ragged else None)
        return optimiser(problem, dim, recipe=recipe, dtype=dtype)

    def each(count, fn, out, *args):
        """``out[i] = fn(*(a[i] for a in args))`` for this device's members, one after another."""
        def body(i, acc):  # dynamic slices: a smaller program than gathers and scatters
            res = fn(*(jax.tree.map(lambda a: jax.lax.dynamic_index_in_dim(a, i, keepdims=False), a)
                       for a in args))
            return jax.tree.map(lambda o, r: jax.lax.dynamic_update_index_in_dim(o, r, i, 0), acc, res)

        return jax.lax.fori_loop(0, count[0], body, out)

    def start(count, key_data, rel, qv, dv, rv):
        def one(kd, r, q, d, v):
            return algorithm(r, q, d, v).init(key=jax.random.wrap_key_data(kd))

        shape = jax.eval_shape(one, key_data[0], rel[0], qv[0], dv[0], rv[0])
        out = jax.tree.map(lambda a: jnp.zeros((key_data.shape[0], *a.shape), a.dtype), shape)
        return each(count, one, out, key_data, rel, qv, dv, rv)

    def step_to(count, limit, states, rel, qv, dv, rv):
        def one(state, r, q, d, v):  # a run starts at step 0, so its step is its count
            return advance(algorithm(r, q, d, v), state, state.step, limit[0])[0]

        return each(count, one, states, states, rel, qv, dv, rv)

    spec = PartitionSpec(_AXIS)
    shard = functools.partial(jax.shard_map, mesh=mesh, out_specs=spec, check_vma=False)
    return (jax.jit(shard(start, in_specs=spec)),
            jax.jit(shard(step_to, in_specs=(spec, PartitionSpec(), *[spec] * 5))))


#: wall time a segment of a launch aims at: short enough that a Ctrl-C returns within about a second
SEGMENT_SECONDS = 0.5


def _drive(start, step_to, count, used, args, max_steps: int, *, segment: int | None = None):
    """Runs a launch to the end in segments; ``segment`` fixes their length in steps (default:
    grown or shrunk so that each takes about :data:`SEGMENT_SECONDS`).  ``used`` marks the slots
    that hold a member.  Returns the final states."""
    states = start(count, *args)
    length, limit = (segment or 16), 0
    with interruptible(lambda: states):
        while limit < max_steps:
            limit = min(max_steps, limit + length)
            t0 = time.perf_counter()
            states = step_to(count, np.full(1, limit, np.int32), states, *args[1:])
            if not np.any(np.asarray(states.reason)[used] == RUNNING):  # the one host sync of a segment
                break
            if segment is None:
                took = max(time.perf_counter() - t0, 1e-4)
                length = int(min(max(length * SEGMENT_SECONDS / took, 1), 4 * length))
    return states


def _key_data(key, name: str = "key") -> np.ndarray:
    """The raw ``uint32[2]`` data of one run's key: an int seed (``jax.random.key(seed)``, the
    official script's trial), a typed key or a raw PRNGKey; anything else is refused by
    :func:`embtheory.core.validation.check_key` (one message everywhere)."""
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return np.asarray(jax.random.key_data(jax.random.key(check_int(key, name, minimum=-(2**63)))))
    return np.asarray(jax.random.key_data(check_key(key, name)))


def _default_mesh() -> Mesh:
    from embtheory.core.sharding import batch_mesh  # its axis is named "batch", as _AXIS

    return batch_mesh()  # every device of every host (after jax.distributed.initialize)


def _capacity(shape: LaunchShape, dim: int, k: int, itemsize: int, budget: float) -> int:
    state = _state_bytes(shape.m_pad, shape.n_pad, dim, itemsize)
    chunk = shape.m_pad if shape.chunk_size is None else shape.chunk_size
    temps = 6 * chunk * shape.n_pad * itemsize
    per_member = (shape.m_pad + shape.n_pad) * dim * itemsize + shape.m_pad * (k + 1) * 4
    check_memory(state + temps + per_member, "one run", memory_budget=budget,
                 fix=f"a run of C({shape.n_pad},{k}) = {shape.m_pad:,} padded queries at dim {dim} "
                     "needs its optimiser state and one chunk of scores; pass a recipe with a smaller "
                     "chunk_size")
    return int(max(1, min(CAPACITY, (budget - state - temps) // per_member)))


#: Floating-point operations per (query, document, coordinate) of one optimiser step: the scores,
#: their gradients into both embeddings and the loss around them.
FLOPS_PER_ENTRY = 10.0

#: A run that could take longer than this (at its step cap) is refused before it starts.  The limit
#: is per run, not per launch: a launch of several runs may take several times as long.
DEFAULT_TIME_LIMIT = 3600.0


def check_time_limit(time_limit) -> float | None:
    """``time_limit`` checked: positive seconds, or None (no limit)."""
    return None if time_limit is None else check_real(time_limit, "time_limit", low=0, low_open=True)


def check_run_time(queries: int, docs: int, dim: int, steps: int, time_limit: float | None, what: str,
                   fix: str = "lower the recipe's max_steps, the problem's size or the dimension") -> None:
    """Refuses a run of ``steps`` optimiser steps over ``queries x docs`` scores in ``dim``
    dimensions that could take past ``time_limit``: a lower bound at the platform's assumed rate."""
    check_seconds(FLOPS_PER_ENTRY * queries * docs * dim * steps, time_limit, what, fix)


def _check_run_time(shape: LaunchShape, dim: int, steps: int, time_limit: float | None, what: str) -> None:
    check_run_time(shape.m_pad, shape.n_pad, dim, steps, time_limit,
                   f"{what} (a run of up to {steps:,} steps over {shape.m_pad:,} padded queries x "
                   f"{shape.n_pad} documents in d={dim})")


def _launch_group(members, dim, k, recipe, dtype, shape, mesh, cap, ragged=False, segment=None):
    """Runs up to ``ndev * cap`` members of one canonical shape; returns their raw outputs.

    ``members``: ``(arrays, key_data)`` pairs, ``arrays`` the ``(rel, qv, dv, rv)`` of a
    problem padded to ``shape`` (``k`` columns of ``rel``).
    """
    ndev = mesh.devices.size
    size = ndev * cap
    key_data = np.zeros((size, 2), np.uint32)
    rel = np.zeros((size, shape.m_pad, k), np.int32)
    qv = np.zeros((size, shape.m_pad), bool)
    dv = np.zeros((size, shape.n_pad), bool)
    rv = np.ones((size, shape.m_pad, k), bool)
    count = np.zeros(ndev, np.int32)
    slots = []
    for j, (arrays, kd) in enumerate(members):
        dev, slot = j % ndev, j // ndev
        idx = dev * cap + slot
        key_data[idx] = kd
        rel[idx], qv[idx], dv[idx], rv[idx] = arrays
        count[dev] += 1
        slots.append(idx)
    start, step_to = _launcher(dim, recipe._replace(chunk_size=shape.chunk_size), jnp.dtype(dtype).name, mesh,
                               ragged)
    sharding = NamedSharding(mesh, PartitionSpec(_AXIS))
    count = jax.device_put(count, sharding)
    args = [jax.device_put(a, sharding) for a in (key_data, rel, qv, dv, rv)]
    used = np.zeros(size, bool)
    used[slots] = True
    s = _drive(start, step_to, count, used, args, recipe.max_steps, segment=segment)
    metrics = (s.best_accuracy >= 1.0, s.best_accuracy, s.accuracy, s.loss, s.best_loss, s.step, s.reason,
               s.solved_step)
    return slots, jax.tree.map(np.asarray, metrics), s.q, s.d


def solve_batch(ns, dim: int, *, keys, k: int = 2, recipe: Recipe = OFFICIAL, dtype=jnp.float32,
                memory_budget: float | None = None, return_embeddings: bool = False,
                mesh: Mesh | None = None, certify_margin: bool = False,
                time_limit: float | None = DEFAULT_TIME_LIMIT) -> list[SolveResult]:
    """Runs ``len(ns)`` problems, grouped by canonical shape, each group in one sharded launch.

    Every run's outcome equals its solo run's bitwise (see the module docstring).

    Args:
        ns: document counts, one per run.
        dim: embedding dimension.
        keys: one PRNG key (typed, raw, or an int seed) per run.
        k: relevant documents per query (all k-subsets are the queries).
        recipe: hyper-parameters.
        dtype: float32 (default) or float64 (needs x64).
        memory_budget: bytes a device may hold for one launch (default: the machine's budget,
            see :mod:`embtheory.core.memory`); it decides how many members share a launch,
            never a result.
        return_embeddings: also return each run's trimmed ``q`` and ``d``.
        mesh: a one-axis ``"batch"`` mesh (default: all devices).
        certify_margin: fill :attr:`SolveResult.margin` (independent float64 certificate).
        time_limit: seconds one run may take if it went to ``recipe.max_steps`` (a lower bound
            at :func:`embtheory.core.memory.assumed_flops`); past it the runs are refused before
            any starts.  None: no limit.

    Returns:
        One :class:`SolveResult` per run, in order.
    """
    dim = check_int(dim, "dim", minimum=1)
    k = check_int(k, "k", minimum=1)
    dtype = check_float_dtype(dtype)
    budget = resolve_memory_budget(memory_budget)
    time_limit = check_time_limit(time_limit)
    ns = [check_int(n, "n", minimum=k + 1) for n in ns]
    keys = list(keys)
    if len(keys) != len(ns):
        raise ValueError(f"keys must give one key per run: {len(ns)} ns but {len(keys)} keys")
    if not ns:
        return []
    recipe = Recipe(**recipe._asdict()).validated()
    itemsize = dtype.itemsize
    mesh = _default_mesh() if mesh is None else mesh
    ndev = mesh.devices.size
    key_data = [_key_data(kk, f"keys[{i}]") for i, kk in enumerate(keys)]
    groups: dict[LaunchShape, list[int]] = {}
    for i, n in enumerate(ns):
        shape = canonical_shape(n, k, itemsize=itemsize, chunk_size=recipe.chunk_size)
        groups.setdefault(shape, []).append(i)
    raw: dict[int, tuple] = {}
    for shape, idx in groups.items():
        cap = _capacity(shape, dim, k, itemsize, budget)
        per = ndev * cap
        _check_run_time(shape, dim, recipe.max_steps, time_limit, f"solving n={ns[idx[0]]}")
        for start in range(0, len(idx), per):
            part = idx[start:start + per]
            members = [(_problem_arrays(ns[i], k, shape), key_data[i]) for i in part]
            slots, metrics, qs, ds = _launch_group(members, dim, k, recipe, dtype, shape, mesh, cap)
            for i, slot in zip(part, slots):
                m = math.comb(ns[i], k)
                emb = (np.asarray(qs)[slot, :m], np.asarray(ds)[slot, :ns[i]]) \
                    if (return_embeddings or certify_margin) else (None, None)
                raw[i] = (tuple(a[slot] for a in metrics), emb)
    out = []
    for i in range(len(ns)):
        metrics, (q, d) = raw[i]
        margin = _certified_margin(q, d, k=k) if certify_margin else None
        out.append(_result(metrics, q, d, margin, return_embeddings))
    return out


def _certified_margin(q, d, **kw) -> float:
    cdt = np.float64 if jax.config.jax_enable_x64 else np.float32
    return float(certify(q, d, dtype=cdt, **kw).margin)


def _result(metrics, q, d, margin, return_embeddings) -> SolveResult:
    solved, best_acc, acc, loss, best_loss, steps, reason, solved_step = metrics
    return SolveResult(
        solved=bool(solved), best_accuracy=float(best_acc), accuracy=float(acc), loss=float(loss),
        best_loss=float(best_loss), steps=int(steps), reason=REASONS[int(reason)],
        solved_step=int(solved_step), q=q if return_embeddings else None,
        d=d if return_embeddings else None, margin=margin)


def solve(n: int | None = None, dim: int | None = None, *, key, qrels=None, k: int | None = None,
          loss: str = "infonce", recipe: Recipe | None = None, dtype=jnp.float32,
          memory_budget: float | None = None, certify_margin: bool = True,
          time_limit: float | None = DEFAULT_TIME_LIMIT, **recipe_kw) -> SolveResult:
    """One free-embedding run: every k-subset of ``n`` documents, or your ``qrels``, in ``dim`` dimensions.

    With ``n``: the same outcome, bit for bit, as the run of ``(n, key)`` inside any
    :func:`solve_batch`.  With ``qrels``: queries may have different numbers of relevant
    documents (the loss averages over each query's own relevant set; a query is served when its
    ``|rel|`` relevant documents are its top ``|rel|``); the run's outcome depends on
    ``(qrels, dim, key, recipe, dtype)`` alone.

    Args:
        n: documents (> k); leave it None with ``qrels``.
        dim: embedding dimension.
        key: PRNG key or int seed (trial ``s`` of the official script is ``key=s``).
        qrels: your problem in any form :func:`embtheory.signrank.as_qrels` reads (a
            :class:`embtheory.signrank.Qrels`, a mask, ragged lists, ``-1``-padded indices,
            BEIR triples or a qrels file).
        k: relevant documents per query of the all-k-subsets problem (default 2; not with
            ``qrels``).
        loss: the loss (see :data:`embtheory.signrank.LOSSES`); ignored if ``recipe`` is given.
        recipe: full hyper-parameters (default: the official recipe with ``loss``).
        dtype: float32 or float64.
        memory_budget: bytes one launch may hold (never changes the result).
        certify_margin: also certify the final embedding (``margin``).
        time_limit: seconds the run may take at its step cap (a lower bound at the platform's
            assumed rate; see :func:`solve_batch`); past it, refused before it starts.  None: no limit.
        **recipe_kw: overrides of :class:`Recipe` fields (e.g. ``max_steps=2000``).

    Returns:
        A :class:`SolveResult` with the embeddings (``q`` rows in :func:`k_subsets` order, or
        the qrels' query order).

    Example:
        >>> import jax
        >>> r = solve(qrels=[[0, 1], [2], [1, 3]], dim=3, key=jax.random.key(0), max_steps=500)
        >>> bool(r.solved), r.q.shape, r.d.shape, r.margin > 0
        (True, (3, 3), (4, 3), True)
    """
    if dim is None:
        raise TypeError("solve needs dim= (the embedding dimension)")
    recipe = Recipe(loss=loss) if recipe is None else recipe
    if recipe_kw:
        bad = set(recipe_kw) - set(Recipe._fields)
        if bad:
            raise TypeError(f"unknown recipe options {sorted(bad)}; allowed: {list(Recipe._fields)}")
        recipe = recipe._replace(**recipe_kw)
    certify_margin = check_bool(certify_margin, "certify_margin")
    if qrels is not None:
        if n is not None or k is not None:
            raise TypeError("solve takes either n (and k) for every k-subset, or qrels=: not both "
                            "(the qrels fix the documents and each query's relevant set)")
        return _solve_qrels(as_qrels(qrels), dim, key=key, recipe=recipe, dtype=dtype,
                            memory_budget=memory_budget, certify_margin=certify_margin, time_limit=time_limit)
    if n is None:
        raise TypeError("solve needs n (documents; every k-subset is a query) or qrels= (your own problem)")
    n = check_int(n, "n", minimum=1)
    k = 2 if k is None else check_int(k, "k", minimum=1)
    if k >= n:
        raise ValueError(f"n must exceed k (a query needs irrelevant documents), got n={n}, k={k}")
    key = _key_data(key, "key")
    return solve_batch([n], dim, keys=[key], k=k, recipe=recipe, dtype=dtype, memory_budget=memory_budget,
                       return_embeddings=True, certify_margin=certify_margin, time_limit=time_limit,
                       mesh=Mesh(np.asarray(jax.devices()[:1]), (_AXIS,)))[0]


def _solve_qrels(qrels: Qrels, dim, *, key, recipe, dtype, memory_budget, certify_margin,
                 time_limit) -> SolveResult:
    dim = check_int(dim, "dim", minimum=1)
    dtype = check_float_dtype(dtype)
    budget = resolve_memory_budget(memory_budget)
    recipe = Recipe(**recipe._asdict()).validated()
    key_data = _key_data(key, "key")
    shape = qrels_shape(qrels, itemsize=dtype.itemsize, chunk_size=recipe.chunk_size)
    width = qrels.index.shape[1]
    cap = _capacity(shape, dim, width, dtype.itemsize, budget)
    _check_run_time(shape, dim, recipe.max_steps, check_time_limit(time_limit),
                    f"solving your {qrels.num_queries:,} queries over {qrels.n_docs:,} documents")
    mesh = Mesh(np.asarray(jax.devices()[:1]), (_AXIS,))
    ragged = qrels.k is None
    slots, metrics, qs, ds = _launch_group([(_qrels_arrays(qrels, shape), key_data)], dim, width, recipe,
                                           dtype, shape, mesh, min(cap, 1), ragged=ragged)
    slot = slots[0]
    q = np.asarray(qs[slot, :qrels.num_queries])
    d = np.asarray(ds[slot, :qrels.n_docs])
    margin = _certified_margin(q, d, qrels=qrels) if certify_margin else None
    return _result(tuple(a[slot] for a in metrics), q, d, margin, True)

r"""The frontier paper's recipe: learnable-scale losses, warm-up + cosine Adam, margin success.

Bangachev, Bresler, Kogan & Polyanskiy (2026) ask for the smallest d at which free embeddings
of n documents realise every pair (k = 2) and find it far below the LIMIT curve with a sigmoid
loss.  Their recipe (facts from the paper and its public code), implemented here:

* queries :math:`Q` (``m x d``) and documents :math:`D` (``n x d``) start standard normal with
  unit rows and are re-normalised to unit rows after every step;
* ``"sigmoid"``: :math:`L = \sum_{i,j} \operatorname{softplus}(-t\,(s_{ij} - b)\,y_{ij})`
  over every (query, document) pair, :math:`y = +1` relevant and :math:`-1` not, trainable
  scale :math:`t` (starts at 1) and bias :math:`b` (fixed at 0 by default; trainable with
  ``train_bias=True``);
* ``"infonce"``: :math:`L = -\frac{1}{mk}\sum_{i, p \in P_i} \log\operatorname{softmax}_j
  \bigl((s_{ij} - b)/T\bigr)_p` with trainable temperature :math:`T = e^{\tau}`, starting at
  0.1 and clamped to :math:`[10^{-4}, 10^2]` after each step (the bias cancels);
* ``"margin"``: this package's pairwise hinge (``gamma = 0.1``), no learnable parameter;
* Adam at 0.01; the rate ramps linearly from 10% to 100% over the first 5% of the steps, then
  follows a cosine down to 1% of it at the last step; a fixed number of steps, no early stop;
* success: a strictly positive margin, by :func:`embtheory.signrank.certify` of the final
  embeddings (per query; the global margin of the authors' code is reported beside it).

:func:`frontier_algorithm` is the ``(init, step)`` pair (:class:`embtheory.core.Iterative`)
over a :class:`FrontierState`; a run is a ``lax.while_loop`` on the device, driven in segments
of about half a second (:func:`embtheory.core.advance`: the same steps as one loop, and a Ctrl-C
is seen between segments).  Every run goes alone, in its own dimension: a run's numbers are a
function of ``(problem, dim, key, recipe, dtype)``, never of what else is tried.  (Runs of
several dimensions could share a ``vmap`` with zero-padded columns, whose gradient is exactly 0;
but the padded and batched matrix products associate their sums differently, which moves a run by
rounding, and over 10^5 Adam steps near the boundary such a difference can decide the verdict.
Run one at a time they cost about the same on a CPU: measured 1.0-1.3x.)  Initial column ``c``
is drawn from ``fold_in(key, c)``.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from embtheory.core.algorithm import Iterative, advance, interruptible
from embtheory.core.validation import (
    check_choice,
    check_float_dtype,
    check_int,
    check_int_sequence,
    check_key,
    check_probability,
    check_real,
)
from embtheory.signrank.certify import certify
from embtheory.signrank.qrels import Qrels, as_qrels
from embtheory.signrank.solve import DEFAULT_TIME_LIMIT, check_run_time, check_time_limit, launch_rule

__all__ = [
    "FRONTIER_LOSSES",
    "PAPER_MIN_DIMENSION",
    "FrontierParams",
    "FrontierRecipe",
    "FrontierRun",
    "FrontierState",
    "MinDimension",
    "frontier_algorithm",
    "frontier_loss",
    "learning_rate",
    "min_dimension",
    "relevance_mask",
    "run_frontier",
]

FRONTIER_LOSSES = ("sigmoid", "infonce", "margin")

#: Smallest d with a positive margin, d = 5..30 tried (Bangachev et al. 2026; None: none <= 30).
PAPER_MIN_DIMENSION = {
    "infonce": {20: 10, 40: 14, 60: 19, 80: 22, 100: 23, 140: 28, 200: 30, 240: None},
    "sigmoid": {20: 5, 40: 7, 60: 7, 80: 8, 100: 8, 140: 9, 200: 9, 240: 10},
}

_LOG_T_MIN, _LOG_T_MAX = math.log(1e-4), math.log(1e2)


class FrontierRecipe(NamedTuple):
    """Hyper-parameters of the frontier recipe (hashable; static under ``jit``).

    Attributes:
        loss: ``"sigmoid"`` (default), ``"infonce"`` or ``"margin"``.
        steps: Adam steps (the paper: 100,000).
        learning_rate: peak rate (0.01).
        warmup_fraction: share of the steps of linear warm-up (0.05).
        warmup_start: the warm-up's first rate as a share of the peak (0.1, the code's).
        final_fraction: the cosine ends at this share of the peak (0.01).
        init_scale: sigmoid scale t at the start (1); trained.
        init_bias: sigmoid bias b (0).
        train_bias: train b too (default False: fixed, as the paper's table).
        init_temperature: InfoNCE temperature at the start (0.1); trained (log-parametrised).
        train_temperature: train the temperature (True).
        margin: gamma of the ``"margin"`` loss (0.1).
    """

    loss: str = "sigmoid"
    steps: int = 100_000
    learning_rate: float = 0.01
    warmup_fraction: float = 0.05
    warmup_start: float = 0.1
    final_fraction: float = 0.01
    init_scale: float = 1.0
    init_bias: float = 0.0
    train_bias: bool = False
    init_temperature: float = 0.1
    train_temperature: bool = True
    margin: float = 0.1

    @classmethod
    def of(cls, loss: str, **overrides) -> FrontierRecipe:
        """The paper's recipe for ``loss`` (``"sigmoid"``, ``"infonce"``, ``"margin"``)."""
        return cls(loss=loss, **overrides).validated()

    def validated(self) -> FrontierRecipe:
        check_choice(self.loss, "loss", FRONTIER_LOSSES)
        check_int(self.steps, "steps", minimum=1)
        check_real(self.learning_rate, "learning_rate", low=0, low_open=True)
        check_real(self.warmup_fraction, "warmup_fraction", low=0, high=1, high_open=True)
        check_probability(self.warmup_start, "warmup_start", closed=True)
        check_real(self.final_fraction, "final_fraction", low=0, high=1, low_open=True)
        check_real(self.init_scale, "init_scale", low=0, low_open=True)
        check_real(self.init_bias, "init_bias")
        check_real(self.init_temperature, "init_temperature", low=1e-4, high=1e2)
        check_real(self.margin, "margin", low=0, low_open=True)
        if not isinstance(self.train_bias, bool) or not isinstance(self.train_temperature, bool):
            raise TypeError("train_bias and train_temperature must be bools")
        if self.train_bias and self.loss != "sigmoid":
            raise ValueError(f"train_bias=True needs loss='sigmoid' (the {self.loss!r} loss has no bias to "
                             "learn: InfoNCE's softmax cancels it)")
        return self


def _warmup_steps(recipe: FrontierRecipe) -> int:
    if recipe.steps <= 1 or recipe.warmup_fraction <= 0:
        return 0
    return max(1, round(recipe.steps * recipe.warmup_fraction))


def learning_rate(recipe: FrontierRecipe, step):
    """The rate of update ``step`` (0-based): linear warm-up, then cosine to ``final_fraction``.

    Warm-up (``W`` steps): ``lr (a + (1 - a) step / W)`` with ``a = warmup_start``; then
    ``lr_min + (lr - lr_min)(1 + cos(pi (step - W) / (steps - W))) / 2`` with
    ``lr_min = final_fraction * lr``.
    """
    w = _warmup_steps(recipe)
    peak = recipe.learning_rate
    low = recipe.final_fraction * peak
    step = jnp.asarray(step, jnp.float32)
    decay = max(1, recipe.steps - w)
    cos = low + (peak - low) * 0.5 * (1 + jnp.cos(jnp.pi * jnp.clip(step - w, 0, decay) / decay))
    if w == 0:
        return cos
    warm = peak * (recipe.warmup_start + (1 - recipe.warmup_start) * step / w)
    return jnp.where(step < w, warm, cos)


class FrontierParams(NamedTuple):
    """The loss's learnable scalars: sigmoid ``scale`` t and ``bias`` b, InfoNCE ``log_temperature``."""

    scale: jax.Array
    bias: jax.Array
    log_temperature: jax.Array


class FrontierState(NamedTuple):
    """State of one run.

    Attributes:
        q: ``[m, dim_pad]`` queries (unit rows; padding columns 0).
        d: ``[n, dim_pad]`` documents.
        params: :class:`FrontierParams`.
        opt_state: Adam's state.
        step: updates done.
        loss: the loss before the last update.
    """

    q: jax.Array
    d: jax.Array
    params: FrontierParams
    opt_state: optax.OptState
    step: jax.Array
    loss: jax.Array


def relevance_mask(rel, num_docs: int) -> jax.Array:
    """``[m, n]`` bool: ``is_rel[i, j]`` iff document j is relevant to query i (``rel [m, k]``)."""
    rel = jnp.asarray(rel)
    return jnp.any(rel[:, :, None] == jnp.arange(num_docs)[None, None, :], axis=1)


def frontier_loss(q, d, params: FrontierParams, rel, *, recipe: FrontierRecipe,
                  rel_valid=None) -> jax.Array:
    """The recipe's loss of ``q [m, dim]``, ``d [n, dim]`` for the index list ``rel [m, k]``.

    See the module docstring; ``"margin"`` is the mean over queries of
    ``sum_{p in P, j not in P} relu(gamma - s_p + s_j) / (|P| (n - |P|))``.  ``rel_valid``
    ``[m, k]`` (False on padding, which repeats one of the query's relevant ids) lets queries
    have different numbers of relevant documents; the InfoNCE mean is then over the real
    (query, relevant document) pairs.
    """
    s = q @ d.T
    n = s.shape[1]
    k = rel.shape[1]
    is_rel = relevance_mask(rel, n)
    if rel_valid is not None and recipe.loss != "sigmoid":
        return _ragged_loss(s, params, rel, rel_valid, is_rel, recipe)
    if recipe.loss == "sigmoid":
        y = jnp.where(is_rel, 1.0, -1.0).astype(s.dtype)
        return jnp.sum(jax.nn.softplus(-params.scale * (s - params.bias) * y))
    if recipe.loss == "infonce":
        z = (s - params.bias) / jnp.exp(params.log_temperature)
        logp = jax.nn.log_softmax(z, axis=1)
        return -jnp.sum(jnp.take_along_axis(logp, rel, axis=1)) / (rel.shape[0] * k)
    sp = jnp.take_along_axis(s, rel, axis=1)  # [m, k]
    hinge = jax.nn.relu(recipe.margin - sp[:, :, None] + s[:, None, :])  # [m, k, n]
    per_query = jnp.sum(jnp.where(is_rel[:, None, :], 0.0, hinge), axis=(1, 2)) / (k * (n - k))
    return jnp.mean(per_query)


def _ragged_loss(s, params, rel, rel_valid, is_rel, recipe):
    n = s.shape[1]
    if recipe.loss == "infonce":
        z = (s - params.bias) / jnp.exp(params.log_temperature)
        logp = jax.nn.log_softmax(z, axis=1)
        picked = jnp.where(rel_valid, jnp.take_along_axis(logp, rel, axis=1), 0.0)
        return -jnp.sum(picked) / jnp.sum(rel_valid)
    counts = jnp.sum(rel_valid, axis=1).astype(s.dtype)
    sp = jnp.take_along_axis(s, rel, axis=1)  # [m, k]
    hinge = jax.nn.relu(recipe.margin - sp[:, :, None] + s[:, None, :])  # [m, k, n]
    keep = rel_valid[:, :, None] & ~is_rel[:, None, :]
    per_query = jnp.sum(jnp.where(keep, hinge, 0.0), axis=(1, 2)) / (counts * (n - counts))
    return jnp.mean(per_query)


def _normalise(x):
    return x / jnp.linalg.norm(x, axis=-1, keepdims=True)


def _draw(key, rows, dim_pad, col_mask, dtype):
    cols = jax.vmap(lambda c: jax.random.normal(jax.random.fold_in(key, c), (rows,), jnp.float32))(
        jnp.arange(dim_pad))
    x = jnp.where(col_mask[None, :], cols.T, 0.0).astype(dtype)
    return _normalise(x)


def frontier_algorithm(rel, num_docs: int, dim_pad: int, *, recipe: FrontierRecipe,
                       dtype=jnp.float32, rel_valid=None) -> Iterative:
    """The recipe as an ``(init, step)`` pair for the pattern ``rel`` (``[m, k]`` index list;
    ``rel_valid`` marks the real entries when queries have different numbers of relevant
    documents, see :func:`frontier_loss`).

    ``init(*, key, dim)`` draws a fresh run of dimension ``dim`` (a traced int is allowed: the
    columns ``>= dim`` are padding); ``step(state)`` is one Adam update and re-normalisation;
    ``done(state)`` is True after ``recipe.steps`` updates.
    """
    recipe = recipe.validated()
    rel = jnp.asarray(rel)
    m, n = rel.shape[0], int(num_docs)
    opt = optax.scale_by_adam()
    train = FrontierParams(scale=recipe.loss == "sigmoid",
                           bias=recipe.loss == "sigmoid" and recipe.train_bias,
                           log_temperature=recipe.loss == "infonce" and recipe.train_temperature)
    rel_valid = None if rel_valid is None else jnp.asarray(rel_valid)
    grad_fn = jax.value_and_grad(
        lambda qq, dd, pp: frontier_loss(qq, dd, pp, rel, recipe=recipe, rel_valid=rel_valid),
        argnums=(0, 1, 2))

    def init(*, key, dim) -> FrontierState:
        col_mask = jnp.arange(dim_pad) < dim
        key_q, key_d = jax.random.split(key)
        q = _draw(key_q, m, dim_pad, col_mask, dtype)
        d = _draw(key_d, n, dim_pad, col_mask, dtype)
        params = FrontierParams(scale=jnp.asarray(recipe.init_scale, dtype),
                                bias=jnp.asarray(recipe.init_bias, dtype),
                                log_temperature=jnp.asarray(math.log(recipe.init_temperature), dtype))
        return FrontierState(q=q, d=d, params=params, opt_state=opt.init((q, d, params)),
                             step=jnp.zeros((), jnp.int32), loss=jnp.full((), jnp.inf, dtype))

    def step(state: FrontierState) -> FrontierState:
        loss, (gq, gd, gp) = grad_fn(state.q, state.d, state.params)
        gp = FrontierParams(*(g if t else jnp.zeros_like(g) for g, t in zip(gp, train)))
        upd, opt_state = opt.update((gq, gd, gp), state.opt_state)
        lr = learning_rate(recipe, state.step).astype(state.q.dtype)
        uq, ud, up = upd
        q = _normalise(state.q - lr * uq)
        d = _normalise(state.d - lr * ud)
        params = FrontierParams(*(p - lr * u for p, u in zip(state.params, up)))
        params = params._replace(log_temperature=jnp.clip(params.log_temperature, _LOG_T_MIN, _LOG_T_MAX))
        return FrontierState(q=q, d=d, params=params, opt_state=opt_state, step=state.step + 1,
                             loss=loss.astype(state.loss.dtype))

    def done(state: FrontierState) -> jax.Array:
        return state.step >= recipe.steps

    return Iterative(init=init, step=step, done=done)


@functools.lru_cache(maxsize=32)
def _subsets(n: int, k: int) -> Qrels:
    return Qrels.subsets(n, k)


@functools.lru_cache(maxsize=32)
def _compiled(qrels: Qrels, dim_pad: int, recipe: FrontierRecipe, dtype_name: str):
    """``(init, advance)`` of a batch of runs, jitted and vmapped once per problem and recipe."""
    ragged = qrels.k is None
    alg = frontier_algorithm(qrels.rel, qrels.n_docs, dim_pad, recipe=recipe, dtype=jnp.dtype(dtype_name),
                             rel_valid=qrels.rel_valid if ragged else None)

    def init(key_data, dim):
        return alg.init(key=jax.random.wrap_key_data(key_data), dim=dim)

    def step_to(state, count, limit):
        return advance(alg, state, count, limit)

    return jax.jit(jax.vmap(init)), jax.jit(jax.vmap(step_to, in_axes=(0, 0, None)))


#: wall time a segment of a run aims at: short enough that Ctrl-C returns within about a second
_SEGMENT_SECONDS = 0.5


def _drive(init, step_to, keys, dims, steps: int, *, segment: int | None = None):
    """Runs a batch to ``steps`` in segments; ``segment`` fixes their length (default: grown or
    shrunk so that each takes about :data:`_SEGMENT_SECONDS`)."""
    state = init(keys, dims)
    count = jnp.zeros(len(dims), jnp.int32)
    length, limit = (segment or 16), 0
    with interruptible(lambda: state):
        while limit < steps:
            limit = min(steps, limit + length)
            t0 = time.perf_counter()
            state, count = step_to(state, count, jnp.int32(limit))
            count.block_until_ready()
            if segment is None:
                took = max(time.perf_counter() - t0, 1e-4)
                length = int(min(max(length * _SEGMENT_SECONDS / took, 1), 4 * length))
    return state


class FrontierRun(NamedTuple):
    """One finished run of the recipe, with its certificate.

    Attributes:
        n, dim, seed: the problem and the trial (key ``jax.random.key(seed)``).
        solved: the certificate's margin is > 0.
        margin: per-query margin (:func:`certify`, float32 scores).
        global_margin: one-threshold margin (the authors' code's criterion).
        violations: queries with margin <= 0.
        loss: the last loss; scale, bias, temperature: the learned scalars.
    """

    n: int
    dim: int
    seed: int
    solved: bool
    margin: float
    global_margin: float
    violations: int
    loss: float
    scale: float
    bias: float
    temperature: float


def _check_time(qrels: Qrels, dims, recipe: FrontierRecipe, time_limit: float | None) -> None:
    """Refuses, before any of them starts, runs of ``dims`` that could take past ``time_limit``."""
    for dim in sorted(set(dims), reverse=True):  # the largest first: one refusal names the worst
        check_run_time(qrels.num_queries, qrels.n_docs, dim, recipe.steps, time_limit,
                       f"a frontier run of {recipe.steps:,} steps over {qrels.num_queries:,} queries x "
                       f"{qrels.n_docs} documents in d={dim}",
                       "fewer steps (FrontierRecipe.of(loss, steps=...)), a smaller dimension or a "
                       "smaller problem")


def _run_batch(qrels, k, dims, seeds, recipe, dtype, dim_pad, keys=None, segment=None):
    """Runs of the recipe on ``qrels``, vmapped with ``dim_pad`` columns (the public functions
    run each alone, unpadded; tests batch them); ``k``: the all-k-subsets problem (certified
    from ranks), None: any qrels (certified from their index list)."""
    n = qrels.n_docs
    init, step_to = _compiled(qrels, dim_pad, recipe, jnp.dtype(dtype).name)
    if keys is None:
        keys = [jax.random.key(s) for s in seeds]
    keys = jnp.stack([jax.random.key_data(kk) for kk in keys])
    state = _drive(init, step_to, keys, jnp.asarray(dims, jnp.int32), recipe.steps, segment=segment)
    q, d, params, loss = np.asarray(state.q), np.asarray(state.d), state.params, state.loss
    out = []
    for i, (dim, seed) in enumerate(zip(dims, seeds)):
        # the padded columns are exact zeros: the same vectors, one certify shape for all dims
        c = certify(q[i], d[i], k=k, dtype=dtype) if k is not None else \
            certify(q[i], d[i], qrels=qrels, dtype=dtype)
        out.append(FrontierRun(n=n, dim=int(dim), seed=int(seed), solved=c.solved, margin=c.margin,
                               global_margin=c.global_margin, violations=c.violations,
                               loss=float(loss[i]), scale=float(params.scale[i]), bias=float(params.bias[i]),
                               temperature=float(np.exp(params.log_temperature[i]))))
    return out


def _problem(n, k, qrels) -> tuple[Qrels, int | None]:
    """``(Qrels, k)`` of the all-k-subsets problem of ``n``, or ``(qrels, None)``."""
    if qrels is not None:
        if n is not None or k is not None:
            raise TypeError("pass either n (and k) for every k-subset, or qrels=: not both")
        return as_qrels(qrels), None
    if n is None:
        raise TypeError("pass n (documents; every k-subset is a query) or qrels= (your own problem)")
    n = check_int(n, "n", minimum=3)
    k = check_int(2 if k is None else k, "k", minimum=1, maximum=n - 1)
    return _subsets(n, k), k


def run_frontier(n: int | None = None, dim: int | None = None, *, key, qrels=None, k: int | None = None,
                 recipe: FrontierRecipe | None = None, dtype=jnp.float32,
                 time_limit: float | None = DEFAULT_TIME_LIMIT) -> FrontierRun:
    """One run of the recipe on every k-subset of ``n`` (or your ``qrels``) in ``dim`` dimensions, certified.

    ``key``: the trial's PRNG key (:func:`min_dimension`'s trial ``seed`` is
    ``key=jax.random.key(seed)``; the result's ``seed`` field is then -1, unknown here).
    ``qrels``: any form :func:`embtheory.signrank.as_qrels` reads (then leave ``n`` and ``k``
    None; ``k`` defaults to 2).  ``time_limit``: seconds the run may take (a lower bound at the
    platform's assumed rate); past it, refused before it starts.  The run is :func:`min_dimension`'s
    run of the same ``(problem, dim, key, recipe, dtype)``, bit for bit.
    """
    recipe = FrontierRecipe() if recipe is None else recipe.validated()
    qr, k = _problem(n, k, qrels)
    if dim is None:
        raise TypeError("run_frontier needs dim= (the embedding dimension)")
    dim = check_int(dim, "dim", minimum=1)
    dt = check_float_dtype(dtype)
    key = check_key(key)
    _check_time(qr, [dim], recipe, check_time_limit(time_limit))
    return _run_batch(qr, k, [dim], [-1], recipe, dt, dim, keys=[key])[0]


class MinDimension(NamedTuple):
    """The outcome of :func:`min_dimension`.

    Attributes:
        n: documents; loss: the recipe's loss.
        dim: the smallest tried d at which some seed's run certifies (None: none did).
        dims, seeds: what was tried.
        runs: every run's :class:`FrontierRun`, in (dim, seed) order.
        margins: ``{(dim, seed): final per-query margin}``.
        global_dim: the smallest d whose run has a positive *global* margin (the authors'
            code's criterion; None: none).
        seconds: wall time of the runs computed now (stored ones cost nothing).
        recipe: ``"frontier"`` or ``"official"`` (which optimiser ran).
    """

    n: int
    loss: str
    dim: int | None
    dims: tuple
    seeds: tuple
    runs: tuple
    margins: dict
    global_dim: int | None
    seconds: float
    recipe: str = "frontier"


def _digest(qrels: Qrels) -> str:
    """A short fingerprint of a problem (its store units must not be confused with another's)."""
    h = hashlib.sha256(np.ascontiguousarray(qrels.index, np.int32).tobytes())
    h.update(str(qrels.n_docs).encode())
    return h.hexdigest()[:16]


def _official_runs(qrels, k, part, recipe, dt, time_limit):
    """Runs of the official optimiser (:func:`embtheory.signrank.solve`), certified like the frontier's."""
    from embtheory.signrank.solve import solve

    out = []
    for dim, seed in part:
        if k is None:
            r = solve(qrels=qrels, dim=dim, key=seed, recipe=recipe, dtype=dt, certify_margin=False,
                      time_limit=time_limit)
            c = certify(r.q, r.d, qrels=qrels, dtype=dt)
        else:
            r = solve(qrels.n_docs, dim, key=seed, k=k, recipe=recipe, dtype=dt, certify_margin=False,
                      time_limit=time_limit)
            c = certify(r.q, r.d, k=k, dtype=dt)
        out.append(FrontierRun(n=qrels.n_docs, dim=dim, seed=seed, solved=c.solved, margin=c.margin,
                               global_margin=c.global_margin, violations=c.violations, loss=r.loss,
                               scale=1.0, bias=0.0, temperature=float(recipe.temperature)))
    return out


def min_dimension(n: int | None = None, *, qrels=None, loss: str | None = None, dims=tuple(range(5, 31)),
                  seeds=(0,), k: int | None = None, recipe=None, store=None, dtype=jnp.float32,
                  time_limit: float | None = DEFAULT_TIME_LIMIT) -> MinDimension:
    """The smallest d whose run certifies, for every k-subset of ``n`` or for your ``qrels``.

    Every (dim, seed) is one run, certified by :func:`embtheory.signrank.certify` of its final
    embeddings (success: every query's relevant documents strictly first).  Under the frontier
    recipe each run goes alone in its own dimension (:func:`run_frontier`); under the official recipe
    (``recipe=embtheory.signrank.OFFICIAL`` or any :class:`embtheory.signrank.Recipe`) each run
    is one :func:`embtheory.signrank.solve` (stopping as the official script does).  With a
    ``store`` (a :class:`embtheory.core.store.ResultStore` or a path) each run is a unit
    (config: the problem, dim, seed, the recipe, dtype): finished runs are read back, so an
    interrupted call resumes.  A run's numbers depend on its unit's config alone, so a stored run
    is the one a fresh call computes.

    Args:
        n: documents (all ``C(n, k)`` k-subsets are the queries); leave None with ``qrels``.
        qrels: your problem, in any form :func:`embtheory.signrank.as_qrels` reads (queries
            may have different numbers of relevant documents).
        loss: the frontier recipe's loss when ``recipe`` is None (default ``"sigmoid"``); must
            match ``recipe.loss`` otherwise.
        dims: dimensions to try (a sequence of positive ints).
        seeds: trials per dimension (key ``jax.random.key(seed)``).
        k: relevant documents per query of the all-k-subsets problem (default 2).
        recipe: a :class:`FrontierRecipe` (default ``FrontierRecipe.of(loss)``, 100,000 steps)
            or the official :class:`embtheory.signrank.Recipe`.
        time_limit: seconds one run may take (a lower bound at the platform's assumed rate); a
            frontier run past it is refused before any run starts, an official one before it
            starts.  None: no limit.

    Example:
        >>> from embtheory.signrank import OFFICIAL
        >>> r = min_dimension(qrels=[[0, 1], [2], [1, 3], [0]], dims=[1, 2, 3], seeds=[0],
        ...                   recipe=OFFICIAL._replace(max_steps=300))
        >>> r.recipe, r.dim is not None and r.dim <= 3, len(r.runs)
        ('official', True, 3)
    """
    from embtheory.core.store import as_store
    from embtheory.signrank.optimise import Recipe

    qr, k = _problem(n, k, qrels)
    store = as_store(store)
    if isinstance(recipe, Recipe):
        kind = "official"
        recipe = Recipe(**recipe._asdict()).validated()
        if loss is not None and loss != recipe.loss:
            raise ValueError(f"loss={loss!r} disagrees with recipe.loss={recipe.loss!r}: pass one of them")
    elif recipe is None:
        kind = "frontier"
        recipe = FrontierRecipe.of("sigmoid" if loss is None else loss)
    elif isinstance(recipe, FrontierRecipe):
        kind = "frontier"
        recipe = recipe.validated()
        if loss is not None and loss != recipe.loss:
            raise ValueError(f"loss={loss!r} disagrees with recipe.loss={recipe.loss!r}: pass one of them")
    else:
        raise TypeError(f"recipe must be a FrontierRecipe or the official Recipe, got "
                        f"{type(recipe).__name__}")
    dims = tuple(sorted(set(check_int_sequence(dims, "dims", minimum=1))))
    from embtheory.signrank.search import _check_seeds  # one seeds message across the searches

    seeds = tuple(_check_seeds(seeds))
    dt = check_float_dtype(dtype)
    time_limit = check_time_limit(time_limit)
    pairs = [(d, s) for d in dims for s in seeds]
    problem = {} if k is not None else {"qrels": _digest(qr)}
    if kind == "official":
        problem["optimiser"] = "official"
        if launch_rule(qr.n_docs) != "canonical":  # padded as before: the keys of larger n are unchanged
            problem["launch"] = launch_rule(qr.n_docs)
    else:
        # runs go alone and unpadded; units stored while they shared a padded vmap are not these runs
        problem["runs"] = "alone"

    def cfg(d, s):
        return dict(experiment="signrank-min-dimension", n=qr.n_docs, k=k, dim=d, seed=s, dtype=dt.name,
                    recipe=recipe._asdict(), **problem)

    results: dict[tuple[int, int], FrontierRun] = {}
    todo = []
    for d, s in pairs:
        got = store.get(cfg(d, s)) if store is not None else None
        if got is not None:
            results[(d, s)] = FrontierRun(**got)
        else:
            todo.append((d, s))
    t0 = time.perf_counter()
    if kind == "frontier":
        _check_time(qr, [d for d, _ in todo], recipe, time_limit)
    for d, s in todo:
        if kind == "official":
            (r,) = _official_runs(qr, k, [(d, s)], recipe, dt, time_limit)
        else:
            (r,) = _run_batch(qr, k, [d], [s], recipe, dt, d)
        results[(d, s)] = r
        if store is not None:  # stored as soon as it finishes: an interrupted call resumes here
            store.put(cfg(d, s), r._asdict(), seed=s)
    runs = tuple(results[p] for p in pairs)
    solved = [r.dim for r in runs if r.solved]
    glob = [r.dim for r in runs if r.global_margin > 0]
    return MinDimension(n=qr.n_docs, loss=recipe.loss, dim=min(solved) if solved else None, dims=dims,
                        seeds=seeds, runs=runs, margins={(r.dim, r.seed): r.margin for r in runs},
                        global_dim=min(glob) if glob else None, seconds=time.perf_counter() - t0, recipe=kind)

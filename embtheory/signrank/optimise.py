r"""The free-embedding optimiser as one :class:`embtheory.core.Iterative`.

Recipe (google-deepmind/limit, ``free_embedding_experiment.py``; Weller et al. 2025, Sec. 4):
queries :math:`Q` (``m x dim``) and documents :math:`D` (``n x dim``) start standard normal with
unit rows; one full-batch Adam step (lr 0.01) on the loss (default the code's InfoNCE, T = 0.1),
then every row is re-normalised (Adam's moments untouched).  The loss-plateau rule stops a run
when the loss has not improved by ``min_delta`` for ``patience`` consecutive steps; accuracy is
checked after update 1, 51, 101, ... (the code's ``i % 50 == 0``) and the run stops once it is
1.0; at most ``max_steps`` updates; a final accuracy check follows the last update.  "Solved"
means some check saw accuracy 1.0 (the code's search reads its best accuracy signal).

:func:`optimiser` returns the ``(init, step, done)`` triple of one problem: ``step`` is one
update followed, when one is due, by the accuracy check (top-k on the device, under
``lax.cond``, so a step that checks nothing pays for no check); ``done`` is True once a check
saw accuracy 1.0, the loss plateaued or the step budget ran out.  :func:`run` is
:func:`embtheory.core.iterate` of it from a fresh state: one ``lax.while_loop``, no host sync,
no host sort.  It is written for one problem; :func:`embtheory.signrank.solve_batch` runs many.

Random initial rows: ``normal(key_q, (m, dim))`` with ``key_q, key_d = split(key)``, as the
official code, drawn in float32 and cast (the same start in float32 and float64); with JAX's
partitionable threefry the first ``m`` rows of a padded draw are exactly the unpadded draw, so
padding changes no real row.

Example:
    >>> import jax, numpy as np
    >>> from embtheory.signrank import k_subsets
    >>> rel = k_subsets(5, 2)
    >>> problem = Problem(rel=rel, query_valid=np.ones(10, bool), doc_valid=np.ones(5, bool))
    >>> alg = optimiser(problem, 4)
    >>> state = iterate(alg, alg.init(key=jax.random.key(0)))
    >>> bool(alg.done(state)), float(state.best_accuracy), int(state.step)
    (True, 1.0, ...)
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from embtheory.core.algorithm import Iterative, iterate
from embtheory.core.validation import check_choice, check_int, check_positive, is_concrete
from embtheory.signrank.accuracy import _topk_accuracy
from embtheory.signrank.losses import LOSSES, _loss_and_grad

__all__ = ["OFFICIAL", "STOP_RULES", "Problem", "Recipe", "RunState", "optimiser", "run"]

STOP_RULES = ("loss", "loss_and_accuracy")

#: stop reasons
RUNNING, SOLVED, PLATEAU, BUDGET = 0, 1, 2, 3

#: step counts are int32 on the device
_INT32_MAX = 2**31 - 1


class Recipe(NamedTuple):
    """Hyper-parameters of a run (static: hashable Python values).

    Attributes:
        loss: one of ``"infonce"`` (default), ``"infonce_footnote"``, ``"sigmoid"``, ``"margin"``.
        temperature: T of the InfoNCE/sigmoid losses (0.1).
        learning_rate: Adam's learning rate (0.01).
        max_steps: at most this many updates (100,000; below 2**31, the step counter is int32).
        patience: loss-plateau patience in steps (1,000).
        min_delta: the loss must fall below its best minus this to count as improving (1e-5).
        check_every: accuracy check period in steps (50).
        margin: gamma of the margin loss.
        stop_rule: ``"loss"`` (the official rule) or ``"loss_and_accuracy"``: a loss plateau
            stops the run only if the best accuracy has also not improved for
            ``accuracy_patience`` steps.
        accuracy_patience: see ``stop_rule``.
        chunk_size: queries per chunk of the loss and the top-k (None: dense, or the canonical
            chunk of :func:`embtheory.signrank.solve.canonical_shape`).
    """

    loss: str = "infonce"
    temperature: float = 0.1
    learning_rate: float = 0.01
    max_steps: int = 100_000
    patience: int = 1_000
    min_delta: float = 1e-5
    check_every: int = 50
    margin: float = 0.1
    stop_rule: str = "loss"
    accuracy_patience: int = 5_000
    chunk_size: int | None = None

    def validated(self) -> Recipe:
        """The recipe, each field checked (a ValueError/TypeError naming the field otherwise)."""
        check_choice(self.loss, "loss", LOSSES)
        check_choice(self.stop_rule, "stop_rule", STOP_RULES)
        check_positive(self.temperature, "temperature")
        check_positive(self.learning_rate, "learning_rate")
        check_positive(self.margin, "margin")
        check_positive(self.min_delta, "min_delta", allow_zero=True)
        check_int(self.max_steps, "max_steps", minimum=1, maximum=_INT32_MAX)
        check_int(self.patience, "patience", minimum=1, maximum=_INT32_MAX)
        check_int(self.check_every, "check_every", minimum=1, maximum=_INT32_MAX)
        check_int(self.accuracy_patience, "accuracy_patience", minimum=1, maximum=_INT32_MAX)
        if self.chunk_size is not None:
            check_int(self.chunk_size, "chunk_size", minimum=1)
        return self


#: The official recipe (the default everywhere).
OFFICIAL = Recipe()


class Problem(NamedTuple):
    """One free-embedding problem, padded to a common shape.

    Attributes:
        rel: ``[m, k]`` int32 relevant documents per query (padding rows: any valid ids).
        query_valid: ``[m]`` bool, False on padding queries.
        doc_valid: ``[n]`` bool, False on padding documents.
        rel_valid: ``[m, k]`` bool, False on padding entries of ``rel`` when queries have
            different numbers of relevant documents (a padding entry holds one of its query's
            relevant ids); None: every entry is real.  ``Qrels.rel`` / ``Qrels.rel_valid``
            (:mod:`embtheory.signrank.qrels`) give both.
    """

    rel: jax.Array
    query_valid: jax.Array
    doc_valid: jax.Array
    rel_valid: jax.Array | None = None


class RunState(NamedTuple):
    """State of one run (all arrays; batched runs carry a leading axis).

    Attributes:
        q: ``[m, dim]`` unit-row query embeddings.
        d: ``[n, dim]`` unit-row document embeddings.
        opt_state: Adam's state.
        step: updates done.
        loss: loss of the last update (evaluated before it, as the official code logs it).
        best_loss: best loss seen (the plateau rule's reference).
        wait: steps since ``best_loss`` last improved by ``min_delta``.
        accuracy: accuracy at the last check.
        best_accuracy: best accuracy at any check.
        accuracy_wait: steps since ``best_accuracy`` last improved.
        reason: 0 running, 1 solved, 2 loss plateau, 3 step budget.
        solved_step: the update after which accuracy 1.0 was seen (-1 if never).
    """

    q: jax.Array
    d: jax.Array
    opt_state: optax.OptState
    step: jax.Array
    loss: jax.Array
    best_loss: jax.Array
    wait: jax.Array
    accuracy: jax.Array
    best_accuracy: jax.Array
    accuracy_wait: jax.Array
    reason: jax.Array
    solved_step: jax.Array


def _normalise(x):
    return x / jnp.linalg.norm(x, axis=-1, keepdims=True)


def optimiser(problem: Problem, dim: int, *, recipe: Recipe = OFFICIAL, dtype=jnp.float32) -> Iterative:
    """The official recipe on ``problem`` as an ``(init, step, done)`` triple.

    - ``init(*, key) -> RunState``: standard normal rows scaled to unit length (drawn in
      float32 and cast, so a key starts from the same rows whatever the dtype; ``key_q, key_d
      = split(key)`` as the official code), Adam's zero moments.
    - ``step(state) -> RunState``: one Adam update and re-normalisation with the plateau
      bookkeeping of the official code (``improved = loss < best - min_delta``; ``wait``
      resets on improvement and otherwise grows; ``wait >= patience`` stops the run, under
      ``"loss_and_accuracy"`` only if ``accuracy_wait >= accuracy_patience`` too; the budget
      stops it after ``max_steps`` updates); then, after update 1, 1 + ``check_every``, ...
      and after the update that stopped the run, the accuracy check (top-k on the device):
      accuracy 1.0 stops a running run as solved.  The check after a plateau or budget stop is
      the official script's final check: it counts towards ``best_accuracy`` (hence
      "solved") but keeps the stop reason.  A stopped state is not stepped again by
      :func:`embtheory.core.iterate`.
    - ``done(state)``: the run has stopped (solved, plateau or budget).

    Pure and traceable: ``jit`` and ``vmap`` the functions (a vmapped loop freezes finished
    members).  ``problem`` and ``dim`` are fixed here, its arrays closed over.

    Args:
        problem: the (padded) problem; its shapes fix ``m`` and ``n``.
        dim: embedding dimension ``d``.
        recipe: hyper-parameters.
        dtype: float32 (default, as the paper) or float64.
    """
    dim = check_int(dim, "dim", minimum=1)
    recipe = recipe.validated()
    _check_rel(problem)
    rel = jnp.asarray(problem.rel)
    rel_valid = None if problem.rel_valid is None else jnp.asarray(problem.rel_valid)
    query_valid = jnp.asarray(problem.query_valid)
    doc_valid = jnp.asarray(problem.doc_valid)
    m, n = query_valid.shape[0], doc_valid.shape[0]
    k = rel.shape[1] if rel_valid is None else None  # None: each query's own count of relevant ids
    opt = optax.adam(recipe.learning_rate)

    def init(*, key) -> RunState:
        key_q, key_d = jax.random.split(key)
        q = _normalise(jax.random.normal(key_q, (m, dim), dtype=jnp.float32).astype(dtype))
        d = _normalise(jax.random.normal(key_d, (n, dim), dtype=jnp.float32).astype(dtype))
        zero, izero = jnp.zeros((), dtype), jnp.zeros((), jnp.int32)
        return RunState(q=q, d=d, opt_state=opt.init((q, d)), step=izero,
                        loss=jnp.full((), jnp.inf, dtype), best_loss=jnp.full((), jnp.inf, dtype),
                        wait=izero, accuracy=zero, best_accuracy=zero, accuracy_wait=izero,
                        reason=izero, solved_step=jnp.full((), -1, jnp.int32))

    def update(state: RunState) -> RunState:
        loss, grads = _loss_and_grad(state.q, state.d, rel, rel_valid=rel_valid, doc_valid=doc_valid,
                                     query_valid=query_valid, loss=recipe.loss,
                                     temperature=recipe.temperature, margin=recipe.margin,
                                     chunk_size=recipe.chunk_size)
        updates, opt_state = opt.update(grads, state.opt_state, (state.q, state.d))
        q, d = optax.apply_updates((state.q, state.d), updates)
        q, d = _normalise(q), _normalise(d)
        improved = loss < state.best_loss - recipe.min_delta
        best = jnp.where(improved, loss, state.best_loss)
        wait = jnp.where(improved, 0, state.wait + 1)
        nstep = state.step + 1
        acc_wait = state.accuracy_wait + 1
        plateau = wait >= recipe.patience
        if recipe.stop_rule == "loss_and_accuracy":
            plateau = plateau & (acc_wait >= recipe.accuracy_patience)
        reason = jnp.where(plateau, PLATEAU, jnp.where(nstep >= recipe.max_steps, BUDGET, RUNNING))
        return state._replace(q=q, d=d, opt_state=opt_state, step=nstep, loss=loss, best_loss=best,
                              wait=wait, accuracy_wait=acc_wait, reason=reason.astype(jnp.int32))

    def check(state: RunState) -> RunState:
        acc = _topk_accuracy(state.q, state.d, rel, k=k, rel_valid=rel_valid, doc_valid=doc_valid,
                             query_valid=query_valid, chunk_size=recipe.chunk_size)
        perfect = acc >= 1.0
        return state._replace(
            accuracy=acc,
            best_accuracy=jnp.maximum(acc, state.best_accuracy),
            accuracy_wait=jnp.where(acc > state.best_accuracy, 0, state.accuracy_wait),
            reason=jnp.where(perfect & (state.reason == RUNNING), SOLVED, state.reason).astype(jnp.int32),
            solved_step=jnp.where(perfect & (state.solved_step < 0), state.step,
                                  state.solved_step).astype(jnp.int32),
        )

    def step(state: RunState) -> RunState:
        state = update(state)
        due = (state.reason != RUNNING) | ((state.step - 1) % recipe.check_every == 0)
        return jax.lax.cond(due, check, lambda s: s, state)

    def done(state: RunState) -> jax.Array:
        return state.reason != RUNNING

    return Iterative(init=init, step=step, done=done)


def _check_rel(problem: Problem) -> None:
    """Refuses a concrete ``rel`` that is not an id array the kernels read as meant."""
    rel = problem.rel
    if not is_concrete(rel):
        return
    dt = jnp.asarray(rel).dtype
    if dt == jnp.bool_ or not jnp.issubdtype(dt, jnp.integer):
        raise TypeError(f"Problem.rel must be an integer [m, k] array of document ids, got dtype {dt} (a "
                        "relevance mask?); pass your qrels in any form to solve(qrels=..., dim=..., key=...)")
    if problem.rel_valid is None and bool(np.any(np.asarray(rel) < 0)):  # NumPy: also inside a jit
        raise ValueError("Problem.rel holds negative ids (-1 padding of queries with fewer relevant "
                         "documents) but no rel_valid: pass the qrels to solve(qrels=..., dim=..., key=...), "
                         "or build Problem(rel=qrels.rel, ..., rel_valid=qrels.rel_valid) from "
                         "as_qrels(...)")


def run(problem: Problem, dim: int, *, key: jax.Array, recipe: Recipe = OFFICIAL,
        dtype=jnp.float32) -> RunState:
    """A whole run on the device: :func:`embtheory.core.iterate` of :func:`optimiser`'s triple.

    Pure and traceable (``jit``/``vmap`` it); an eager call compiles once per call (a fresh
    :class:`~embtheory.core.Iterative`): reuse :func:`optimiser`'s triple to compile once.
    """
    alg = optimiser(problem, dim, recipe=recipe, dtype=dtype)
    return iterate(alg, alg.init(key=key))

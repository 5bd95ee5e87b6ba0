"""Critical-n search: the largest n whose all-pairs problem a d-dimensional free embedding solves.

The official script gallops from a starting ``n`` (+1, +2, +4, ... while runs succeed; -1, -2,
... while they fail), binary-searches between the last success and the first failure, then
re-runs ``n - 4 .. n + 5`` around the result; the published table lists one number per d.
:func:`critical_n` does the same per seed, but each phase evaluates a *bracket* of candidate n
for every seed at once, in ONE padded, vmapped, sharded launch (:func:`solve_batch`):

1. gallop: the next ``bracket`` points of the official gallop sequence;
2. search: ``bracket`` evenly spaced points inside the current (success, failure) interval,
   until it is one apart;
3. recheck: ``n - 4 .. n + 5`` (the official sweep).

Because success is not monotone in n (a run is one seed under a plateau rule), it reports per
seed both the **largest solved n** and the **first failing n** (the smallest n that failed),
with every trial (n, solved, best accuracy, loss, steps, stop reason).  Trials are units of
the results store: an interrupted search resumes without re-running any finished trial.

A trial is bitwise reproducible for a given launch shape.  Its float32 trajectory depends on
the padded shape of the launch it ran in (only through the association order of sums, padded
rows being masked exactly), and near the boundary that alone can flip solved / failed; the
stored result is the one of the launch that ran it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import jax.numpy as jnp

from embtheory.core.progress import progress as _progress
from embtheory.core.store import ResultStore
from embtheory.core.validation import check_int
from embtheory.signrank.optimise import Recipe
from embtheory.signrank.solve import DEFAULT_MEMORY_BUDGET, solve_batch

__all__ = ["PUBLISHED_FIT", "CriticalN", "critical_n", "default_start"]

#: The paper's cubic fit of critical n against d (Weller et al. 2025, Fig. 2).
PUBLISHED_FIT = (-10.5322, 4.0309, 0.0520, 0.0037)


def default_start(d: int, k: int = 2) -> int:
    """A starting n for the gallop: the published cubic at ``d`` (only where the search starts)."""
    c0, c1, c2, c3 = PUBLISHED_FIT
    return max(k + 2, round(c0 + c1 * d + c2 * d**2 + c3 * d**3))


@dataclasses.dataclass
class CriticalN:
    """Outcome of one seed's search.

    Attributes:
        d: the embedding dimension.
        k: relevant documents per query.
        seed: the seed of the search.
        largest_solved: the largest n any trial solved (None if none).
        first_failing: the smallest n any trial failed (None if none).
        trials: every trial, sorted by n: dicts with n, solved, best_accuracy, accuracy, loss,
            best_loss, steps, solved_step, reason.
    """

    d: int
    k: int
    seed: int
    largest_solved: int | None
    first_failing: int | None
    trials: list[dict]

    @property
    def monotone(self) -> bool:
        """Every trial below ``first_failing`` solved and every one above ``largest_solved`` failed."""
        return (self.largest_solved is None or self.first_failing is None
                or self.first_failing == self.largest_solved + 1)


class _Seed:
    """The search state machine of one seed."""

    def __init__(self, start, k):
        self.k = k
        self.phase = "gallop"
        self.start = start
        self.lo = self.hi = None
        self.done = False

    def _gallop_up(self, base, count):
        out, n, step = [], base, 1
        for _ in range(count):
            n += step
            out.append(n)
            step *= 2
        return out

    def _gallop_down(self, base, count):
        out, n, step = [], base, 1
        for _ in range(count):
            n = max(n - step, self.k + 1)
            out.append(n)
            step *= 2
            if n == self.k + 1:
                break
        return out

    def propose(self, results, bracket):
        """The next candidates (some may be cached); advances the phase when it can."""
        while True:
            if self.phase == "gallop":
                if self.start not in results:
                    return [self.start, *self._gallop_up(self.start, bracket - 1)]
                if results[self.start]:  # walk the up-sequence
                    seq = self._gallop_up(self.start, 64)
                    lo = self.start
                    for n in seq:
                        if n not in results:
                            return [m for m in seq if m not in results][:bracket]
                        if results[n]:
                            lo = n
                        else:
                            self.lo, self.hi = lo, n
                            break
                else:
                    seq = self._gallop_down(self.start, 64)
                    hi = self.start
                    for n in seq:
                        if n not in results:
                            return [m for m in seq if m not in results][:bracket]
                        if results[n]:
                            self.lo, self.hi = n, hi
                            break
                        hi = n
                    else:
                        self.lo, self.hi = None, hi
                self.phase = "search"
            if self.phase == "search":
                if self.lo is None or self.hi - self.lo <= 1:
                    self.phase = "recheck"
                    continue
                inside = list(range(self.lo + 1, self.hi))
                if len(inside) <= bracket:
                    points = inside
                else:
                    points = sorted({self.lo + round((self.hi - self.lo) * (j + 1) / (bracket + 1))
                                     for j in range(bracket)})
                if all(p in results for p in points):
                    lo, hi = self.lo, self.hi
                    for p in points:
                        if results[p]:
                            lo = p
                        else:
                            hi = p
                            break
                    self.lo, self.hi = lo, hi
                    continue
                return [p for p in points if p not in results]
            if self.phase == "recheck":
                if self.lo is None:
                    self.done = True
                    return []
                points = [max(self.lo + off, self.k + 1) for off in range(-4, 6)]
                todo = [p for p in points if p not in results]
                if not todo:
                    self.done = True
                return todo


def _trial_config(d, n, k, seed, recipe, dtype_name):
    return {"experiment": "signrank-trial", "d": d, "n": n, "k": k, "seed": seed,
            "recipe": {f: v for f, v in recipe._asdict().items() if f != "chunk"}, "dtype": dtype_name}


def critical_n(d: int, *, k: int = 2, seeds: Sequence[int] = (42,), loss: str = "infonce",
               recipe: Recipe | None = None, start_n: int | None = None, bracket: int = 4,
               store: ResultStore | None = None, memory_budget: float = DEFAULT_MEMORY_BUDGET,
               dtype=jnp.float32, progress: bool = False, max_rounds: int = 64) -> list[CriticalN]:
    """The critical n at dimension ``d`` for each seed (gallop, bracketed search, recheck).

    Args:
        d: embedding dimension.
        k: relevant documents per query.
        seeds: one search per seed; the run key of seed ``s`` is ``jax.random.key(s)`` for every n
            (as the official script, whose default seed is 42).
        loss: the loss when ``recipe`` is None (the official recipe otherwise).
        recipe: full hyper-parameters (e.g. ``Recipe(stop_rule="loss_and_accuracy",
            max_steps=200_000)`` for the accuracy-aware stopping rule).
        start_n: where the gallop starts (default :func:`default_start`).
        bracket: candidates per seed per launch (1 reproduces the official one-at-a-time order).
        store: results store; every trial is a unit and is reused when present.
        memory_budget: bytes of loss temporaries per run.
        dtype: float32 (the paper) or float64.
        progress: print a progress bar over launches.
        max_rounds: safety bound on launches.

    Returns:
        One :class:`CriticalN` per seed.
    """
    d = check_int(d, "d", minimum=1)
    k = check_int(k, "k", minimum=1)
    bracket = check_int(bracket, "bracket", minimum=1)
    seeds = [check_int(s, "seed", minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    recipe = (Recipe(loss=loss) if recipe is None else recipe).validated()
    start = default_start(d, k) if start_n is None else check_int(start_n, "start_n", minimum=k + 1)
    dtype_name = jnp.dtype(dtype).name
    results: dict[int, dict[int, dict]] = {s: {} for s in seeds}
    machines = {s: _Seed(start, k) for s in seeds}
    bar = _progress(total=None, desc=f"critical n, d={d}", enabled=progress, unit="launch")
    try:
        for _ in range(max_rounds):
            todo = []
            for s in seeds:
                if machines[s].done:
                    continue
                solved = {n: r["solved"] for n, r in results[s].items()}
                for n in machines[s].propose(solved, bracket):
                    cfg = _trial_config(d, n, k, s, recipe, dtype_name)
                    cached = store.get(cfg) if store is not None else None
                    if cached is not None:
                        results[s][n] = cached
                    else:
                        todo.append((s, n, cfg))
            if not todo:
                if all(m.done for m in machines.values()):
                    break
                continue
            _launch(todo, d, k, recipe, dtype, memory_budget, store, results)
            bar.update(1)
    finally:
        bar.close()
    out = []
    for s in seeds:
        trials = [{"n": n, **r} for n, r in sorted(results[s].items())]
        solved = [t["n"] for t in trials if t["solved"]]
        failed = [t["n"] for t in trials if not t["solved"]]
        out.append(CriticalN(d=d, k=k, seed=s, largest_solved=max(solved) if solved else None,
                             first_failing=min(failed) if failed else None, trials=trials))
    return out


def _launch(todo, d, k, recipe, dtype, memory_budget, store, results):
    """One launch of every pending (seed, n): each trial's outcome is its solo outcome
    (:mod:`embtheory.signrank.solve` runs every n in its canonical shape)."""
    import jax

    ns = [n for _, n, _ in todo]
    keys = [jax.random.key(s) for s, _, _ in todo]
    out = solve_batch(ns, d, keys=keys, k=k, recipe=recipe, dtype=dtype, memory_budget=memory_budget)
    for (s, n, cfg), r in zip(todo, out):
        res = {f: getattr(r, f) for f in ("solved", "best_accuracy", "accuracy", "loss", "best_loss",
                                          "steps", "solved_step", "reason")}
        results[s][n] = res
        if store is not None:
            store.put(cfg, res, seed=s)

"""Critical-n searches: the official script's protocol exactly, a bracketed variant, and the
critical n as a probability over seeds.

A *trial* is one run of ``(n, d, k, seed, recipe, dtype)``; its key is ``jax.random.key(seed)``
(the official script's ``PRNGKey(seed)``) for every n, and its whole outcome depends on nothing
else (:mod:`embtheory.signrank.solve` runs every n in one canonical shape, members one after
another), so a trial's verdict is the same in a search, in a success curve, alone, or in a
results store written by another process.

``protocol="official"`` (default) evaluates exactly the n the official script
(google-deepmind/limit, ``free_embedding_experiment.py``) evaluates, in its order:

1. gallop from ``start``: if ``start`` solves, try ``start + 1, + 2, + 4, ...`` (each step from
   the last success) until one fails; otherwise walk down ``start - 1, - 2, - 4, ...`` (floored
   at 1) until one solves;
2. binary search on ``[last success, first failure]`` (``mid = (lo + hi) // 2``; a success moves
   ``lo`` to ``mid + 1`` and becomes the result, a failure moves ``hi`` to ``mid - 1``; results
   already known are reused, not re-run);
3. the sweep ``result - 4 .. result + 5`` (floored at 1), again reusing known results.

The binary search's result is what the official script logs as the critical n
(:attr:`CriticalN.official`).  Phases 1-2 are sequential (each n depends on the last verdict);
the sweep's runs are launched together, and the searches of several seeds advance in lockstep,
so one launch holds every seed's next runs.  Neither changes which n are evaluated or their
verdicts.  ``n <= k`` is decided without a run as the official script would: ``n < k`` has no
query (a failure), ``n == k`` has one query whose relevant set is every document (solved).

``protocol="bracketed"`` evaluates a bracket of candidates per launch (faster to the same
boundary when success is monotone; see :class:`_Seed`).

:func:`success_curve` runs every seed at every n of a grid and reports, per n, the fraction
solved with a Wilson interval, and the n where success crosses one half (a logistic fit) with a
bootstrap interval over seeds.  Both take a results store: every trial is one unit, reused when
present, never overwritten.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from embtheory.core.progress import progress as _progress
from embtheory.core.store import ResultStore, as_store
from embtheory.core.validation import (
    check_bool,
    check_float_dtype,
    check_int,
    check_int_sequence,
    check_key,
    check_probability,
    check_seed,
)
from embtheory.signrank.fits import logistic_n50, n50_bootstrap, wilson_interval
from embtheory.signrank.optimise import Recipe
from embtheory.signrank.solve import DEFAULT_TIME_LIMIT, check_time_limit, launch_rule, solve_batch

__all__ = ["PROTOCOLS", "PUBLISHED_FIT", "CriticalN", "OfficialSearch", "SuccessCurve", "critical_n",
           "default_start", "official_search", "success_curve"]

#: The paper's cubic fit of critical n against d (Weller et al. 2025, Fig. 2).
PUBLISHED_FIT = (-10.5322, 4.0309, 0.0520, 0.0037)

PROTOCOLS = ("official", "bracketed")

#: The official script's floor of the gallop down and the sweep.
MIN_N = 1

_RESULT_FIELDS = ("solved", "best_accuracy", "accuracy", "loss", "best_loss", "steps", "solved_step",
                  "reason", "margin")


def default_start(d: int, k: int = 2) -> int:
    """A starting n for the gallop: the published cubic at ``d`` (only where the search starts)."""
    d = check_int(d, "d", minimum=1)
    k = check_int(k, "k", minimum=1)
    c0, c1, c2, c3 = PUBLISHED_FIT
    return max(k + 2, round(c0 + c1 * d + c2 * d**2 + c3 * d**3))


class CriticalN(NamedTuple):
    """Outcome of one seed's search.

    Attributes:
        d: the embedding dimension.
        k: relevant documents per query.
        seed: the seed of the search.
        largest_solved: the largest n any trial solved (None if none; n <= k, decided without
            a run, never counts here or in ``first_failing``).
        first_failing: the smallest n any trial failed (None if none).
        official: the binary search's result, what the official script logs as the critical n
            (None under ``protocol="bracketed"`` or when nothing solved).
        monotone: every evaluated n up to ``largest_solved`` solved and every one above failed
            (``first_failing == largest_solved + 1``).
        sequence: the n in the order the protocol first evaluated them.
        trials: every trial, sorted by n: dicts with n, solved, best_accuracy, accuracy, loss,
            best_loss, steps, solved_step, reason, margin (the certified margin of the final
            embedding for solved trials, else None).
        protocol: ``"official"`` or ``"bracketed"``.
    """

    d: int
    k: int
    seed: int
    largest_solved: int | None
    first_failing: int | None
    official: int | None
    monotone: bool
    sequence: tuple[int, ...]
    trials: tuple[dict, ...]
    protocol: str = "official"


class OfficialSearch(NamedTuple):
    """The official protocol run over a verdict oracle (:func:`official_search`).

    Attributes:
        sequence: the n in the order first evaluated.
        verdicts: ``{n: solved}`` of every evaluated n.
        official: the binary search's result (None if no n solved).
        low, high: the gallop's bracket (last success, first failure; either may be None).
    """

    sequence: tuple[int, ...]
    verdicts: dict
    official: int | None
    low: int | None
    high: int | None


def _official_protocol(start: int, floor: int = MIN_N):
    """Generator of the official protocol.

    Yields lists of n to evaluate (one n in the gallop and binary phases, the sweep's list at
    the end) and receives ``{n: solved}`` for at least those n; returns ``(official, low, high)``.
    """

    def ev(n):
        verdicts = yield [n]
        return bool(verdicts[n])

    n_low = n_high = None
    if (yield from ev(start)):
        n_low, step = start, 1
        while True:
            n_test = n_low + step
            if (yield from ev(n_test)):
                n_low, step = n_test, step * 2
            else:
                n_high = n_test
                break
    else:
        n_high, step = start, 1
        while n_high > floor:
            n_test = max(n_high - step, floor)
            if not (yield from ev(n_test)):
                n_high, step = n_test, step * 2
                if n_test == floor:
                    break
            else:
                n_low = n_test
                break
    crit = n_low
    if n_low is not None and n_high is not None:
        lo, hi = n_low, n_high
        while lo <= hi:
            mid = (lo + hi) // 2
            if mid < floor:
                break
            if (yield from ev(mid)):
                crit, lo = mid, mid + 1
            else:
                hi = mid - 1
    if crit is not None:
        yield [max(crit + off, floor) for off in range(-4, 6)]
    return crit, n_low, n_high


def official_search(start: int, verdict, *, floor: int = MIN_N) -> OfficialSearch:
    """The official protocol over a verdict oracle ``verdict(n) -> bool`` (each n asked once).

    Pure Python: what :func:`critical_n` does with real runs, for checking the sequence.
    """
    start = check_int(start, "start", minimum=floor)
    known: dict[int, bool] = {}
    seq: list[int] = []
    gen = _official_protocol(start, floor)
    try:
        request = next(gen)
        while True:
            for n in request:
                if n not in known:
                    known[n] = bool(verdict(n))
                    seq.append(n)
            request = gen.send(known)
    except StopIteration as stop:
        crit, low, high = stop.value
    return OfficialSearch(sequence=tuple(seq), verdicts=dict(known), official=crit, low=low, high=high)


class _Official:
    """The official protocol of one seed, driven by :func:`critical_n`."""

    def __init__(self, start: int):
        self.gen = _official_protocol(start)
        self.request = next(self.gen)
        self.done = False
        self.official = None

    def propose(self, results: dict, bracket: int):
        del bracket
        while not self.done:
            todo = [n for n in self.request if n not in results]
            if todo:
                return list(dict.fromkeys(todo))
            try:
                self.request = self.gen.send(results)
            except StopIteration as stop:
                self.official = stop.value[0]
                self.done = True
        return []


def _walk(start: int, seq: list[int], results: dict, bracket: int, stop_at: bool):
    """Follows ``seq`` (after ``start``) to its first n whose verdict is ``stop_at``.

    Returns ``(pending, prev, n)``: ``pending`` the next unknown candidates of ``seq`` (at most
    ``bracket``; None once every n up to the stop is known), ``n`` the stop (None: not in ``seq``)
    and ``prev`` the n before it (``start`` if it is the first).
    """
    prev = start
    for n in seq:
        if n not in results:
            return [m for m in seq if m not in results][:bracket], None, None
        if bool(results[n]) == stop_at:
            return None, prev, n
        prev = n
    return None, prev, None


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
                if results[self.start]:  # up to the first failure
                    seq = self._gallop_up(self.start, 64)
                    pending, lo, n = _walk(self.start, seq, results, bracket, False)
                    if pending is not None:
                        return pending
                    if n is not None:
                        self.lo, self.hi = lo, n
                else:  # down to the first success (none: no n solves)
                    seq = self._gallop_down(self.start, 64)
                    pending, hi, n = _walk(self.start, seq, results, bracket, True)
                    if pending is not None:
                        return pending
                    self.lo, self.hi = n, hi
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


def _recipe_config(recipe: Recipe) -> dict:
    return {f: v for f, v in recipe._asdict().items() if f != "chunk_size" or v is not None}


def _trial_config(d, n, k, seed, recipe, dtype_name):
    """A trial's identity in the results store (launch-invariant trials under the padding rule of
    :func:`~embtheory.signrank.solve.launch_rule`)."""
    return {"experiment": "signrank-trial", "launch": launch_rule(n), "d": d, "n": n, "k": k, "seed": seed,
            "recipe": _recipe_config(recipe), "dtype": dtype_name}


def _check_seeds(seeds) -> list[int]:
    """Distinct integer seeds, one message for every function that takes ``seeds``."""
    if isinstance(seeds, jax.Array) and jax.dtypes.issubdtype(seeds.dtype, jax.dtypes.prng_key):
        check_seed(seeds, "seeds")  # names the fix: pass integer seeds, not keys
    return list(check_int_sequence(seeds, "seeds", minimum=0, maximum=2**32 - 1, unique=True))


def _check_recipe(recipe) -> Recipe:
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be an embtheory.signrank.Recipe, got {type(recipe).__name__}")
    return recipe.validated()


def _trivial(n: int, k: int) -> dict:
    """The verdict of ``n <= k`` without a run, as the official script reaches it."""
    solved = n == k  # one query whose relevant set is every document: its top k is all of them
    return {"solved": solved, "best_accuracy": 1.0 if solved else 0.0, "accuracy": 1.0 if solved else 0.0,
            "loss": None, "best_loss": None, "steps": 0,
            "solved_step": 0 if solved else -1,
            "reason": "trivial" if solved else "no queries", "margin": None}


class _Evaluator:
    """Runs pending (seed, n) trials: from the store when present, else in shared launches."""

    def __init__(self, d, k, recipe, dtype, memory_budget, store, certify_solved, time_limit):
        self.d, self.k, self.recipe, self.dtype = d, k, recipe, dtype
        self.dtype_name = jnp.dtype(dtype).name
        self.memory_budget, self.store, self.certify_solved = memory_budget, store, certify_solved
        self.time_limit = time_limit
        self.launches = 0

    def config(self, seed, n):
        return _trial_config(self.d, n, self.k, seed, self.recipe, self.dtype_name)

    def __call__(self, pending, results):
        """``pending``: (seed, n) pairs; fills ``results[seed][n]``."""
        todo = []
        for s, n in pending:
            if n in results[s]:
                continue
            if n <= self.k:
                results[s][n] = _trivial(n, self.k)
                continue
            cfg = self.config(s, n)
            cached = self.store.get(cfg) if self.store is not None else None
            if cached is not None:
                results[s][n] = {f: cached.get(f) for f in _RESULT_FIELDS}
            elif (s, n) not in todo:
                todo.append((s, n))
        if not todo:
            return
        # a float32 trial runs with x64 off whatever the caller's flag (with it on, the optimiser's
        # scalars are float64 and the trial's numbers change; the flag is not part of its key)
        with jax.enable_x64(self.dtype_name == "float64"):
            out = solve_batch([n for _, n in todo], self.d, keys=[jax.random.key(s) for s, _ in todo],
                              k=self.k, recipe=self.recipe, dtype=self.dtype,
                              memory_budget=self.memory_budget, return_embeddings=self.certify_solved,
                              time_limit=self.time_limit)
        self.launches += 1
        for (s, n), r in zip(todo, out):
            margin = None
            if self.certify_solved and r.solved:
                from embtheory.signrank.certify import certify

                # the certificate in the trial's own dtype (rounding-aware), whatever the caller's
                # x64 flag: a stored margin must not depend on it, as it is not part of the unit's key
                wide = self.dtype_name == "float64"
                with jax.enable_x64(wide):
                    margin = float(certify(r.q, r.d, k=self.k, dtype=np.dtype(self.dtype_name)).margin)
            res = {f: getattr(r, f) for f in _RESULT_FIELDS if f != "margin"}
            res["margin"] = margin
            results[s][n] = res
            if self.store is not None:
                self.store.put(self.config(s, n), res, seed=s)


def critical_n(d: int, *, k: int = 2, seeds: Sequence[int] = (42,), loss: str = "infonce",
               recipe: Recipe | None = None, start_n: int | None = None, protocol: str = "official",
               bracket: int = 4, store: ResultStore | str | None = None, memory_budget: float | None = None,
               dtype=jnp.float32, progress: bool = False, max_rounds: int = 256,
               certify_solved: bool = True, time_limit: float | None = DEFAULT_TIME_LIMIT) -> list[CriticalN]:
    """The critical n at dimension ``d`` for each seed.

    Args:
        d: embedding dimension.
        k: relevant documents per query.
        seeds: one search per seed (distinct); the run key of seed ``s`` is ``jax.random.key(s)``
            for every n (as the official script, whose default seed is 42).
        loss: the loss when ``recipe`` is None (the official recipe otherwise).
        recipe: full hyper-parameters (e.g. ``Recipe(stop_rule="loss_and_accuracy",
            max_steps=200_000)`` for the accuracy-aware stopping rule).
        start_n: where the gallop starts (default :func:`default_start`; the official script's
            ``--enable_critical_n_search``).
        protocol: ``"official"`` (the official script's sequence of n, see the module docstring)
            or ``"bracketed"`` (``bracket`` candidates per seed per launch).
        bracket: candidates per seed per launch under ``"bracketed"``.
        store: results store (a :class:`~embtheory.core.ResultStore` or a directory path);
            every trial is a unit and is reused when present.
        memory_budget: bytes one launch may hold (never changes a result).
        dtype: float32 (the paper) or float64 (needs x64).
        progress: print a progress bar over launches.
        max_rounds: safety bound on launches.
        certify_solved: back every solved verdict by :func:`embtheory.signrank.certify.certify`
            of its final embedding (the trial's ``margin``); the verdict itself stays the
            official rule (some accuracy check saw 1.0).
        time_limit: seconds one trial may take at the recipe's step cap (a lower bound at the
            platform's assumed rate, see :func:`embtheory.signrank.solve_batch`); a trial past it
            is refused before it starts.  None: no limit.

    Returns:
        One :class:`CriticalN` per seed, in the order of ``seeds``.
    """
    d = check_int(d, "d", minimum=1)
    k = check_int(k, "k", minimum=1)
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {list(PROTOCOLS)}, got {protocol!r}")
    bracket = check_int(bracket, "bracket", minimum=1)
    max_rounds = check_int(max_rounds, "max_rounds", minimum=1)
    seeds = _check_seeds(seeds)
    dtype = check_float_dtype(dtype)
    progress = check_bool(progress, "progress")
    certify_solved = check_bool(certify_solved, "certify_solved")
    recipe = _check_recipe(Recipe(loss=loss) if recipe is None else recipe)
    store = as_store(store)
    floor = MIN_N if protocol == "official" else k + 1
    start = default_start(d, k) if start_n is None else check_int(start_n, "start_n", minimum=floor)
    results: dict[int, dict[int, dict]] = {s: {} for s in seeds}
    order: dict[int, list[int]] = {s: [] for s in seeds}
    machines = {s: (_Official(start) if protocol == "official" else _Seed(start, k)) for s in seeds}
    evaluate = _Evaluator(d, k, recipe, dtype, memory_budget, store, certify_solved,
                          check_time_limit(time_limit))
    bar = _progress(total=None, desc=f"critical n, d={d}", enabled=progress, unit="launch")
    try:
        for _ in range(max_rounds):
            pending = []
            for s in seeds:
                if machines[s].done:
                    continue
                solved = {n: r["solved"] for n, r in results[s].items()}
                for n in machines[s].propose(solved, bracket):
                    pending.append((s, n))
                    if n not in order[s]:
                        order[s].append(n)
            if not pending:
                if all(m.done for m in machines.values()):
                    break
                continue
            evaluate(pending, results)
            bar.update(1)
        else:
            raise RuntimeError(f"critical_n did not finish within max_rounds={max_rounds} launches: raise it")
    finally:
        bar.close()
    out = []
    for s in seeds:
        trials = tuple({"n": n, **r} for n, r in sorted(results[s].items()))
        solved = [t["n"] for t in trials if t["solved"] and t["n"] > k]  # n <= k: no run, no say
        failed = [t["n"] for t in trials if not t["solved"] and t["n"] > k]
        hi = max(solved) if solved else None
        lo = min(failed) if failed else None
        out.append(CriticalN(d=d, k=k, seed=s, largest_solved=hi, first_failing=lo,
                             official=machines[s].official if protocol == "official" else None,
                             monotone=hi is None or lo is None or lo == hi + 1,
                             sequence=tuple(order[s]), trials=trials, protocol=protocol))
    return out


class SuccessCurve(NamedTuple):
    """The critical n as a probability over seeds (:func:`success_curve`).

    Attributes:
        d, k: dimension and relevant documents per query.
        ns: ``[p]`` the document counts, increasing.
        seeds: the seeds (one trial per seed and n).
        solved: ``[p, s]`` bool verdicts (the official rule).
        fraction: ``[p]`` fraction of seeds solved.
        lo, hi: ``[p]`` Wilson score interval of the fraction at ``level``.
        n50: the n where the fitted logistic success probability is one half.
        n50_lo, n50_hi: bootstrap interval of ``n50`` over seeds (resampled with replacement).
        slope: the logistic slope per document (negative: success falls with n).
        level: the confidence level of both intervals.
        trials: ``[p][s]`` the trial results (dicts as :attr:`CriticalN.trials`).
        n50_samples: ``[num_bootstrap]`` the bootstrap's n50 values (NaN: no crossing).
    """

    d: int
    k: int
    ns: tuple[int, ...]
    seeds: tuple[int, ...]
    solved: np.ndarray
    fraction: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n50: float
    n50_lo: float
    n50_hi: float
    slope: float
    level: float
    trials: tuple
    n50_samples: np.ndarray


def _curve_manifest(d, k, dtype_name):
    return {"experiment": "signrank-success-curve-recipe", "d": d, "k": k, "dtype": dtype_name}


def success_curve(d: int, ns: Sequence[int], *, seeds: Sequence[int], k: int = 2,
                  recipe: Recipe | None = None, store: ResultStore | str | None = None, key=None,
                  num_bootstrap: int = 1000, level: float = 0.95,
                  dtype=jnp.float32, memory_budget: float | None = None, certify_solved: bool = False,
                  progress: bool = False, time_limit: float | None = DEFAULT_TIME_LIMIT) -> SuccessCurve:
    """Fraction of seeds that solve each n at dimension ``d``, and the n50 crossing.

    Args:
        d: embedding dimension.
        ns: increasing document counts, each > k.
        seeds: distinct integer seeds (a trial's key is ``jax.random.key(seed)``).
        k: relevant documents per query.
        recipe: hyper-parameters (default the official recipe).
        store: results store (a store or a directory path): one unit per trial (shared with
            :func:`critical_n`), reused when present, never overwritten.  A store whose curve at
            this ``d`` was run with another recipe is refused (pass the same ``recipe`` or another store).
        key: PRNG key of the bootstrap over seeds (default ``jax.random.key(0)``).
        num_bootstrap: bootstrap resamples of the seeds.
        level: confidence level of the Wilson and bootstrap intervals.
        dtype: float32 or float64 (needs x64).
        memory_budget: bytes one launch may hold (never changes a result).
        certify_solved: certify each solved trial's final embedding (its ``margin``).
        progress: a progress bar over launches.
        time_limit: seconds one trial may take at the recipe's step cap (see :func:`critical_n`).

    Returns:
        A :class:`SuccessCurve`.
    """
    d = check_int(d, "d", minimum=1)
    k = check_int(k, "k", minimum=1)
    seeds = _check_seeds(seeds)
    try:
        ns = list(check_int_sequence(ns, "ns", minimum=k + 1))
    except ValueError as e:
        raise ValueError(f"ns must be document counts > k = {k}: {e}") from None
    if any(b <= a for a, b in itertools.pairwise(ns)):
        raise ValueError(f"ns must be strictly increasing, got {ns}")
    num_bootstrap = check_int(num_bootstrap, "num_bootstrap", minimum=10)
    level = check_probability(level, "level")
    dtype = check_float_dtype(dtype)
    progress = check_bool(progress, "progress")
    certify_solved = check_bool(certify_solved, "certify_solved")
    recipe = _check_recipe(Recipe() if recipe is None else recipe)
    key = jax.random.key(0) if key is None else check_key(key, "key")  # before any trial runs
    store = as_store(store)
    if store is not None:
        manifest = _curve_manifest(d, k, dtype.name)
        have = store.get(manifest)
        want = _recipe_config(recipe)
        if have is not None and have.get("recipe") != json_canonical(want):
            raise ValueError(f"store already holds a success curve at d={d}, k={k} run with another recipe "
                             f"({have.get('recipe')}); pass recipe= with that recipe, or another store "
                             f"(nothing stored was changed)")
        if have is None:
            store.put(manifest, {"recipe": want})
    results: dict[int, dict[int, dict]] = {s: {} for s in seeds}
    evaluate = _Evaluator(d, k, recipe, dtype, memory_budget, store, certify_solved,
                          check_time_limit(time_limit))
    from embtheory.signrank.solve import canonical_shape

    groups: dict = {}
    for n in ns:  # one call per canonical shape: its trials are stored as soon as it returns
        shape = canonical_shape(n, k, itemsize=dtype.itemsize, chunk_size=recipe.chunk_size)
        groups.setdefault(shape, []).append(n)
    bar = _progress(total=len(ns), desc=f"success curve, d={d}", enabled=progress, unit="n")
    try:
        for group in groups.values():
            evaluate([(s, n) for n in group for s in seeds], results)
            bar.update(len(group))
    finally:
        bar.close()
    solved = np.array([[bool(results[s][n]["solved"]) for s in seeds] for n in ns])
    frac = solved.mean(axis=1)
    lo, hi = wilson_interval(solved.sum(axis=1), len(seeds), level=level)
    x = np.asarray(ns, float)
    fit = logistic_n50(x, solved)
    boot = n50_bootstrap(x, solved, key=key, num=num_bootstrap, level=level)
    trials = tuple(tuple({"n": n, "seed": s, **results[s][n]} for s in seeds) for n in ns)
    return SuccessCurve(d=d, k=k, ns=tuple(ns), seeds=tuple(seeds), solved=solved, fraction=frac, lo=lo,
                        hi=hi, n50=fit.n50, n50_lo=boot.lo, n50_hi=boot.hi, slope=fit.slope,
                        level=float(level), trials=trials, n50_samples=boot.samples)


def json_canonical(obj):
    """``obj`` as the store gives it back (JSON round trip of the canonical form)."""
    import json

    from embtheory.core.store import to_jsonable

    return json.loads(json.dumps(to_jsonable(obj)))

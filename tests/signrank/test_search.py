import jax
import numpy as np
import pytest

from embtheory.core import ResultStore
from embtheory.signrank import Recipe, critical_n, default_start
from embtheory.signrank import search as search_mod
from embtheory.signrank.search import _Seed, official_search


def reference_official(oracle, start, floor=3):
    """The official protocol written from its description, sequentially, each n evaluated once.

    Gallop from ``start``: up by 1, 2, 4, ... while solved, else down by 1, 2, 4, ... (never below
    ``floor``) until solved; then a binary search between the last success and the first failure;
    then a sweep of crit - 4 .. crit + 5.  Returns ``{n: solved}`` in the order first evaluated.
    """
    seen = {}

    def ev(n):
        if n not in seen:
            seen[n] = bool(oracle(n))
        return seen[n]

    low, high = (start, None) if ev(start) else (None, start)
    step = 1
    while low is not None and high is None:  # up
        n = low + step
        low, high, step = (n, None, 2 * step) if ev(n) else (low, n, step)
    while high is not None and low is None and high > floor:  # down
        n = max(high - step, floor)
        low, high, step = (n, high, step) if ev(n) else (None, n, 2 * step)
    crit, lo, hi = low, low, high
    while None not in (low, high) and lo <= hi:
        mid = (lo + hi) // 2
        crit, lo, hi = (mid, mid + 1, hi) if ev(mid) else (crit, lo, mid - 1)
    for n in range(crit - 4, crit + 6) if crit is not None else ():
        ev(max(n, floor))
    return seen


def drive(oracle, start, bracket):
    machine, results, rounds = _Seed(start, 2), {}, 0
    while not machine.done:
        todo = machine.propose(results, bracket)
        for n in todo:
            results[n] = oracle(n)
        rounds += 1
        assert rounds < 200
    return results, rounds


@pytest.mark.parametrize("threshold", [4, 9, 10, 37, 120, 626])
@pytest.mark.parametrize("bracket", [1, 4, 8])
@pytest.mark.parametrize("start_shift", [-30, -1, 0, 3, 50])
def test_bracketed_search_finds_the_same_boundary_as_the_official(threshold, bracket, start_shift):
    def oracle(n):
        return n <= threshold

    start = max(3, threshold + start_shift)
    ref = reference_official(oracle, start)
    ours, _ = drive(oracle, start, bracket)
    for seen in (ref, ours):
        assert max(n for n, ok in seen.items() if ok) == threshold
        assert min(n for n, ok in seen.items() if not ok) == threshold + 1


def test_bracket_cuts_launches():
    _, one = drive(lambda n: n <= 300, 100, 1)
    _, eight = drive(lambda n: n <= 300, 100, 8)
    assert eight < one


def test_default_start_and_errors():
    # the published cubic at d = 45 (only a starting point)
    assert default_start(45) == round(-10.5322 + 4.0309 * 45 + 0.0520 * 45**2 + 0.0037 * 45**3)
    assert default_start(1) == 4
    with pytest.raises(ValueError, match="seeds"):
        critical_n(4, seeds=[])
    with pytest.raises(ValueError, match="seeds must not repeat a value"):
        critical_n(4, seeds=[1, 2, 1])
    with pytest.raises(TypeError, match="seeds must be a sequence of ints"):
        critical_n(4, seeds=42)
    with pytest.raises(ValueError, match="seeds"):
        critical_n(4, seeds=[-1])
    with pytest.raises(ValueError, match="protocol must be one of"):
        critical_n(4, protocol="paper")
    with pytest.raises(ValueError, match="bracket"):
        critical_n(4, bracket=0, protocol="bracketed")


# --- the official protocol ----------------------------------------------------------------------

def test_official_sequence_of_references_d4_start7():
    # REFERENCES: the official d = 4 search from n = 7 (seed 42) evaluates 7, 8, 10, 9, 5, 6, 11..14
    out = official_search(7, lambda n: n <= 9)
    assert out.sequence == (7, 8, 10, 9, 5, 6, 11, 12, 13, 14)
    assert out.official == 9 and (out.low, out.high) == (8, 10)


@pytest.mark.parametrize("start", [1, 2, 3, 5, 7, 11, 30, 64])
@pytest.mark.parametrize("pattern", ["threshold", "holes", "never", "always", "random"])
def test_official_search_matches_a_sequential_reference(start, pattern):
    rng = np.random.default_rng(start)
    table = {n: bool(rng.random() < 0.6) for n in range(0, 400)}
    oracle = {"threshold": lambda n: n <= 17, "holes": lambda n: n <= 20 and n not in (9, 14, 15),
              "never": lambda n: False, "always": lambda n: n <= 300, "random": table.__getitem__}[pattern]
    ref = reference_official(oracle, start, floor=1)
    out = official_search(start, oracle)
    assert out.sequence == tuple(ref)  # same n, same order (the reference records first evaluations)
    assert out.verdicts == ref


class FakeSolver:
    """A stand-in for solve_batch: verdict = n <= threshold(seed); records every launch."""

    def __init__(self, threshold):
        self.threshold, self.launches = threshold, []

    def __call__(self, ns, dim, *, keys, return_embeddings=False, **kw):
        import jax

        from embtheory.signrank import SolveResult

        seeds = [int(np.asarray(jax.random.key_data(k))[-1]) for k in keys]
        self.launches.append(list(zip(seeds, ns)))
        out = []
        for s, n in zip(seeds, ns):
            ok = n <= self.threshold(s)
            out.append(SolveResult(solved=ok, best_accuracy=1.0 if ok else 0.9, accuracy=1.0 if ok else 0.9,
                                   loss=1.0, best_loss=1.0, steps=100, reason="solved" if ok else "plateau",
                                   solved_step=51 if ok else -1))
        return out


def test_critical_n_official_protocol_with_a_fake_solver(tmp_path, monkeypatch):
    fake = FakeSolver(lambda s: {1: 9, 2: 12, 3: 5}[s])
    monkeypatch.setattr(search_mod, "solve_batch", fake)
    store = ResultStore(tmp_path)
    res = critical_n(4, seeds=[1, 2, 3], start_n=7, store=store, certify_solved=False)
    for r, thr in zip(res, [9, 12, 5]):
        ref = official_search(7, lambda n, t=thr: n <= t)
        assert r.sequence == ref.sequence
        assert r.official == ref.official == thr
        assert (r.largest_solved, r.first_failing, r.monotone) == (thr, thr + 1, True)
        assert [t["n"] for t in r.trials] == sorted(ref.sequence)
    # lockstep: a launch holds every running seed's next n; the sweep of a seed is one launch
    assert all(len({s for s, _ in launch}) == len(launch) or len(launch) > 3 for launch in fake.launches)
    sweeps = [launch for launch in fake.launches if len(launch) > 3]
    assert sweeps, fake.launches
    # resume: nothing runs again
    monkeypatch.setattr(search_mod, "solve_batch", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    again = critical_n(4, seeds=[1, 2, 3], start_n=7, store=store, certify_solved=False)
    assert [a.trials for a in again] == [r.trials for r in res]
    assert isinstance(res[0], tuple) and res[0].official == res[0][5]  # a NamedTuple


@pytest.mark.slow
def test_critical_n_d4_seed42_official_reproduces_the_official_script(tmp_path):
    # REFERENCES: the official script at d = 4, start 7, seed 42 evaluates 7, 8, 10, 9, 5, 6, 11..14
    # with best accuracies 1, 1, 0.978, 1, 1, 1, 0.945, 0.917, 0.917, 0.885 (solves 9, fails 10)
    (res,) = critical_n(4, seeds=[42], start_n=7, protocol="official")
    assert res.sequence == (7, 8, 10, 9, 5, 6, 11, 12, 13, 14)
    assert res.official == 9 and res.largest_solved == 9 and res.first_failing == 10 and res.monotone
    acc = {t["n"]: t["best_accuracy"] for t in res.trials}
    want = {7: 1, 8: 1, 10: 0.978, 9: 1, 5: 1, 6: 1, 11: 0.945, 12: 0.917, 13: 0.917, 14: 0.885}
    for n, a in want.items():
        assert acc[n] == pytest.approx(a, abs=6e-4), n
    assert all(t["margin"] > 0 for t in res.trials if t["solved"])


@pytest.mark.slow
def test_critical_n_d4_boundary_real_runs(tmp_path):
    # the d = 4, seed 42 boundary from the official script: solves 9, fails 10 (two real trials,
    # started at 9 so that the gallop stops at once); the certificate backs the solved verdict
    store = ResultStore(tmp_path)
    (res,) = critical_n(4, seeds=[42], start_n=9, store=store, protocol="official")
    verdict = {t["n"]: t["solved"] for t in res.trials}
    assert verdict[9] and not verdict[10]
    assert res.official == 9
    assert all(t["margin"] is not None and t["margin"] > 0 for t in res.trials if t["solved"] and t["n"] > 2)
    assert len(store) == len([t for t in res.trials if t["n"] > 2])


# --- success curves -------------------------------------------------------------------------------

def test_success_curve_with_a_fake_solver(tmp_path, monkeypatch):
    from scipy.stats import binomtest

    from embtheory.signrank import success_curve

    thresholds = {s: 10 + (s % 5) for s in range(10)}  # seeds solve up to 10..14
    fake = FakeSolver(thresholds.__getitem__)
    monkeypatch.setattr(search_mod, "solve_batch", fake)
    store = ResultStore(tmp_path)
    ns = [9, 10, 11, 12, 13, 14, 15, 16]
    cur = success_curve(4, ns, seeds=list(range(10)), store=store, key=jax.random.key(1), num_bootstrap=200)
    want = np.array([[n <= thresholds[s] for s in range(10)] for n in ns])
    np.testing.assert_array_equal(cur.solved, want)
    np.testing.assert_allclose(cur.fraction, want.mean(1))
    for i, x in enumerate(want.sum(1)):
        ci = binomtest(int(x), 10).proportion_ci(confidence_level=0.95, method="wilson")
        assert cur.lo[i] == pytest.approx(ci.low, abs=1e-9) and cur.hi[i] == pytest.approx(ci.high, abs=1e-9)
    # success falls from 1 (n <= 10) to 0 (n >= 15) evenly: the crossing is near 12.5
    assert 12.0 < cur.n50 < 13.0 and cur.n50_lo <= cur.n50 <= cur.n50_hi and cur.slope < 0
    assert len(store) == len(ns) * 10 + 1  # one unit per trial, plus the curve's recipe
    # resumable: a second call runs nothing
    monkeypatch.setattr(search_mod, "solve_batch", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    again = success_curve(4, ns, seeds=list(range(10)), store=store, key=jax.random.key(1), num_bootstrap=200)
    np.testing.assert_array_equal(again.solved, cur.solved)
    assert again.n50 == cur.n50 and again.n50_lo == cur.n50_lo
    # another recipe on the same store: refused, naming the argument, nothing changed
    before = sorted(p.read_bytes() for p in (tmp_path / "records").glob("*.json"))
    with pytest.raises(ValueError, match="recipe="):
        success_curve(4, ns, seeds=[0, 1], store=store, recipe=Recipe(patience=500))
    assert sorted(p.read_bytes() for p in (tmp_path / "records").glob("*.json")) == before


def test_success_curve_bad_input():
    from embtheory.signrank import success_curve

    with pytest.raises(ValueError, match="strictly increasing"):
        success_curve(4, [8, 7], seeds=[1])
    with pytest.raises(ValueError, match="> k"):
        success_curve(4, [2, 5], seeds=[1])
    with pytest.raises(ValueError, match="seeds must not repeat a value"):
        success_curve(4, [5, 6], seeds=[1, 1])
    with pytest.raises(ValueError, match="seeds"):
        success_curve(4, [5, 6], seeds=[])


def test_min_dimension_refuses_a_scalar_dims():
    from embtheory.signrank import min_dimension

    with pytest.raises(TypeError, match="dims must be a sequence of ints"):
        min_dimension(4, dims=5)


def test_critical_n_opens_a_store_given_as_a_path(tmp_path, monkeypatch):
    monkeypatch.setattr(search_mod, "solve_batch", FakeSolver(lambda s: 9))
    path = tmp_path / "store"
    first = critical_n(4, seeds=[1], start_n=7, store=str(path), certify_solved=False)
    assert first[0].official == 9
    assert ResultStore(path).records()  # every trial landed in the store at that path
    monkeypatch.setattr(search_mod, "solve_batch", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    again = critical_n(4, seeds=[1], start_n=7, store=path, certify_solved=False)
    assert again[0].trials == first[0].trials


def test_success_curve_opens_a_store_given_as_a_path(tmp_path, monkeypatch):
    from embtheory.signrank import success_curve

    monkeypatch.setattr(search_mod, "solve_batch", FakeSolver(lambda s: 6 + s % 3))
    cur = success_curve(4, [5, 6, 7, 8, 9], seeds=list(range(6)), store=str(tmp_path), num_bootstrap=20)
    monkeypatch.setattr(search_mod, "solve_batch", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    again = success_curve(4, [5, 6, 7, 8, 9], seeds=list(range(6)), store=tmp_path, num_bootstrap=20)
    np.testing.assert_array_equal(again.solved, cur.solved)


def test_success_curve_level_must_be_a_number():
    from embtheory.signrank import success_curve

    with pytest.raises(TypeError, match="level must be a real number"):
        success_curve(4, [5, 6], seeds=[1], level="a")
    with pytest.raises(ValueError, match="level must be in"):
        success_curve(4, [5, 6], seeds=[1], level=1.5)


@pytest.mark.parametrize("field", ["max_steps", "patience", "check_every", "accuracy_patience"])
def test_step_counts_past_int32_are_refused(field):
    from embtheory.signrank import success_curve

    recipe = Recipe(**{field: 2**31})
    with pytest.raises(ValueError, match=f"{field} must be <= 2147483647"):
        critical_n(4, recipe=recipe)
    with pytest.raises(ValueError, match=f"{field} must be <= 2147483647"):
        success_curve(4, [5, 6], seeds=[1], recipe=recipe)


def test_typed_keys_where_seeds_are_expected_are_refused():
    from embtheory.signrank import min_dimension, success_curve

    key = jax.random.key(0)
    for seeds in ([key], key, jax.random.split(key, 2)):
        with pytest.raises(TypeError, match="typed PRNG key"):
            critical_n(4, seeds=seeds)
        with pytest.raises(TypeError, match="typed PRNG key"):
            success_curve(4, [5, 6], seeds=seeds)
        with pytest.raises(TypeError, match="typed PRNG key"):
            min_dimension(6, dims=[3], seeds=seeds)


def test_duplicate_seeds_are_refused_alike_by_every_search():
    from embtheory.signrank import min_dimension, success_curve

    messages = []
    for call in (lambda: critical_n(4, seeds=[3, 1, 3]),
                 lambda: success_curve(4, [5, 6], seeds=[3, 1, 3]),
                 lambda: min_dimension(6, dims=[3], seeds=[3, 1, 3])):
        with pytest.raises(ValueError, match="seeds must not repeat a value") as err:
            call()
        messages.append(str(err.value))
    assert len(set(messages)) == 1, messages


def test_success_curve_refuses_a_bad_key_before_any_trial(monkeypatch):
    from embtheory.signrank import success_curve

    monkeypatch.setattr(search_mod, "solve_batch", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    for bad in (0, "key", np.zeros(3)):
        with pytest.raises(TypeError, match="key"):
            success_curve(4, [5, 6], seeds=[1, 2], key=bad)


def test_gpu_script_dry_run(tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHON=sys.executable, JAX_PLATFORMS="cpu", COMPILE_CACHE="")
    proc = subprocess.run(["bash", str(root / "benchmarks/gpu/signrank.sh"), "--dry-run", str(tmp_path)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(x) for x in (tmp_path / "signrank_gpu.jsonl").read_text().splitlines()]
    events = [r["event"] for r in rows]
    assert events == ["start", "curve", "search", "done"]
    curve, search = rows[1], rows[2]
    assert curve["d"] == 4 and len(curve["fraction"]) == 3 and curve["total_steps"] > 0
    assert search["d"] == 4 and search["sequence"][0] == 10  # started at the paper's value


def _compiled_programs(call):
    """Names of the XLA programs ``call()`` compiles from cold (every cache cleared first)."""
    import importlib
    import logging

    solve_module = importlib.import_module("embtheory.signrank.solve")
    names = []

    class Record(logging.Handler):
        def emit(self, record):
            msg = record.getMessage()
            if msg.startswith("Finished XLA compilation of "):
                names.append(msg.split()[4])

    jax.clear_caches()
    solve_module._launcher.cache_clear()
    handler, logger = Record(), logging.getLogger("jax")
    logger.addHandler(handler)
    try:
        with jax.log_compiles(True):
            out = call()
    finally:
        logger.removeHandler(handler)
    return out, names


def test_a_search_compiles_one_program_per_shape_whatever_it_visits():
    from embtheory.signrank.solve import canonical_shape

    # 60 steps: the search walks down through 3 n of one shape; 400: it gallops, bisects and
    # sweeps through 10 n of two shapes
    for steps, visited in ((60, 3), (400, 10)):
        (res,), names = _compiled_programs(lambda steps=steps: critical_n(
            4, seeds=[42], start_n=7, recipe=Recipe(max_steps=steps), certify_solved=False))
        assert len([n for n in res.sequence if n > 2]) == visited, res.sequence
        shapes = {canonical_shape(n) for n in res.sequence if n > 2}
        assert len(shapes) == 1  # every n up to 16 is padded to 16 documents (MIN_BUCKET)
        # the optimiser: its start and its segment program, once per shape
        assert names.count("jit(start)") == names.count("jit(step_to)") == len(shapes), (res.sequence, names)
        # besides the optimiser: key seeding and argument staging only, never one per n
        assert len(names) - 2 * len(shapes) <= 3, names


def test_small_trials_are_padded_to_16_documents_and_their_key_says_so():
    from embtheory.signrank import OFFICIAL
    from embtheory.signrank.search import _trial_config
    from embtheory.signrank.solve import MIN_BUCKET, canonical_shape

    assert MIN_BUCKET == 16
    assert {canonical_shape(n, k).n_pad for k in (1, 2, 3) for n in range(k + 1, 17)} == {16}
    assert canonical_shape(17).n_pad == 24 and canonical_shape(130).n_pad == 144  # unchanged past 16
    # n <= 8 ran padded to 8 documents before: a record of that padding is never read back
    launch = {n: _trial_config(4, n, 2, 42, OFFICIAL, "float32")["launch"] for n in (3, 8, 9, 16, 40)}
    assert launch == {3: "canonical-16", 8: "canonical-16", 9: "canonical", 16: "canonical", 40: "canonical"}


def test_official_min_dimension_keys_of_small_qrels_name_their_padding(tmp_path):
    from embtheory.signrank import min_dimension

    store = ResultStore(tmp_path)
    for qrels in ([[0, 1], [2], [1, 3]], [[i, (i + 1) % 9] for i in range(9)]):  # 4 and 9 documents
        min_dimension(qrels=qrels, dims=[3], seeds=[0], recipe=Recipe(max_steps=50), store=store)
    launch = {r["config"]["n"]: r["config"].get("launch") for r in store.records()}
    assert launch == {4: "canonical-16", 9: None}  # a key of n >= 9 is what it was


def test_returning_embeddings_compiles_nothing_per_n():
    from embtheory.signrank import solve_batch

    ns = [3, 4, 5, 6, 7, 8]  # one canonical shape
    out, names = _compiled_programs(lambda: solve_batch(ns, 3, keys=list(range(len(ns))),
                                                        recipe=Recipe(max_steps=20), return_embeddings=True))
    assert [r.d.shape for r in out] == [(n, 3) for n in ns]
    assert names.count("jit(start)") == names.count("jit(step_to)") == 1
    assert len(names) <= 5, names


def test_runs_past_the_time_limit_are_refused_before_they_start(monkeypatch):
    from embtheory.signrank import min_dimension, solve, success_curve
    from embtheory.signrank.frontier import run_frontier

    started = []
    monkeypatch.setattr(search_mod, "solve_batch",
                        lambda *a, **kw: started.append(1) or pytest.fail("a refused search ran"))
    # n = 30 in d = 8 at 100,000 steps: 435 queries (448 padded) x 32 documents x 8 x 10 operations a
    # step, 1.1e11 in all, about a second at the assumed CPU rate: a millisecond's limit refuses it
    with pytest.raises(TimeoutError, match=r"solving n=30 .* over time_limit=0.001 s: lower the recipe"):
        solve(30, 8, key=0, time_limit=1e-3)
    with pytest.raises(TimeoutError, match="your 3 queries over 4 documents"):
        solve(qrels=[[0, 1], [2], [1, 3]], dim=3, key=0, time_limit=1e-9)
    frontier_message = r"frontier run of 100,000 steps over 435 queries x 30 documents in d=8"
    with pytest.raises(TimeoutError, match=frontier_message):
        run_frontier(30, 8, key=jax.random.key(0), time_limit=1e-3)
    with pytest.raises(TimeoutError, match="in d=8"):  # the largest first, before any run starts
        min_dimension(30, dims=[5, 8], time_limit=1e-3)
    with pytest.raises(TimeoutError, match="solving n=30"):
        min_dimension(30, dims=[5], recipe=Recipe(), time_limit=1e-3)
    with pytest.raises(ValueError, match=r"time_limit must be in \(0, inf\)"):
        critical_n(4, time_limit=0)
    assert started == []
    monkeypatch.undo()
    with pytest.raises(TimeoutError, match="solving n=30"):
        critical_n(8, start_n=30, time_limit=1e-3)
    with pytest.raises(TimeoutError, match="solving n=30"):
        success_curve(8, [30], seeds=[0], time_limit=1e-3)
    # the limit is a bound on the cap, not a run: None lifts it, and a run that fits goes ahead
    assert solve(30, 8, key=0, max_steps=50, time_limit=None).steps <= 50
    assert solve(30, 8, key=0, max_steps=50, time_limit=1e-3).steps <= 50  # 50 steps fit in a millisecond

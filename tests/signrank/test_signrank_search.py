import pytest

from embtheory.core import ResultStore
from embtheory.signrank import critical_n, default_start
from embtheory.signrank import search as search_mod
from embtheory.signrank.search import _Seed


def official_search(oracle, start, floor=3):
    """The official script's gallop + binary search + sweep, sequential, over an oracle n -> bool."""
    seen = {}

    def ev(n):
        seen.setdefault(n, oracle(n))
        return seen[n]

    n_low = n_high = None
    if ev(start):
        n_low, step = start, 1
        while True:
            t = n_low + step
            if ev(t):
                n_low, step = t, step * 2
            else:
                n_high = t
                break
    else:
        n_high, step = start, 1
        while n_high > floor:
            t = max(n_high - step, floor)
            if not ev(t):
                n_high, step = t, step * 2
                if t == floor:
                    break
            else:
                n_low = t
                break
    crit = n_low
    if n_low is not None and n_high is not None:
        lo, hi = n_low, n_high
        while lo <= hi:
            mid = (lo + hi) // 2
            if ev(mid):
                crit, lo = mid, mid + 1
            else:
                hi = mid - 1
    if crit is not None:
        for off in range(-4, 6):
            ev(max(crit + off, floor))
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
    ref = official_search(oracle, start)
    ours, _ = drive(oracle, start, bracket)
    for seen in (ref, ours):
        assert max(n for n, ok in seen.items() if ok) == threshold
        assert min(n for n, ok in seen.items() if not ok) == threshold + 1


def test_bracket_cuts_launches():
    _, one = drive(lambda n: n <= 300, 100, 1)
    _, eight = drive(lambda n: n <= 300, 100, 8)
    assert eight < one


def test_critical_n_d4_seed42_and_resume(tmp_path, monkeypatch):
    store = ResultStore(tmp_path)
    (res,) = critical_n(4, seeds=[42], store=store, start_n=8)
    # the official script with seed 42: solved n = 9, failed n = 10
    assert res.largest_solved == 9 and res.first_failing == 10 and res.monotone
    assert all(t["steps"] > 0 for t in res.trials)
    assert len(store) == len(res.trials)

    def boom(*a, **k):
        raise AssertionError("a resumed search must not run anything")

    monkeypatch.setattr(search_mod, "solve_batch", boom)
    (again,) = critical_n(4, seeds=[42], store=store, start_n=8)
    assert again.trials == res.trials


def test_default_start_and_errors():
    # the published cubic at d = 45 (only a starting point)
    assert default_start(45) == round(-10.5322 + 4.0309 * 45 + 0.0520 * 45**2 + 0.0037 * 45**3)
    assert default_start(1) == 4
    with pytest.raises(ValueError, match="seeds"):
        critical_n(4, seeds=[])
    with pytest.raises(ValueError, match="bracket"):
        critical_n(4, bracket=0)

"""The cost model of the permutation test: an a-priori time estimate refused past ``time_limit``,
a measured projection that stops a run after its second block, and blocks small enough that a
Ctrl-C returns between them; results do not depend on the blocks."""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.depth import depth_rank_test, halfspace_depth, spatial_depth
from embtheory.depth._common import ASSUMED_FLOPS, BLOCK_FLOPS, block_size, check_time, run_blocks
from embtheory.depth.ranktest import permutation_flops
from embtheory.encoders.sentence import pool


def _samples():
    rng = np.random.default_rng(0)
    return rng.normal(size=(30, 5)) + 3.0, rng.normal(size=(20, 5)) + 3.2


def test_a_permutation_count_past_the_time_limit_is_refused_before_any_work():
    F, G = _samples()
    flops = permutation_flops(50, 5)
    n = int(2.0 * ASSUMED_FLOPS / flops)  # about 2 s at the assumed rate
    fit = int(1.0 * ASSUMED_FLOPS // flops)
    t0 = time.perf_counter()
    with pytest.raises(TimeoutError, match=rf"over time_limit=1 s: lower n_permutations.*at most {fit} fit"):
        depth_rank_test(F, G, n_permutations=n, key=jax.random.key(0), time_limit=1.0)
    assert time.perf_counter() - t0 < 1.0  # refused, not run
    with pytest.raises(ValueError, match="time_limit must be in"):
        depth_rank_test(F, G, n_permutations=10, key=jax.random.key(0), time_limit=0.0)
    with pytest.raises(TypeError, match="time_limit must be a real number"):
        depth_rank_test(F, G, n_permutations=10, key=jax.random.key(0), time_limit="1h")


def test_a_run_projected_past_the_time_limit_stops_after_its_second_block():
    calls = []

    def slow(k):
        calls.append(k.shape[0])
        time.sleep(0.05)
        return jnp.zeros(k.shape[0])

    keys = jax.random.split(jax.random.key(0), 100)
    with pytest.raises(TimeoutError, match=r"would take about .* per block of 10\).*about \d+ fit"):
        run_blocks(slow, keys, 10, time_limit=0.2, what="the loop", fix="lower n")
    assert len(calls) == 2
    calls.clear()
    out = run_blocks(slow, keys[:25], 10, time_limit=None, what="the loop", fix="lower n")
    assert out.shape == (25,) and calls == [9, 9, 9]  # three blocks evened out, the last padded


def test_blocks_are_cut_to_a_short_time_unless_chosen_and_results_do_not_depend_on_them():
    assert block_size(10**6, 1e6, chosen=False) == int(BLOCK_FLOPS // 1e6)
    assert block_size(10**6, 1e6, chosen=True) == 10**6
    assert block_size(5, 1e6, chosen=False) == 5
    check_time(10, 1.0, None, "x", "y")  # no limit: nothing refused
    F, G = _samples()
    key = jax.random.key(3)
    a = depth_rank_test(F, G, n_permutations=300, key=key)
    b = depth_rank_test(F, G, n_permutations=300, key=key, permutation_chunk_size=7)
    assert float(a.pvalue_permutation) == float(b.pvalue_permutation)


@pytest.mark.parametrize("call", [
    lambda F: spatial_depth(F, affine_invariant="yes"),
    lambda F: halfspace_depth(F[:, :2], exact=np.array([1])),
    lambda F: pool(jnp.ones((1, 2, 3)), jnp.ones((1, 2)), normalize="no"),
])
def test_depth_and_encoder_flags_must_be_booleans(call):
    with pytest.raises(TypeError, match="must be True or False"):
        call(_samples()[0])


def test_rejection_rates_refuse_a_run_past_the_time_limit_and_do_not_depend_on_blocks():
    from embtheory.depth import gaussian_mixture_sampler, rejection_rates

    sampler = gaussian_mixture_sampler(key=jax.random.key(0), m=20, n=15, d=4, shift=0.5)
    per_trial = permutation_flops(35, 4) * 101
    n = int(3.0 * ASSUMED_FLOPS / per_trial)
    with pytest.raises(TimeoutError, match=r"rejection_rates\(n_trials=.*time_limit=1 s: lower n_trials"):
        rejection_rates(sampler, key=jax.random.key(1), n_trials=n, n_permutations=100, time_limit=1.0)
    with pytest.raises(ValueError, match="time_limit must be in"):
        rejection_rates(sampler, key=jax.random.key(1), n_trials=4, time_limit=-1.0)
    a = rejection_rates(sampler, key=jax.random.key(1), n_trials=9, n_permutations=50)
    b = rejection_rates(sampler, key=jax.random.key(1), n_trials=9, n_permutations=50, chunk_size=2)
    np.testing.assert_array_equal(np.asarray(a.pvalues), np.asarray(b.pvalues))
    np.testing.assert_array_equal(np.asarray(a.pvalues_permutation), np.asarray(b.pvalues_permutation))


def test_a_long_permutation_test_returns_soon_after_ctrl_c(ctrl_c):
    setup = """
import jax, numpy as np
from embtheory.depth import depth_rank_test
rng = np.random.default_rng(0)
F, G = rng.normal(size=(1500, 16)) + 1.0, rng.normal(size=(1500, 16)) + 1.0
depth_rank_test(F, G, n_permutations=2_000, key=jax.random.key(0), time_limit=None)  # compile these shapes
"""
    # a full run takes minutes; blocks of a few tenths of a second, on a loaded 2-core machine
    call = "depth_rank_test(F, G, n_permutations=2_000_000, key=jax.random.key(1), time_limit=None)"
    assert ctrl_c(setup, call) < 5.0


def test_a_long_lens_depth_returns_soon_after_ctrl_c():
    import signal

    from embtheory.depth import lens_depth

    F = np.random.default_rng(2).normal(size=(2000, 8)).astype(np.float32)
    lens_depth(F, F[:40])  # compile the blocks' shapes

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        start = time.perf_counter()
        # past any compilation of the call's shapes: the signal lands inside the long computation
        signal.setitimer(signal.ITIMER_REAL, 3.0)
        with pytest.raises(KeyboardInterrupt):
            jax.block_until_ready(lens_depth(F, np.random.default_rng(3).normal(size=(200_000, 8))))
        # the work stopped too: the device is free for the next computation (an interrupted wait
        # on one long compiled call would leave it running, and this would queue behind it)
        jax.block_until_ready(jnp.arange(3.0) + 1.0)
        elapsed = time.perf_counter() - start
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert elapsed < 6.0  # the signal at 3 s, then at most one block (a minute or more in one call)

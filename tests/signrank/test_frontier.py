import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.core.store import ResultStore
from embtheory.signrank import k_subsets
from embtheory.signrank.frontier import (
    PAPER_MIN_DIMENSION,
    FrontierParams,
    FrontierRecipe,
    frontier_algorithm,
    frontier_loss,
    learning_rate,
    min_dimension,
    run_frontier,
)


def _problem(n=7, k=2, dim=3, seed=0):
    rng = np.random.default_rng(seed)
    rel = k_subsets(n, k)
    q = rng.standard_normal((len(rel), dim))
    d = rng.standard_normal((n, dim))
    return q, d, rel


def naive_loss(q, d, rel, loss, scale=1.0, bias=0.0, temperature=0.1, gamma=0.1):
    """Straight from the definitions, with Python loops over queries (NumPy float64)."""
    q, d = np.asarray(q, np.float64), np.asarray(d, np.float64)
    n, total = d.shape[0], 0.0
    for i, r in enumerate(rel):
        s = d @ q[i]
        rs = set(int(x) for x in r)
        if loss == "sigmoid":
            for j in range(n):
                y = 1.0 if j in rs else -1.0
                total += math.log1p(math.exp(-scale * (s[j] - bias) * y))
        elif loss == "infonce":
            z = (s - bias) / temperature
            lse = math.log(sum(math.exp(v) for v in z))
            total += sum(lse - z[p] for p in rs) / (len(rel) * len(r))
        else:
            h = sum(max(0.0, gamma - s[p] + s[j]) for p in rs for j in range(n) if j not in rs)
            total += h / (len(r) * (n - len(r))) / len(rel)
    return total


@pytest.mark.parametrize("loss", ["sigmoid", "infonce", "margin"])
@pytest.mark.parametrize("scale,bias,temperature", [(1.0, 0.0, 0.1), (2.5, 0.3, 0.37)])
def test_loss_values_match_naive_formula(loss, scale, bias, temperature):
    q, d, rel = _problem()
    params = FrontierParams(scale=jnp.float32(scale), bias=jnp.float32(bias),
                            log_temperature=jnp.float32(np.log(temperature)))
    got = frontier_loss(jnp.asarray(q, jnp.float32), jnp.asarray(d, jnp.float32), params, jnp.asarray(rel),
                        recipe=FrontierRecipe(loss=loss))
    want = naive_loss(q, d, rel, loss, scale, bias, temperature)
    assert float(got) == pytest.approx(want, rel=2e-5)


@pytest.mark.x64
@pytest.mark.parametrize("loss", ["sigmoid", "infonce", "margin"])
def test_loss_gradients_match_finite_differences(loss):
    q, d, rel = _problem(n=6, dim=3, seed=1)
    scale, bias, temp = 1.7, 0.2, 0.25
    params = FrontierParams(scale=jnp.float64(scale), bias=jnp.float64(bias),
                            log_temperature=jnp.float64(np.log(temp)))
    rec = FrontierRecipe(loss=loss)
    gq, gd, gp = jax.grad(lambda a, b, p: frontier_loss(a, b, p, jnp.asarray(rel), recipe=rec),
                          argnums=(0, 1, 2))(jnp.asarray(q), jnp.asarray(d), params)
    eps = 1e-6
    rng = np.random.default_rng(0)
    for _ in range(6):
        i, c = rng.integers(q.shape[0]), rng.integers(q.shape[1])
        qp, qm = q.copy(), q.copy()
        qp[i, c] += eps
        qm[i, c] -= eps
        fd = naive_loss(qp, d, rel, loss, scale, bias, temp) - naive_loss(qm, d, rel, loss, scale, bias, temp)
        assert float(gq[i, c]) == pytest.approx(fd / (2 * eps), rel=1e-5, abs=1e-8)
        j = rng.integers(d.shape[0])
        dp, dm = d.copy(), d.copy()
        dp[j, c] += eps
        dm[j, c] -= eps
        fd = naive_loss(q, dp, rel, loss, scale, bias, temp) - naive_loss(q, dm, rel, loss, scale, bias, temp)
        assert float(gd[j, c]) == pytest.approx(fd / (2 * eps), rel=1e-5, abs=1e-8)
    if loss == "sigmoid":
        fd = naive_loss(q, d, rel, loss, scale + eps, bias) - naive_loss(q, d, rel, loss, scale - eps, bias)
        assert float(gp.scale) == pytest.approx(fd / (2 * eps), rel=1e-5)
        fd = naive_loss(q, d, rel, loss, scale, bias + eps) - naive_loss(q, d, rel, loss, scale, bias - eps)
        assert float(gp.bias) == pytest.approx(fd / (2 * eps), rel=1e-5)
    if loss == "infonce":  # d/d(log T) = T d/dT
        fd = (naive_loss(q, d, rel, loss, temperature=temp * (1 + eps))
              - naive_loss(q, d, rel, loss, temperature=temp * (1 - eps)))
        assert float(gp.log_temperature) == pytest.approx(fd / (2 * eps), rel=1e-5)
        assert float(gp.bias) == pytest.approx(0.0, abs=1e-10)  # the softmax cancels the bias


def test_schedule_warmup_then_cosine():
    rec = FrontierRecipe(steps=200, learning_rate=0.01)
    w = 10  # 5% of 200
    got = np.asarray(jax.vmap(lambda s: learning_rate(rec, s))(jnp.arange(200)))
    for s in range(200):
        if s < w:
            want = 0.01 * (0.1 + 0.9 * s / w)
        else:
            want = 1e-4 + (0.01 - 1e-4) * 0.5 * (1 + math.cos(math.pi * (s - w) / (200 - w)))
        assert got[s] == pytest.approx(want, rel=1e-5)
    assert got[w] == pytest.approx(0.01) and got[-1] == pytest.approx(1e-4, rel=0.01)


def test_fixed_bias_and_learned_scale_and_temperature():
    rel = k_subsets(6, 2)
    rec = FrontierRecipe.of("sigmoid", steps=30)
    alg = frontier_algorithm(rel, 6, 4, recipe=rec)
    s = alg.init(key=jax.random.key(0), dim=3)
    assert np.all(np.asarray(s.q)[:, 3] == 0) and np.allclose(np.linalg.norm(s.q, axis=1), 1, atol=1e-6)
    s2 = jax.jit(lambda st: jax.lax.fori_loop(0, 30, lambda i, x: alg.step(x), st))(s)
    assert float(s2.params.bias) == 0.0 and float(s2.params.scale) != 1.0
    assert np.all(np.asarray(s2.q)[:, 3] == 0) and np.all(np.asarray(s2.d)[:, 3] == 0)
    assert int(s2.step) == 30 and bool(alg.done(s2))
    s3 = frontier_algorithm(rel, 6, 4, recipe=rec._replace(train_bias=True))
    st = jax.lax.fori_loop(0, 5, lambda i, x: s3.step(x), s3.init(key=jax.random.key(0), dim=3))
    assert float(st.params.bias) != 0.0
    inf = frontier_algorithm(rel, 6, 4, recipe=FrontierRecipe.of("infonce", steps=5))
    st = jax.lax.fori_loop(0, 5, lambda i, x: inf.step(x), inf.init(key=jax.random.key(0), dim=3))
    assert float(jnp.exp(st.params.log_temperature)) != pytest.approx(0.1, abs=1e-6)
    assert float(st.params.scale) == 1.0


@pytest.mark.parametrize("loss", ["sigmoid", "infonce"])
def test_padding_columns_stay_zero_and_change_a_run_only_by_rounding(loss):
    from embtheory.signrank.frontier import _run_batch
    from embtheory.signrank.qrels import Qrels

    rec = FrontierRecipe.of(loss, steps=40)
    solo = run_frontier(8, 3, key=jax.random.key(4), recipe=rec)
    (padded,) = _run_batch(Qrels.subsets(8, 2), 2, [3], [-1], rec, np.float32, 7, keys=[jax.random.key(4)])
    for f in ("margin", "global_margin", "loss", "scale", "temperature"):
        assert getattr(padded, f) == pytest.approx(getattr(solo, f), rel=1e-4, abs=1e-5), f
    assert padded.violations == solo.violations


def test_a_run_is_the_same_whatever_else_min_dimension_tries():
    rec = FrontierRecipe.of("sigmoid", steps=80)
    alone = run_frontier(9, 4, key=jax.random.key(2), recipe=rec)
    for dims, seeds in (([4], [2]), ([3, 4, 6], [2]), ([4, 5], [0, 2, 7])):
        got = min_dimension(9, dims=dims, seeds=seeds, recipe=rec)
        (run,) = [r for r in got.runs if r.dim == 4 and r.seed == 2]
        assert run._replace(seed=-1) == alone, (dims, seeds)  # every field, bit for bit


@pytest.mark.parametrize("loss", ["sigmoid", "infonce"])
@pytest.mark.parametrize("segment", [1, 7, None])
def test_a_run_in_segments_is_the_run_of_one_segment(loss, segment):
    from embtheory.signrank.frontier import _compiled, _drive
    from embtheory.signrank.qrels import Qrels

    rec = FrontierRecipe.of(loss, steps=60)
    key_data = jnp.stack([jax.random.key_data(jax.random.key(s)) for s in (3, 5)])
    dims = jnp.asarray([3, 4], jnp.int32)
    init, step_to = _compiled(Qrels.subsets(8, 2), 4, rec, "float32")
    whole = _drive(init, step_to, key_data, dims, rec.steps, segment=rec.steps)
    got = _drive(init, step_to, key_data, dims, rec.steps, segment=segment)  # None: timed lengths
    np.testing.assert_array_equal(np.asarray(got.step), [60, 60])
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(whole), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_long_run_returns_soon_after_ctrl_c(ctrl_c):
    setup = """
import jax
from embtheory.signrank.frontier import FrontierRecipe, run_frontier
run_frontier(30, 6, key=jax.random.key(0), recipe=FrontierRecipe.of("sigmoid", steps=5))  # compile
"""
    # hours in one call; segments of about half a second, on a loaded 2-core machine
    call = ('run_frontier(30, 6, key=jax.random.key(1), '
            'recipe=FrontierRecipe.of("sigmoid", steps=50_000_000), time_limit=None)')
    assert ctrl_c(setup, call) < 5.0


def test_min_dimension_runs_dims_together_and_resumes(tmp_path):
    rec = FrontierRecipe.of("sigmoid", steps=100)
    store = ResultStore(tmp_path)
    res = min_dimension(6, loss="sigmoid", dims=(2, 4), seeds=(0, 1), recipe=rec, store=store)
    assert len(res.runs) == 4 and set(res.margins) == set(itertools.product((2, 4), (0, 1)))
    solved = [r.dim for r in res.runs if r.solved]
    assert res.dim == (min(solved) if solved else None)
    glob = [r.dim for r in res.runs if r.global_margin > 0]
    assert res.global_dim == (min(glob) if glob else None)
    # a member of the padded, vmapped launch equals its solo run
    r = res.runs[1]
    assert (r.dim, r.seed) == (2, 1)
    solo = run_frontier(6, 2, key=jax.random.key(1), recipe=rec)
    assert solo.margin == pytest.approx(r.margin, abs=1e-4) and solo.solved == r.solved
    assert solo.loss == pytest.approx(r.loss, rel=1e-4)
    again = min_dimension(6, loss="sigmoid", dims=(2, 4), seeds=(0, 1), recipe=rec, store=store)
    assert again.runs == res.runs and len(store) == 4


def test_paper_table_and_bad_input():
    assert PAPER_MIN_DIMENSION["sigmoid"][240] == 10 and PAPER_MIN_DIMENSION["infonce"][240] is None
    with pytest.raises(ValueError, match="loss must be one of"):
        FrontierRecipe.of("infonce_footnote")
    with pytest.raises(ValueError, match="train_bias"):
        FrontierRecipe.of("infonce", train_bias=True)
    with pytest.raises(ValueError, match="steps"):
        FrontierRecipe.of("sigmoid", steps=0)
    with pytest.raises(ValueError, match="disagrees"):
        min_dimension(6, loss="infonce", recipe=FrontierRecipe.of("sigmoid"))
    with pytest.raises(TypeError, match="key"):
        run_frontier(6, 3, key=0, recipe=FrontierRecipe.of("sigmoid", steps=2))
    with pytest.raises(TypeError, match="seeds"):
        min_dimension(6, dims=(3,), seeds=(0.5,))

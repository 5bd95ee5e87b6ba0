"""The on-device run against a host loop written here in the official script's control flow."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from embtheory.core import Iterative, iterate
from embtheory.signrank import Recipe, k_subsets, optimiser, run, solve
from embtheory.signrank.solve import make_batch


def official_host_loop(n, dim, seed, *, max_steps, patience, min_delta=1e-5, check_every=50, k=2):
    """The official recipe as a plain host loop: dense mask, float(loss) every step, host sort."""
    combos = list(itertools.combinations(range(n), k))
    m = len(combos)
    mask = np.zeros((m, n), bool)
    for i, c in enumerate(combos):
        mask[i, list(c)] = True
    kq, kd = jax.random.split(jax.random.PRNGKey(seed))
    q = jax.random.normal(kq, (m, dim), dtype=jnp.float32)
    d = jax.random.normal(kd, (n, dim), dtype=jnp.float32)
    params = (q / jnp.linalg.norm(q, axis=1, keepdims=True), d / jnp.linalg.norm(d, axis=1, keepdims=True))
    opt = optax.adam(0.01)
    state = opt.init(params)
    maskj = jnp.asarray(mask, jnp.float32)

    def loss_fn(p):
        logp = jax.nn.log_softmax(p[0] @ p[1].T / 0.1, axis=1)
        return -jnp.sum(logp * maskj) / jnp.sum(maskj)

    @jax.jit
    def update(p, s):
        val, g = jax.value_and_grad(loss_fn)(p)
        u, s = opt.update(g, s, p)
        p = optax.apply_updates(p, u)
        return tuple(x / jnp.linalg.norm(x, axis=1, keepdims=True) for x in p), s, val

    def accuracy(p):
        sim = np.asarray(p[0]) @ np.asarray(p[1]).T
        top = np.argsort(-sim, axis=1)[:, :k]
        return sum(len(set(top[i]) & set(combos[i])) for i in range(m)) / (m * k)

    best, wait, accs, i = np.inf, 0, [], 0
    for i in range(max_steps):
        params, state, val = update(params, state)
        val = float(val)
        if val < best - min_delta:
            best, wait = val, 0
        else:
            wait += 1
        if wait >= patience:
            break
        if i % check_every == 0 or i == max_steps - 1:
            accs.append(accuracy(params))
            if accs[-1] >= 1.0:
                break
    final = accuracy(params)
    return {"steps": i + 1, "best_accuracy": max([*accs, final]), "solved": max([*accs, final]) >= 1.0}


@pytest.mark.numerics
@pytest.mark.parametrize("n,dim,patience", [(6, 4, 1000), (9, 3, 150)])
def test_run_matches_official_control_flow(n, dim, patience):
    want = official_host_loop(n, dim, 42, max_steps=3000, patience=patience)
    got = solve(n, dim, key=jax.random.PRNGKey(42), max_steps=3000, patience=patience)
    assert got.solved == want["solved"]
    assert got.steps == want["steps"]
    assert got.best_accuracy == pytest.approx(want["best_accuracy"], abs=1e-6)


def _problem(n, k=2):
    prob, _ = make_batch([n], k=k)
    return jax.tree.map(lambda x: jnp.asarray(x[0]), prob)


def test_optimiser_is_an_iterative_stepped_by_hand_as_run():
    prob = _problem(7)
    recipe = Recipe(max_steps=400, patience=60)
    alg = optimiser(prob, 3, recipe=recipe)
    assert isinstance(alg, Iterative)
    state = alg.init(key=jax.random.key(2))
    step = jax.jit(alg.step)
    checked = []
    while not bool(alg.done(state)):
        before = float(state.accuracy), int(state.step)
        state = step(state)
        # a check is visible as a new accuracy; it is due after update 1, 51, 101, ... or a stop
        if int(state.step) % 50 == 1 or int(state.reason) != 0:
            checked.append(int(state.step))
        elif float(state.accuracy) != before[0]:
            raise AssertionError(f"an accuracy check ran after update {int(state.step)}")
    whole = run(prob, 3, key=jax.random.key(2), recipe=recipe)
    assert int(whole.step) == int(state.step) and checked[0] == 1
    np.testing.assert_array_equal(np.asarray(whole.q), np.asarray(state.q))
    assert float(whole.best_accuracy) == float(state.best_accuracy)
    # iterate's max_steps caps a run without stopping it: the state continues where it was left
    part = iterate(alg, alg.init(key=jax.random.key(2)), max_steps=10)
    assert int(part.step) == 10 and not bool(alg.done(part))
    rest = iterate(alg, part)
    np.testing.assert_array_equal(np.asarray(rest.q), np.asarray(whole.q))


def test_key_is_keyword_only():
    prob = _problem(5)
    with pytest.raises(TypeError):
        run(prob, 3, jax.random.key(1))  # a positional key is refused, never misread
    with pytest.raises(TypeError):
        run(jax.random.key(1), prob, 3)
    with pytest.raises(TypeError):
        optimiser(prob, 3).init(jax.random.key(1))
    r = run(prob, 3, key=jax.random.key(1), recipe=Recipe(max_steps=20))
    assert int(r.step) == 20 and int(r.reason) == 3


def test_recipe_refuses_steps_past_int32():
    with pytest.raises(ValueError, match="max_steps"):
        Recipe(max_steps=2**31).validated()
    with pytest.raises(ValueError, match="max_steps"):
        optimiser(_problem(5), 3, recipe=Recipe(max_steps=2**40))
    with pytest.raises(TypeError, match="max_steps"):
        Recipe(max_steps=1.5).validated()


@pytest.mark.x64
def test_float32_and_float64_start_from_the_same_rows():
    if not jax.config.jax_enable_x64:
        pytest.skip("needs JAX_ENABLE_X64=1")
    prob = _problem(6)
    a = optimiser(prob, 4, dtype=jnp.float32).init(key=jax.random.key(3))
    b = optimiser(prob, 4, dtype=jnp.float64).init(key=jax.random.key(3))
    np.testing.assert_allclose(np.asarray(a.q), np.asarray(b.q), rtol=1e-6)


def test_initial_rows_do_not_depend_on_padding():
    kq, _ = jax.random.split(jax.random.key(3))
    small = jax.random.normal(kq, (10, 5))
    big = jax.random.normal(kq, (45, 5))
    np.testing.assert_array_equal(np.asarray(small), np.asarray(big[:10]))


def test_accuracy_aware_rule_runs_longer():
    base = solve(12, 3, key=0, patience=100, max_steps=3000)
    aware = solve(12, 3, key=0, patience=100, max_steps=3000, stop_rule="loss_and_accuracy",
                  accuracy_patience=1000)
    assert base.reason == "plateau"
    # The loss plateaus first, but accuracy was still improving within its patience: the
    # aware rule keeps going to the budget (strictly longer), never losing accuracy.
    assert aware.reason == "budget" and aware.steps == 3000 > base.steps
    assert aware.best_accuracy >= base.best_accuracy


@pytest.mark.parametrize("loss", ["sigmoid", "margin"])
def test_other_losses_solve_an_easy_problem(loss):
    r = solve(6, 4, key=1, loss=loss, max_steps=5000)
    assert r.solved, r


def test_footnote_infonce_can_reach_zero_loss_without_solving():
    # The footnote loss only asks the relevant documents' total probability to approach 1: one
    # relevant document can stay below an irrelevant one, so loss ~ 0 need not mean solved.
    r = solve(6, 4, key=1, loss="infonce_footnote", max_steps=5000)
    assert r.loss < 1e-2
    assert not r.solved and 0.5 <= r.best_accuracy < 1.0


def test_chunk_size_is_part_of_the_recipe():
    from embtheory.signrank import topk_accuracy

    q = jnp.eye(4)[:, :3] + 0.1
    d = jnp.eye(4)[:, :3]
    rel = jnp.asarray(k_subsets(4, 2)[:4])
    assert topk_accuracy(q, d, rel, k=2, chunk_size=2) == topk_accuracy(q, d, rel, k=2)
    with pytest.raises(TypeError):
        Recipe(chunk=4)  # one name: chunk_size
    # an explicit chunk_size is part of the recipe: the run is chunked and still solves
    a = solve(7, 3, key=1, max_steps=300, chunk_size=7)
    b = solve(7, 3, key=1, max_steps=300)
    assert a.steps == b.steps and a.solved == b.solved

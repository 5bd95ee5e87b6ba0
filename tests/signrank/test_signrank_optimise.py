"""The on-device run against a host loop written here in the official script's control flow."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from embtheory.signrank import Recipe, k_subsets, solve, solve_batch
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


def test_published_boundary_at_d4_seed42():
    # The official script with seed 42 solves n = 9 and fails n = 10 at d = 4 (best accuracy 0.978).
    r9, r10 = solve_batch([9, 10], 4, keys=[42, 42])
    assert r9.solved and r9.reason == "solved" and r9.steps % 50 == 1
    assert not r10.solved and r10.reason == "plateau"
    assert r10.best_accuracy == pytest.approx(44 / 45, abs=1e-6)
    assert r9.loss > np.log(2)


def test_determinism_and_padding():
    a = solve(7, 3, key=jax.random.key(5), max_steps=400)
    # the same run inside a batch with a larger problem (another bucket) and a filler: bitwise
    # the same (canonical shape per n, members run one after another)
    batch = solve_batch([7, 11, 7], 3, keys=[jax.random.key(5), jax.random.key(5), 1],
                        recipe=Recipe(max_steps=400), return_embeddings=True)
    assert batch[0].steps == a.steps and batch[0].loss == a.loss and batch[0].solved == a.solved
    np.testing.assert_array_equal(batch[0].q, a.q)
    assert batch[0].q.shape == a.q.shape == (21, 3)
    np.testing.assert_allclose(np.linalg.norm(batch[0].q, axis=1), 1.0, rtol=1e-5)
    if a.solved:
        assert a.margin > 0  # the certificate backs the verdict


def test_key_is_keyword_and_positional_warns():
    from embtheory.signrank import init, run
    from embtheory.signrank.solve import canonical_shape

    prob, _ = make_batch([5], k=2)
    prob = jax.tree.map(lambda x: jnp.asarray(x[0]), prob)
    new = init(prob, 3, key=jax.random.key(1))
    with pytest.warns(DeprecationWarning, match="key by keyword"):
        old = init(jax.random.key(1), prob, 3)
    np.testing.assert_array_equal(np.asarray(new.q), np.asarray(old.q))
    with pytest.warns(DeprecationWarning, match="key by keyword"):
        r_old = run(jax.random.key(1), prob, 3, recipe=Recipe(max_steps=20))
    r_new = run(prob, 3, key=jax.random.key(1), recipe=Recipe(max_steps=20))
    assert int(r_old.step) == int(r_new.step) == 20
    with pytest.raises(TypeError, match="key="):
        init(prob, 3)
    assert canonical_shape(5).n_pad == 8


def test_float64_without_x64_is_an_error():
    if jax.config.jax_enable_x64:
        pytest.skip("x64 is on")
    with pytest.raises(ValueError, match="JAX_ENABLE_X64"):
        solve(5, 3, key=0, dtype=jnp.float64)


@pytest.mark.x64
def test_float32_and_float64_start_from_the_same_rows():
    if not jax.config.jax_enable_x64:
        pytest.skip("needs JAX_ENABLE_X64=1")
    from embtheory.signrank import init

    prob, _ = make_batch([6], k=2)
    prob = jax.tree.map(lambda x: jnp.asarray(x[0]), prob)
    a = init(prob, 4, key=jax.random.key(3), dtype=jnp.float32)
    b = init(prob, 4, key=jax.random.key(3), dtype=jnp.float64)
    np.testing.assert_allclose(np.asarray(a.q), np.asarray(b.q), rtol=1e-6)


def test_initial_rows_do_not_depend_on_padding():
    kq, _ = jax.random.split(jax.random.key(3))
    small = jax.random.normal(kq, (10, 5))
    big = jax.random.normal(kq, (45, 5))
    np.testing.assert_array_equal(np.asarray(small), np.asarray(big[:10]))


def test_make_batch_pads_and_masks():
    prob, chunk = make_batch([4, 6], k=2, memory_budget=6 * 6 * 4 * 4)
    assert chunk == 4
    assert prob.rel.shape == (2, 16, 2)
    assert prob.query_valid.sum(axis=1).tolist() == [6, 15]
    assert prob.doc_valid.sum(axis=1).tolist() == [4, 6]
    assert prob.rel[0, :6].tolist() == k_subsets(4, 2).tolist()


def test_bad_input():
    with pytest.raises(ValueError, match="n must exceed k"):
        solve(2, 3, key=0)
    with pytest.raises(TypeError, match="unknown recipe options"):
        solve(5, 3, key=0, lr=0.1)
    with pytest.raises(ValueError, match="loss must be one of"):
        solve(5, 3, key=0, loss="ce")
    with pytest.raises(ValueError, match="stop_rule"):
        solve(5, 3, key=0, stop_rule="never")
    with pytest.raises(ValueError, match="one key per run"):
        solve_batch([5, 6], 3, keys=[0])
    with pytest.raises(MemoryError, match="one run"):
        solve_batch([3000], 64, keys=[0], memory_budget=2**20)


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


def test_chunk_size_names_and_deprecated_chunk():
    from embtheory.signrank import topk_accuracy

    with pytest.warns(DeprecationWarning, match="chunk_size"):
        r = Recipe(chunk=4)
    assert r.chunk_size == 4 and r.chunk == 4
    q = jnp.eye(4)[:, :3] + 0.1
    d = jnp.eye(4)[:, :3]
    rel = jnp.asarray(k_subsets(4, 2)[:4])
    want = topk_accuracy(q, d, rel, k=2)
    assert topk_accuracy(q, d, rel, k=2, chunk_size=2) == want
    # an explicit chunk_size is part of the recipe: the run is chunked and still solves
    a = solve(7, 3, key=1, max_steps=300, chunk_size=7)
    b = solve(7, 3, key=1, max_steps=300)
    assert a.steps == b.steps and a.solved == b.solved

"""Qrels in every form, ragged queries in the losses, accuracy, certificate and bounds, each
against a naive per-query loop written here; and the bad inputs of the qrels entry points."""

import io
import itertools
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from embtheory.signrank import (
    LOSSES,
    OFFICIAL,
    FrontierRecipe,
    Problem,
    Qrels,
    as_qrels,
    certified_sign_rank,
    certify,
    exact_certify,
    forster_lower_bound,
    loss_and_grad,
    margin_dimension_bound,
    min_dimension,
    read_qrels,
    run,
    run_frontier,
    solve,
    topk_accuracy,
    topk_hits,
)
from embtheory.signrank.frontier import FrontierParams, frontier_loss

F32 = np.float32
LISTS = [[0, 3], [2], [1, 4, 5], [5], [0, 1]]  # 5 queries, 6 documents, 1..3 relevant each


def _mask(lists, n):
    out = np.zeros((len(lists), n), bool)
    for i, r in enumerate(lists):
        out[i, r] = True
    return out


def _problem(seed=0, m=9, n=11, dim=4):
    rng = np.random.default_rng(seed)
    lists = [sorted(rng.choice(n, size=int(rng.integers(1, 5)), replace=False).tolist()) for _ in range(m)]
    q = rng.normal(size=(m, dim))
    d = rng.normal(size=(n, dim))
    return lists, q / np.linalg.norm(q, axis=1, keepdims=True), d / np.linalg.norm(d, axis=1, keepdims=True)


# ---------------------------------------------------------------------------------------------
# every form gives the same problem


def test_every_form_gives_the_same_qrels(tmp_path):
    mask = _mask(LISTS, 6)
    padded = np.full((5, 3), -1)
    for i, r in enumerate(LISTS):
        padded[i, : len(r)] = r
    rows = [(f"q{i}", f"d{j}", 1) for i, r in enumerate(LISTS) for j in r]
    tsv = "query-id\tcorpus-id\tscore\n" + "".join(f"{a}\t{b}\t{c}\n" for a, b, c in rows)
    (tmp_path / "q.tsv").write_text(tsv)
    (tmp_path / "q.jsonl").write_text("".join(json.dumps({"query-id": a, "corpus-id": b, "score": c}) + "\n"
                                              for a, b, c in rows))
    doc_ids = [f"d{j}" for j in range(6)]
    forms = [mask, mask.astype(np.int64), mask.astype(float), LISTS, padded, Qrels.subsets(4, 2).mask()]
    got = [as_qrels(f) for f in forms[:5]]
    got += [read_qrels(tmp_path / "q.tsv", doc_ids=doc_ids),
            read_qrels(tmp_path / "q.jsonl", doc_ids=doc_ids),
            read_qrels(io.StringIO(tsv.split("\n", 1)[1]), doc_ids=doc_ids)]  # no header
    for g in got:
        assert g.n_docs == 6 and g.num_queries == 5
        np.testing.assert_array_equal(g.mask(), mask)
        assert g.counts.tolist() == [2, 1, 3, 1, 2] and g.k is None
    # without doc_ids the documents are numbered as they appear: the same sets, by id
    for g in (as_qrels(str(tmp_path / "q.tsv"), n_docs=6), as_qrels(rows)):
        by_id = [sorted(int(g.doc_ids[j][1:]) for j in row if j >= 0) for row in g.index]
        assert by_id == [sorted(r) for r in LISTS] and g.n_docs == 6
    # the file's ids are kept, queries and documents in order of first appearance
    assert got[5].query_ids == tuple(f"q{i}" for i in range(5)) and got[5].doc_ids == tuple(doc_ids)
    assert as_qrels(rows).doc_ids == ("d0", "d3", "d2", "d1", "d4", "d5")
    sub = Qrels.subsets(5, 3)
    assert sub.k == 3 and sub.index.tolist() == [list(c) for c in itertools.combinations(range(5), 3)]
    np.testing.assert_array_equal(as_qrels(sub.mask()).index, sub.index)


def test_graded_scores_need_a_threshold():
    rows = [("a", "x", 2), ("a", "y", 1), ("b", "y", 0), ("b", "z", 2), ("c", "x", 1)]
    with pytest.raises(ValueError, match=r"graded scores.*threshold="):
        as_qrels(rows)
    # relevant iff score >= 2: query c (only a grade 1) then has nothing to find
    with pytest.raises(ValueError, match=r"'c'.*no relevant document"):
        as_qrels(rows, threshold=2)
    rows = rows[:4]
    qr = as_qrels(rows, threshold=2)
    assert qr.doc_ids == ("x", "y", "z")
    assert [[qr.doc_ids[j] for j in r if j >= 0] for r in qr.index] == [["x"], ["z"]]
    qr = as_qrels(rows, threshold=1)
    assert [[qr.doc_ids[j] for j in r if j >= 0] for r in qr.index] == [["x", "y"], ["z"]]
    # binary scores need none; a 0 judgement keeps its document in the corpus
    qr = read_qrels(io.StringIO("q1 d1 1\nq1 d2 0\nq2 d2 1\n"))
    assert qr.index.tolist() == [[0], [1]] and qr.n_docs == 2


# ---------------------------------------------------------------------------------------------
# ragged queries against naive per-query loops


def naive_row(scores, rel, loss, temperature=0.1, margin=0.1):
    """One query's loss from its own relevant set, written from the definitions."""
    n, k = len(scores), len(rel)
    z = scores / temperature
    lse = np.log(np.sum(np.exp(z - z.max()))) + z.max()
    irr = [j for j in range(n) if j not in rel]
    if loss == "infonce":
        return [lse - z[p] for p in rel]  # one term per (query, relevant document) pair
    if loss == "infonce_footnote":
        return lse - np.log(np.sum(np.exp(z[rel])))
    if loss == "sigmoid":
        y = np.array([1.0 if j in rel else -1.0 for j in range(n)])
        return np.mean(np.log1p(np.exp(-y * z)))
    return sum(max(0.0, margin - scores[p] + scores[j]) for p in rel for j in irr) / (k * (n - k))


def naive_loss(q, d, lists, loss):
    s = q @ d.T
    rows = [naive_row(s[i], r, loss) for i, r in enumerate(lists)]
    if loss == "infonce":
        return np.mean([t for r in rows for t in r])
    return np.mean(rows)


@pytest.mark.parametrize("loss", LOSSES)
def test_ragged_losses_match_a_per_query_loop(loss):
    lists, q, d = _problem(1)
    want = naive_loss(q, d, lists, loss)
    qr = as_qrels(lists, n_docs=d.shape[0])
    got, (gq, _) = loss_and_grad(jnp.asarray(q, F32), jnp.asarray(d, F32), qr, loss=loss)
    assert float(got) == pytest.approx(want, rel=2e-5)
    # the gradient of the same naive loss, by central differences in float64
    eps, i, c = 1e-6, 2, 1
    qp, qm = q.copy(), q.copy()
    qp[i, c] += eps
    qm[i, c] -= eps
    fd = (naive_loss(qp, d, lists, loss) - naive_loss(qm, d, lists, loss)) / (2 * eps)
    assert float(gq[i, c]) == pytest.approx(fd, rel=1e-3, abs=1e-5)
    # the same through padded arrays and chunks: rel / rel_valid, chunk_size dividing m = 9
    chunked, _ = loss_and_grad(jnp.asarray(q, F32), jnp.asarray(d, F32), jnp.asarray(qr.rel),
                               rel_valid=jnp.asarray(qr.rel_valid), loss=loss, chunk_size=3)
    assert float(chunked) == pytest.approx(float(got), rel=1e-6)


def test_ragged_accuracy_serves_a_query_when_its_own_count_is_its_top():
    lists, q, d = _problem(2, m=30, n=12, dim=3)
    s = q @ d.T
    served, pairs_hit = [], 0
    for i, r in enumerate(lists):
        top = list(np.argsort(-s[i], kind="stable")[: len(r)])
        hit = len(set(top) & set(r))
        pairs_hit += hit
        served.append(hit == len(r))
    want = pairs_hit / sum(len(r) for r in lists)
    qr = as_qrels(lists, n_docs=12)
    acc = topk_accuracy(q.astype(F32), d.astype(F32), qr)
    assert float(acc) == pytest.approx(want, abs=1e-6)
    hits = np.asarray(topk_hits(q.astype(F32), d.astype(F32), qr))
    assert (hits == qr.counts).tolist() == served
    # a fixed cut-off still means top-k for every query
    k3 = np.asarray(topk_hits(q.astype(F32), d.astype(F32), qr, k=3))
    want3 = [len(set(np.argsort(-s[i], kind="stable")[:3]) & set(r)) for i, r in enumerate(lists)]
    assert k3.tolist() == want3


def naive_margins(q, d, lists):
    s = q @ d.T
    out = []
    for i, r in enumerate(lists):
        irr = [j for j in range(d.shape[0]) if j not in r]
        out.append(min(s[i, p] for p in r) - max(s[i, j] for j in irr))
    return np.array(out)


def test_ragged_certificate_and_bounds_match_loops():
    lists, _, d = _problem(3, m=8, n=10, dim=5)
    mask = _mask(lists, 10)
    # a solving embedding: each query the sum of its relevant documents' vectors in a basis
    d = np.eye(10)
    q = mask.astype(float) - 0.01 * np.arange(10)[None, :] * mask
    mu = naive_margins(q, d, lists)
    for form in (lists, mask, as_qrels(lists, n_docs=10)):
        c = certify(q, d, qrels=form, dtype=F32)
        assert c.solved and c.margin == pytest.approx(mu.min(), rel=1e-6)
        assert c.worst_query == int(np.argmin(mu)) and c.violations == 0
    bad = q.copy()
    bad[4] = -bad[4]
    mu = naive_margins(bad, d, lists)
    c = certify(bad, d, qrels=lists, dtype=F32)
    assert not c.solved and c.violations == int(np.sum(mu <= 0)) and c.worst_query == int(np.argmin(mu))
    ex = exact_certify(bad, d, qrels=lists)
    assert not ex.solved and ex.violations == c.violations and ex.worst_query == c.worst_query
    assert exact_certify(q, d, qrels=mask).solved
    assert certified_sign_rank(q, d, lists) == 11 and certified_sign_rank(bad, d, mask) is None
    # Forster from the dense sign matrix, by SVD
    sign = np.where(mask, 1.0, -1.0)
    want = np.sqrt(sign.size) / np.linalg.svd(sign, compute_uv=False)[0]
    assert forster_lower_bound(lists, 10) == pytest.approx(want, rel=1e-10)
    assert forster_lower_bound(mask) == pytest.approx(want, rel=1e-10)
    # Theorem 1 counts distinct relevant sets: 3 of them here
    assert margin_dimension_bound(gamma=0.1, qrels=[[0, 1], [2], [0, 1], [1, 3]]) == 1
    assert margin_dimension_bound(gamma=0.01, qrels=[[j] for j in range(200)] + [[0, 1]]) == \
        int(np.ceil(np.log(201) / np.log(101)))


@pytest.mark.parametrize("loss", ["infonce", "margin", "sigmoid"])
def test_frontier_loss_on_ragged_queries_matches_a_loop(loss):
    lists, q, d = _problem(4)
    qr = as_qrels(lists, n_docs=d.shape[0])
    rec = FrontierRecipe.of(loss)
    params = FrontierParams(scale=jnp.asarray(1.5), bias=jnp.asarray(0.0), log_temperature=jnp.log(0.1))
    got = float(frontier_loss(jnp.asarray(q), jnp.asarray(d), params, jnp.asarray(qr.rel), recipe=rec,
                              rel_valid=jnp.asarray(qr.rel_valid)))
    s = q @ d.T
    if loss == "infonce":
        want = naive_loss(q, d, lists, "infonce")
    elif loss == "margin":
        want = naive_loss(q, d, lists, "margin")
    else:
        y = np.where(_mask(lists, d.shape[0]), 1.0, -1.0)
        want = np.sum(np.log1p(np.exp(-1.5 * s * y)))
    assert got == pytest.approx(want, rel=1e-5)


# ---------------------------------------------------------------------------------------------
# one call each: solve, min_dimension, certify


def test_solve_a_ragged_problem_and_certify_it():
    r = solve(qrels=LISTS, dim=4, key=jax.random.key(0), max_steps=2000)
    assert r.solved and r.q.shape == (5, 4) and r.d.shape == (6, 4)
    mu = naive_margins(np.asarray(r.q, np.float64), np.asarray(r.d, np.float64), LISTS)
    assert r.margin == pytest.approx(mu.min(), abs=1e-6) and r.margin > 0
    # the same problem in another form is the same run, bit for bit
    again = solve(qrels=_mask(LISTS, 6), dim=4, key=jax.random.key(0), max_steps=2000)
    np.testing.assert_array_equal(again.q, r.q)
    assert again.steps == r.steps


def test_solve_qrels_of_k_subsets_solves_as_the_n_problem():
    # the same relevant sets through qrels= and through n: both solve at d = 4, and the
    # (differently padded) runs certify
    a = solve(6, 4, key=0)
    b = solve(qrels=Qrels.subsets(6, 2), dim=4, key=0)
    assert a.solved and b.solved and a.margin > 0 and b.margin > 0


def test_min_dimension_over_user_qrels_both_recipes():
    qr = as_qrels([[0, 1], [1, 2], [2, 3], [3, 0], [0]], n_docs=5)
    off = min_dimension(qrels=qr, dims=[1, 4], seeds=[0, 1], recipe=OFFICIAL._replace(max_steps=1000))
    assert off.recipe == "official" and off.n == 5 and len(off.runs) == 4
    assert off.dim == 4 and all(not r.solved for r in off.runs if r.dim == 1)
    for r in off.runs:
        got = solve(qrels=qr, dim=r.dim, key=r.seed, max_steps=1000, certify_margin=False)
        assert certify(got.q, got.d, qrels=qr, dtype=F32).margin == r.margin
    fr = min_dimension(qrels=qr, dims=[1, 4], seeds=[0], recipe=FrontierRecipe.of("sigmoid", steps=600))
    assert fr.recipe == "frontier" and fr.dim == 4
    rec = FrontierRecipe.of("sigmoid", steps=600)
    solo = run_frontier(dim=4, qrels=qr, key=jax.random.key(0), recipe=rec)
    assert solo.solved and solo.margin == pytest.approx(fr.margins[(4, 0)], abs=1e-6)


# ---------------------------------------------------------------------------------------------
# bad input: each a clear error naming it, or correct handling


def test_bool_mask_where_indices_are_expected_is_read_as_a_mask():
    lists, q, d = _problem(5)
    mask = _mask(lists, d.shape[0])
    for fn in (lambda r: loss_and_grad(q.astype(F32), d.astype(F32), r)[0],
               lambda r: topk_accuracy(q.astype(F32), d.astype(F32), r),
               lambda r: certify(q, d, qrels=r, dtype=F32).margin):
        assert float(fn(mask)) == float(fn(as_qrels(lists, n_docs=d.shape[0])))


def test_minus_one_padding_is_ragged_qrels():
    qr = as_qrels(np.array([[3, -1, -1], [-1, 0, 2], [1, 2, 4]]), n_docs=5)
    assert qr.index.tolist() == [[3, -1, -1], [0, 2, -1], [1, 2, 4]]
    with pytest.raises(ValueError, match="id -2"):
        as_qrels(np.array([[3, -2], [0, 1]]))


def test_duplicate_relevant_ids_are_refused():
    with pytest.raises(ValueError, match="query 1 lists document 2 more than once"):
        as_qrels([[0], [2, 2]], n_docs=4)
    with pytest.raises(ValueError, match=r"query 0 \('a'\) lists document 0 more than once"):
        as_qrels([("a", "x", 1), ("a", "x", 1), ("b", "y", 1)])


def test_a_query_with_no_relevant_or_no_irrelevant_document():
    with pytest.raises(ValueError, match="query 1 has no relevant document"):
        as_qrels([[0], [], [1]], n_docs=3)
    with pytest.raises(ValueError, match="query 1 has no relevant document"):
        as_qrels(np.array([[True, False], [False, False]]))
    with pytest.raises(ValueError, match="query 0 finds every one of the 2 documents relevant"):
        as_qrels([[0, 1], [1]])
    with pytest.raises(ValueError, match="no document is irrelevant"):
        solve(qrels=[[0, 1, 2]], dim=2, key=0)


def test_ids_out_of_range():
    with pytest.raises(ValueError, match=r"document id 7, outside \[0, n_docs=5\)"):
        as_qrels([[0], [7]], n_docs=5)
    with pytest.raises(ValueError, match="document id 3, outside"):
        certify(np.eye(3), np.eye(3), qrels=[[0], [1], [3]])
    with pytest.raises(ValueError, match="not in doc_ids"):
        read_qrels(io.StringIO("q1\tz\t1\n"), doc_ids=["a", "b"])


def test_empty_qrels():
    for empty in ([], np.zeros((0, 3), bool), np.zeros((2, 0), np.int32)):
        with pytest.raises(ValueError, match="empty"):
            as_qrels(empty)
    with pytest.raises(ValueError, match="no qrels line"):
        read_qrels(io.StringIO("\n\n"))
    with pytest.raises(ValueError, match="header but no qrels line"):
        read_qrels(io.StringIO("query-id\tcorpus-id\tscore\n"))


def test_graded_scores_without_a_threshold():
    with pytest.raises(ValueError, match=r"graded scores \(\[0.0, 1.0, 2.0\]\): pass threshold="):
        read_qrels(io.StringIO("q\td1\t2\nq\td2\t1\nq\td3\t0\n"))
    with pytest.raises(ValueError, match="score 'high' is not a number"):
        read_qrels(io.StringIO("q\td1\t1\nq\td2\thigh\n"))


def test_non_finite_embeddings_with_qrels():
    q, d = np.eye(3), np.eye(3)
    q[1, 1] = np.nan
    with pytest.raises(ValueError, match="Q contains NaN"):
        certify(q, d, qrels=[[0], [1], [2]])
    with pytest.raises(ValueError, match="q contains NaN"):
        certified_sign_rank(q, d, [[0], [1], [2]])
    with pytest.raises(ValueError, match="q contains NaN"):
        loss_and_grad(q, d, [[0], [1, 2], [2]])
    with pytest.raises(ValueError, match="finite"):
        exact_certify(np.eye(3), np.full((3, 3), np.inf), qrels=[[0], [1], [2]])


def test_a_scalar_where_a_list_is_expected():
    with pytest.raises(TypeError, match="got the scalar 3"):
        as_qrels(3)
    with pytest.raises(TypeError, match=r"qrels\[0\] is the scalar 1.*\[1\]"):
        as_qrels([1, 2])
    with pytest.raises(TypeError, match="dims must be a sequence of ints"):
        min_dimension(qrels=LISTS, dims=5)
    with pytest.raises(TypeError, match="seeds must be a sequence of ints"):
        min_dimension(qrels=LISTS, dims=[2], seeds=0)


def test_entry_points_refuse_ambiguous_arguments():
    with pytest.raises(TypeError, match="not both"):
        solve(6, 4, key=0, qrels=LISTS)
    with pytest.raises(TypeError, match="dim="):
        solve(qrels=LISTS, key=0)
    with pytest.raises(TypeError, match="not both"):
        min_dimension(6, qrels=LISTS, dims=[2])
    with pytest.raises(ValueError, match="disagrees"):
        certify(np.eye(6)[:5], np.eye(6), qrels=LISTS, k=2)
    with pytest.raises(ValueError, match="qrels has 6 documents but there are 7"):
        certify(np.ones((5, 7)), np.eye(7), qrels=as_qrels(LISTS))


def test_run_refuses_masks_and_minus_one_padding():
    n = 4
    mask = _mask([[0, 1], [2, 3]], n)
    prob = Problem(rel=jnp.asarray(mask), query_valid=jnp.ones(2, bool), doc_valid=jnp.ones(n, bool))
    with pytest.raises(TypeError, match=r"mask.*solve\(qrels="):
        run(prob, 3, key=jax.random.key(0))
    padded = Problem(rel=jnp.asarray([[0, 1], [2, -1]], jnp.int32), query_valid=jnp.ones(2, bool),
                     doc_valid=jnp.ones(n, bool))
    with pytest.raises(ValueError, match=r"-1 padding.*solve\(qrels="):
        run(padded, 3, key=jax.random.key(0))
    # with rel_valid the same problem runs, and is the problem solve(qrels=) poses
    qr = as_qrels([[0, 1], [2]], n_docs=n)
    ok = run(Problem(rel=jnp.asarray(qr.rel), query_valid=jnp.ones(2, bool), doc_valid=jnp.ones(n, bool),
                     rel_valid=jnp.asarray(qr.rel_valid)), 3, key=jax.random.key(0))
    assert float(ok.best_accuracy) == 1.0


def test_a_mask_written_as_nested_lists_is_a_mask():
    rows = _mask([[0, 2], [1], [3]], 4)
    for nested in (rows.tolist(), rows.astype(float).tolist()):
        np.testing.assert_array_equal(as_qrels(nested).mask(), rows)
    with pytest.raises(TypeError, match="other than 0 and 1"):
        as_qrels([[0.5, 1.0], [0.0, 1.0]])
    with pytest.raises(TypeError, match=r"qrels\[1\] must list integer document ids"):
        as_qrels([[0, 2], [True, False, True]])

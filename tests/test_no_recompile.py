"""Every public function compiles once per shape, not once per call.

An eager (un-jitted) ``lax.cond``/``fori_loop``/``while_loop``/``scan``/``map`` built from fresh
closures, or a ``jax.jit`` of a closure made inside the call, is traced and compiled again at
every call: a loop over such calls spends seconds and gigabytes of compiled programs on work that
one compiled program would do.  Each case is called once, then again with an identical fresh copy
of its inputs under ``jax.log_compiles``: the second call must compile nothing.

The cases are the valid baseline call of each entry of ``tests/fuzz/fuzz_registry.py`` (which
covers each package's ``__all__``), and :data:`EXTRA`: with inputs written here, public functions
that the registry exempts but that run numerical code, the non-default paths (``chunk_size=``,
other backends, other methods) whose eager ``lax.map``/``scan`` the registry's baselines never
reach, and the row-normalising kernels that every package calls.  :data:`SKIP` and :data:`XFAIL`
(strict: an entry that starts to pass fails the suite, so that its line is deleted) say what is
not, or not yet, clean.
"""

from __future__ import annotations

import logging

import jax
import numpy as np
import optax
import pytest
from fuzz_registry import SPECS, mat

#: registry entries not swept, each with its reason (keep this short)
SKIP: dict[str, str] = {
    "data.read_idx": "its baseline is a refused call (a path that does not exist): nothing to repeat",
}

#: entries known to recompile, each a strict xfail with its reason (empty: every case is fixed)
XFAIL: dict[str, str] = {}


def _registry_cases() -> dict:
    return {s.id: (lambda s=s: s.fn(**s.baseline())) for s in SPECS}


def _dot(x, y):
    return x @ y


_ROW_DOTS = jax.vmap(_dot)
_ADAM = optax.adam(0.05)  # one optimiser object: a new one is a new static configuration


def _halve_init(*, x0):
    return x0


def _halve(x):
    return x / 2


def _below_one(x):
    return x < 1


def _extra_cases() -> dict:
    """Exempt public functions, and the chunked paths that the registry's baselines do not take."""
    from embtheory import core, depth, encoders, qkernels, signrank
    from embtheory.core.pairwise import inverse_row_norms, unit_rows

    K = np.array([[1.0, 0.3, 0.2], [0.3, 1.0, 0.1], [0.2, 0.1, 1.0]], np.float32)
    q, d = mat(6, 3, 1), mat(8, 3, 2)
    rel = np.array([[0, 1], [2, 3], [4, 5], [6, 7], [0, 2], [1, 3]], np.int32)
    F, G = mat(12, 4, 1), mat(10, 4, 2)
    halve = core.Iterative(init=_halve_init, step=_halve, done=_below_one)
    X = np.random.default_rng(0).normal(size=(12, 5)).astype(np.float32)
    y = np.repeat(np.arange(3), 4)
    return {
        "core.unit_rows": lambda: unit_rows(X),
        "core.inverse_row_norms": lambda: inverse_row_norms(X),
        "core.normalize_rows/float32": lambda: core.normalize_rows(X),
        "depth.tte_depth/float32": lambda: depth.tte_depth(X),
        "encoders.fewshot_accuracy/mean": lambda: encoders.fewshot_accuracy(X, y, X, y, method="mean"),
        "encoders.fewshot_accuracy/knn": lambda: encoders.fewshot_accuracy(X, y, X, y, method="knn"),
        **{f"depth.select_examples/{m}": (lambda m=m: depth.select_examples(X, y, 2, method=m,
                                                                            key=jax.random.key(1)))
           for m in ("depth", "centroid", "diversity", "random")},
        "core.gram": lambda: core.gram(_dot, mat(6, 3)),
        "core.gram/chunked": lambda: core.gram(_dot, mat(6, 3), chunk_size=2),
        "core.sharded_map": lambda: core.sharded_map(_ROW_DOTS, mat(6, 3), mat(6, 3, 1)),
        "qkernels.alignment_landscape": lambda: qkernels.alignment_landscape(
            np.stack([mat(4, 2), mat(4, 2, 1)]), np.array([[1.0, -1.0, 1.0, -1.0]] * 2), mat(3, 2)),
        "core.iterate": lambda: core.iterate(halve, np.float32(10.0)),
        "core.iterate/max_steps": lambda: core.iterate(halve, np.float32(10.0), max_steps=2),
        "qkernels.pair_values": lambda: qkernels.pair_values(K),
        "qkernels.kernel_ridge_predict": lambda: qkernels.kernel_ridge_predict(K, np.ones(3, np.float32)),
        "qkernels.alignment_variance": lambda: qkernels.alignment_variance(
            mat(4, 2), np.array([1.0, -1.0, 1.0, -1.0]), mat(2, 2)),
        "qkernels.alignment_values/batched": lambda: qkernels.alignment_values(
            mat(4, 2), np.array([1.0, -1.0, 1.0, -1.0]), mat(3, 2), batch_size=1),
        "qkernels.alignment_step": lambda: qkernels.alignment_step(
            qkernels.alignment_init(np.zeros(2, np.float32), _ADAM), mat(4, 2),
            np.array([1.0, -1.0, 1.0, -1.0]), _ADAM),
        "qkernels.train_alignment": lambda: qkernels.train_alignment(
            mat(4, 2), np.array([1.0, -1.0, 1.0, -1.0]), np.zeros(2, np.float32), steps=2),
        "qkernels.kernels_by_depth": lambda: qkernels.kernels_by_depth(mat(3, 2), layers=(1, 2)),
        "depth.rejection_rates": lambda: depth.rejection_rates(
            depth.gaussian_mixture_sampler(key=jax.random.key(0), m=5, n=5, d=2, shift=0.5),
            key=jax.random.key(1), n_trials=2),
        "depth.MixtureSampler/spherical": lambda: depth.spherical_mixture_sampler(
            key=jax.random.key(0), m=5, n=5, d=3, angle=0.1)(jax.random.key(1)),
        "qkernels.embed/chunked": lambda: qkernels.embed(mat(4, 2), chunk_size=2),
        "qkernels.embed/pennylane": lambda: qkernels.embed(mat(2, 2), backend="pennylane"),
        "qkernels.fidelity_gram/mps": lambda: qkernels.fidelity_gram(
            mat(3, 4), backend="mps", dtype=np.complex64),
        "qkernels.projected_gram/mps": lambda: qkernels.projected_gram(
            mat(3, 4), backend="mps", dtype=np.complex64),
        "qkernels.fidelity_gram/chunked": lambda: qkernels.fidelity_gram(mat(4, 2), chunk_size=2),
        "qkernels.projected_gram/chunked": lambda: qkernels.projected_gram(mat(4, 2), chunk_size=2),
        "qkernels.product_kernel/chunked": lambda: qkernels.product_kernel(mat(4, 2), chunk_size=2),
        "signrank.run_frontier": lambda: signrank.run_frontier(
            5, 3, key=jax.random.key(0), recipe=signrank.FrontierRecipe(steps=20)),
        "signrank.moment_curve_gap": lambda: signrank.moment_curve_gap(6, dtype=np.float32),
        "signrank.certified_sign_rank": lambda: signrank.certified_sign_rank(q, d, rel),
        "signrank.topk_hits/chunked": lambda: signrank.topk_hits(q, d, rel, k=2, chunk_size=3),
        "signrank.topk_accuracy/chunked": lambda: signrank.topk_accuracy(q, d, rel, k=2, chunk_size=3),
        "signrank.loss_and_grad/chunked": lambda: signrank.loss_and_grad(q, d, rel, chunk_size=3),
        "signrank.recall_at_k/chunked": lambda: signrank.recall_at_k(q, d, rel, ks=(2,), chunk_size=3),
        "signrank.qrel_graph_stats/chunked": lambda: signrank.qrel_graph_stats(rel, chunk_size=2),
        "depth.tte_depth/chunked": lambda: depth.tte_depth(F, G, chunk_size=3),
        "depth.spatial_depth/chunked": lambda: depth.spatial_depth(F, G, chunk_size=3),
        "depth.lens_depth/chunked": lambda: depth.lens_depth(F, G, chunk_size=3),
        "depth.mahalanobis_depth/chunked": lambda: depth.mahalanobis_depth(F, G, chunk_size=3),
        "depth.projection_depth/chunked": lambda: depth.projection_depth(
            F, G, key=jax.random.key(0), n_directions=20, chunk_size=3),
        "depth.halfspace_depth/chunked": lambda: depth.halfspace_depth(
            F, G, key=jax.random.key(0), n_directions=20, chunk_size=3),
        "depth.depth_rank_test/permutations": lambda: depth.depth_rank_test(
            F, G, n_permutations=20, key=jax.random.key(0), chunk_size=3, permutation_chunk_size=7),
    }


EXTRA = _extra_cases()
CASES = {**_registry_cases(), **EXTRA}


def _compiled_on_repeat(call, caplog) -> list[str]:
    jax.block_until_ready(jax.tree.leaves(call()))
    caplog.clear()
    with caplog.at_level(logging.WARNING), jax.log_compiles(True):
        jax.block_until_ready(jax.tree.leaves(call()))
    return [r.getMessage().split(" with ")[0] for r in caplog.records
            if r.getMessage().startswith("Compiling")]


def _params():
    out = []
    for name in sorted(CASES):
        marks = []
        if name in SKIP:
            marks.append(pytest.mark.skip(reason=SKIP[name]))
        elif name in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[name]))
        out.append(pytest.param(name, id=name, marks=marks))
    return out


@pytest.mark.parametrize("name", _params())
def test_second_eager_call_compiles_nothing(name, caplog):
    try:
        compiled = _compiled_on_repeat(CASES[name], caplog)
    except ImportError as e:
        pytest.skip(f"optional extra missing: {e}")
    except Exception as e:
        if type(e).__name__ == "DataError":
            pytest.skip(f"needs the data cache: {e}")
        raise
    assert compiled == [], f"{name} recompiled on a repeated eager call with the same inputs: {compiled}"


def test_skip_and_xfail_lists_name_real_cases():
    assert not [n for n in [*SKIP, *XFAIL] if n not in CASES]
    assert not set(EXTRA) & {s.id for s in SPECS}, "an extra case hides a registry entry of the same name"


def test_the_check_sees_a_recompile(caplog):
    """The sweep's check itself: an eager ``lax.cond`` of fresh lambdas compiles at every call."""
    x = np.arange(3.0, dtype=np.float32)

    def eager_cond():
        return jax.lax.cond(x[0] > 0, lambda v: v + 1, lambda v: v - 1, x)

    assert _compiled_on_repeat(eager_cond, caplog), "log_compiles records were not seen: the sweep is blind"
    assert _compiled_on_repeat(lambda: jax.jit(jax.numpy.sin)(x), caplog) == []

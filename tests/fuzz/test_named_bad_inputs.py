"""Named bad inputs across the packages, each refused by name within a deadline: stale or
mislabelled results, inputs that would give a silent wrong answer, and errors that would otherwise
come from deep inside JAX.

A case that is known to fail is a strict xfail listed in one place, ``xfail_list.REGRESSIONS``
(applied at the bottom of this file); once it passes it XPASSes, which fails the run, and its line
must go.
"""

from __future__ import annotations

import json
import math
import os
import signal
import textwrap
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from xfail_list import REGRESSIONS

from embtheory.core import ResultStore, StoreError, config_hash

KEY = jax.random.key(0)
X64 = bool(jax.config.jax_enable_x64)


def cases(test_name: str, ids: list[str]) -> list:
    """Parameters of ``test_name``, each a strict xfail when ``xfail_list.REGRESSIONS`` lists it."""
    out = []
    for i in ids:
        owner = REGRESSIONS.get(f"{test_name}[{i}]")
        marks = [pytest.mark.xfail(strict=True, reason=owner)] if owner else []
        out.append(pytest.param(i, id=i, marks=marks))
    return out


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


def refuses(fn, *args, errors=(ValueError, TypeError, MemoryError), match=None, deadline=20.0, **kw):
    """``fn(*args, **kw)`` raises one of ``errors`` (matching ``match``) within ``deadline`` s."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, deadline)
    try:
        out = fn(*args, **kw)
    except _Hang:
        pytest.fail(f"{fn.__name__} ran past {deadline} s instead of refusing")
    except errors as e:
        if match is not None:
            import re

            assert re.search(match, str(e)), f"message {str(e)!r} does not match {match!r}"
        return e
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    pytest.fail(f"{fn.__name__} accepted a bad input and returned {out!r:.200}")


# ------------------------------------------------------------------ stale and mislabelled results


def test_tampered_record_claiming_older_commit_and_tenfold_value_is_caught(tmp_path):
    store = ResultStore(tmp_path)
    store.put({"n": 3}, {"value": 1.25})
    (path,) = (tmp_path / "records").glob("*.json")
    rec = json.loads(path.read_text())
    rec["provenance"]["git_commit"] = "0123456789abcdef"
    rec["result"]["value"] = 12.5
    path.write_text(json.dumps(rec))
    with pytest.raises(StoreError, match=rf"{path.name}.*modified after it was written"):
        store.get({"n": 3})


def test_solve_float64_with_x64_off_is_an_error():
    if X64:
        pytest.skip("x64 is on")
    from embtheory.signrank import solve

    refuses(solve, 4, 3, key=KEY, dtype=jnp.float64, max_steps=10, match="JAX_ENABLE_X64")


def test_critical_n_float64_with_x64_off_is_an_error(tmp_path):
    if X64:
        pytest.skip("x64 is on")
    from embtheory.signrank import critical_n

    refuses(critical_n, 4, seeds=[42], dtype=jnp.float64, store=ResultStore(tmp_path), match="JAX_ENABLE_X64")
    assert len(ResultStore(tmp_path)) == 0


def test_float32_record_is_not_reused_as_float64(tmp_path, monkeypatch):
    import embtheory.core.store as st

    store = ResultStore(tmp_path)
    store.put({"n": 1}, {"v": 1.0})
    monkeypatch.setattr(st, "_effective_dtype", lambda: "float64")
    assert store.get({"n": 1}) is None


def test_store_refuses_a_float64_config_with_x64_off(tmp_path):
    if X64:
        pytest.skip("x64 is on")
    refuses(ResultStore(tmp_path).put, {"n": 1, "dtype": "float64"}, {"v": 1}, match="JAX_ENABLE_X64")


def test_equivalent_configurations_hash_alike():
    assert config_hash({"n": 1}) == config_hash({"n": 1.0})
    assert config_hash({"t": np.float32(0.1)}) == config_hash({"t": 0.1})
    assert config_hash({"s": (1, 2)}) == config_hash({"s": [1, 2]})


def test_non_finite_numbers_come_back_as_floats(tmp_path):
    ResultStore(tmp_path).put({"n": 1}, {"a": math.nan, "b": math.inf, "c": -math.inf})
    got = ResultStore(tmp_path).get({"n": 1})
    assert math.isnan(got["a"]) and got["b"] == math.inf and got["c"] == -math.inf


def test_record_whose_config_does_not_hash_to_its_name_is_not_returned(tmp_path):
    import embtheory.core.store as st

    store = ResultStore(tmp_path)
    store.put({"n": 1}, {"v": 1})
    (path,) = (tmp_path / "records").glob("*.json")
    rec = json.loads(path.read_text())
    rec["config"]["n"] = 7
    rec["checksum"] = st._checksum(rec)
    path.write_text(json.dumps(rec))
    with pytest.raises(StoreError, match="does not match its name"):
        store.records()


def test_a_claimed_unit_is_not_computed_by_a_second_process(tmp_path):
    store = ResultStore(tmp_path)
    mine = store.claim({"n": 1})
    assert mine is not None and store.claim({"n": 1}) is None  # the other process sees it taken
    mine.release()


def test_report_keeps_earlier_experiments_and_is_written_atomically(tmp_path, monkeypatch):
    import os

    from embtheory.core.experiment import write_report

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.md").write_text(f"## {name.upper()}\n")
    write_report(tmp_path)
    text = (tmp_path / "REPORT.md").read_text()
    assert "## A" in text and "## B" in text
    calls = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda s, d, *a, **k: (calls.append(str(d)), real(s, d, *a, **k)))
    write_report(tmp_path)
    assert calls and calls[-1].endswith("REPORT.md")  # through a temporary file and a rename


# ------------------------------------------------------------------------ silent wrong answers


def test_moment_curve_embedding_int_dtype_is_refused():
    from embtheory.signrank import moment_curve_embedding

    refuses(moment_curve_embedding, 6, 2, dtype=np.int32, match="dtype")


def test_recall_at_k_fractional_document_index_is_refused():
    from embtheory.signrank import recall_at_k

    q, d = np.eye(3, dtype=np.float32), np.eye(3, dtype=np.float32)
    refuses(recall_at_k, q, d, np.array([[0.5], [1.0], [2.0]]), ks=(1,), match="qrels")


def test_recall_at_k_with_every_qrel_padding_is_refused():
    from embtheory.signrank import recall_at_k

    q, d = np.eye(3, dtype=np.float32), np.eye(3, dtype=np.float32)
    refuses(recall_at_k, q, d, np.full((3, 1), -1), ks=(1,), match="qrels")


def test_loss_and_grad_nan_embeddings_are_refused():
    from embtheory.signrank import loss_and_grad

    q = np.full((2, 3), np.nan, np.float32)
    d = np.ones((4, 3), np.float32)
    refuses(loss_and_grad, q, d, np.array([[0, 1], [2, 3]]), match="q")


def test_kernel_ridge_fit_nan_label_is_refused():
    from embtheory.qkernels import kernel_ridge_fit

    refuses(kernel_ridge_fit, np.eye(3), np.array([1.0, np.nan, -1.0]), match="y")


@pytest.mark.parametrize("K, y", [
    (np.eye(3), np.zeros(3)),
    (np.zeros((3, 3)), np.array([1.0, -1.0, 1.0])),
    (np.full((3, 3), np.nan), np.array([1.0, -1.0, 1.0])),
], ids=["zero-labels", "zero-kernel", "nan-kernel"])
def test_target_alignment_degenerate_inputs_are_refused(K, y):
    from embtheory.qkernels import target_alignment

    refuses(target_alignment, K, y, match="K|y")


def test_uniform_angles_low_above_high_is_refused():
    from embtheory.qkernels import uniform_angles

    refuses(uniform_angles, 3, 2, key=KEY, low=5.0, high=1.0, match="low|high")


@pytest.mark.data
def test_mnist_pca_same_class_twice_is_refused():
    from embtheory.qkernels import mnist_pca

    refuses(mnist_pca, 2, 4, classes=(3, 3), match="classes")


def test_random_estimate_fractional_shape_is_refused():
    from embtheory.qkernels import random_estimate

    refuses(random_estimate, (2.7, 2), shots=10, key=KEY, match="shape")


def test_haar_beta_negative_qubits_is_refused():
    from embtheory.qkernels import haar_beta

    refuses(haar_beta, -1, match="n")


def test_haar_variance_many_qubits_is_about_zero_not_nan():
    from embtheory.qkernels import haar_variance

    v = float(np.asarray(haar_variance(2000)))
    assert math.isfinite(v) and 0.0 <= v < 1e-300


def test_tte_depth_user_distance_outside_0_2_is_refused():
    from embtheory.depth import tte_depth

    F = np.random.default_rng(0).normal(size=(6, 3))
    refuses(tte_depth, F, distance=lambda a, b: 5.0 + jnp.dot(a, b), match="distance")


def test_rank_sum_z_with_an_empty_side_is_refused():
    from embtheory.depth import rank_sum_z

    refuses(rank_sum_z, np.linspace(0, 1, 5), np.zeros(0), match="dG")


def test_rejection_rates_alpha_above_one_is_refused():
    from embtheory.depth import gaussian_mixture_sampler, rejection_rates

    sampler = gaussian_mixture_sampler(key=KEY, m=5, n=5, d=2, shift=0.0)
    refuses(rejection_rates, sampler, key=KEY, n_trials=2, alpha=1.5, match="alpha")


# ----------------------------------------------------------------------- errors from deep inside

_BAD_KEYS = {"int": 0, "none": None, "str": "k", "float": 1.5, "batch": jax.random.split(KEY, 3),
             "raw-shape": np.zeros(3, np.uint32)}


def _key_takers():
    from embtheory.depth import random_directions
    from embtheory.encoders import augment
    from embtheory.qkernels import swap_estimate, uniform_angles
    from embtheory.signrank import qrel_pattern, solve

    return {
        "uniform_angles": lambda key: uniform_angles(3, 2, key=key),
        "swap_estimate": lambda key: swap_estimate(np.full((2, 2), 0.5), shots=4, key=key),
        "random_directions": lambda key: random_directions(3, 2, key=key),
        "augment": lambda key: augment(["a b c"], method="swap", strength=0.5, key=key),
        "qrel_pattern": lambda key: qrel_pattern("random", 8, 4, key=key),
        "solve": lambda key: solve(4, 3, key=key, max_steps=10),
    }


@pytest.mark.parametrize("fn_name", cases("test_bad_keys_get_one_message_everywhere", [
    "uniform_angles", "swap_estimate", "random_directions", "augment", "qrel_pattern", "solve"]))
def test_bad_keys_get_one_message_everywhere(fn_name):
    fn = _key_takers()[fn_name]
    messages = {}
    for label, key in _BAD_KEYS.items():
        if fn_name == "solve" and label == "int":
            continue  # solve takes an int seed too (a sign-rank trial's identity)
        if fn_name == "swap_estimate" and label == "batch":
            continue  # the shot-noise estimators take a batch of keys (documented)
        e = refuses(fn, key, match="key")
        messages[label] = type(e).__name__
    assert "vmap" not in " ".join(messages)


@pytest.mark.parametrize("case", cases("test_integers_past_int32_or_int64_are_refused_before_jax", [
    "root_key-2**64", "swap_estimate-shots-2**31", "depth_rank_test-perms-2**63",
    "random_estimate-shots-2**63"]))
def test_integers_past_int32_or_int64_are_refused_before_jax(case):
    from embtheory.core import root_key
    from embtheory.depth import depth_rank_test
    from embtheory.qkernels import random_estimate, swap_estimate

    F = np.random.default_rng(0).normal(size=(6, 3))
    calls = {
        "root_key-2**64": (lambda: root_key(2**64), "seed"),
        "swap_estimate-shots-2**31": (lambda: swap_estimate(np.full((2, 2), 0.5), shots=2**31, key=KEY),
                                      "shots"),
        "depth_rank_test-perms-2**63": (lambda: depth_rank_test(F, F + 1, n_permutations=2**63, key=KEY),
                                        "n_permutations"),
        "random_estimate-shots-2**63": (lambda: random_estimate((2, 2), shots=2**63, key=KEY), "shots"),
    }
    fn, name = calls[case]
    refuses(fn, match=name)


@pytest.mark.parametrize("case", cases("test_int_or_complex_dtypes_are_refused", [
    "random_directions-int32", "uniform_angles-complex64", "random_estimate-int32", "solve-int32"]))
def test_int_or_complex_dtypes_are_refused(case):
    from embtheory.depth import random_directions
    from embtheory.qkernels import random_estimate, uniform_angles
    from embtheory.signrank import solve

    calls = {
        "random_directions-int32": lambda: random_directions(3, 2, key=KEY, dtype=jnp.int32),
        "uniform_angles-complex64": lambda: uniform_angles(3, 2, key=KEY, dtype=jnp.complex64),
        "random_estimate-int32": lambda: random_estimate((2, 2), shots=4, key=KEY, dtype=jnp.int32),
        "solve-int32": lambda: solve(4, 3, key=KEY, dtype=jnp.int32, max_steps=10),
    }
    refuses(calls[case], match="dtype")


@pytest.mark.parametrize("case", ["tte_depth", "loss_and_grad", "knn_predict"])
def test_mismatched_dimensions_are_refused_before_dot_general(case):
    from embtheory.depth import tte_depth
    from embtheory.encoders import knn_predict
    from embtheory.signrank import loss_and_grad

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(6, 3)).astype(np.float32), rng.normal(size=(4, 5)).astype(np.float32)
    calls = {
        "tte_depth": (lambda: tte_depth(a, b), "G"),
        "loss_and_grad": (lambda: loss_and_grad(a, b, np.tile(np.array([0, 1], np.int32), (6, 1))), "d"),
        "knn_predict": (lambda: knn_predict(a, np.array([0, 1, 0, 1, 0, 1]), b), "queries"),
    }
    fn, name = calls[case]
    e = refuses(fn, match=name)
    assert "dot_general" not in str(e)


def test_data_root_that_is_a_regular_file_is_reported_as_such(tmp_path):
    from embtheory.data import DataError, load_text

    f = tmp_path / "data"
    f.write_text("not a folder")
    e = refuses(load_text, "sst2", root=f, errors=(ValueError, DataError, NotADirectoryError))
    assert "file" in str(e) and "download" not in str(e).lower()


def test_cli_data_root_that_is_a_regular_file_is_one_line(tmp_path, monkeypatch, capsys):
    from embtheory.cli import main

    f = tmp_path / "data"
    f.write_text("x")
    monkeypatch.setenv("EMBTHEORY_DATA", str(f))
    assert main(["reproduce", "depth-type1-error", "--tiny", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "regular file" in err[0]


def test_cli_empty_out_is_refused(tmp_path, monkeypatch, capsys):
    from embtheory.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["reproduce", "depth-type1-error", "--tiny", "--out", ""]) == 2
    assert "--out is empty" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing written into the working directory


@pytest.mark.parametrize("seed", ["18446744073709551616", "-1"])
def test_cli_seed_past_range_is_one_line(tmp_path, capsys, seed):
    from embtheory.cli import main

    assert main(["reproduce", "depth-type1-error", "--seed", seed, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --seed must be an integer")


def test_precision_break_n_float64_large_n_max_is_refused_quickly():
    from embtheory.signrank import precision_break_n

    t0 = time.perf_counter()
    refuses(precision_break_n, 2, dtype=np.float64, n_max=5000, deadline=30.0)
    assert time.perf_counter() - t0 < 30


def test_bootstrap_band_huge_num_is_refused_not_allocated():
    # in a child process: an allocation XLA cannot make aborts the whole process
    import subprocess
    import sys

    code = textwrap.dedent("""
        import jax, numpy as np
        from embtheory.signrank import bootstrap_band
        d = np.arange(4, 12.0)
        try:
            bootstrap_band(d, d**2, [20], degree=2, num=10**9, key=jax.random.key(0))
        except (MemoryError, ValueError) as e:
            print("REFUSED", "num" in str(e))
        else:
            print("RETURNED")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == 0, f"the process died (exit {proc.returncode}): {proc.stderr[-500:]}"
    assert proc.stdout.split() == ["REFUSED", "True"], proc.stdout + proc.stderr[-500:]


# --------------------------------------------------------------- the known failures (ONE list)

for _name, _owner in REGRESSIONS.items():
    if "[" not in _name:  # parametrized cases are marked where their parameters are listed
        globals()[_name] = pytest.mark.xfail(strict=True, reason=_owner)(globals()[_name])

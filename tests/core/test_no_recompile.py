"""Eager calls of public functions compile once per shape, not once per call.

An eager ``lax.cond``/``fori_loop`` whose branches are fresh closures is traced and compiled
again at every call (the k-shot experiment spent 100 s per corpus and gigabytes of compiled
programs on it).  Each case is called once, then again with the same shapes under
``jax.log_compiles``: the second call must compile nothing.
"""

import logging

import jax
import numpy as np
import pytest

from embtheory.core.pairwise import inverse_row_norms, normalize_rows, unit_rows
from embtheory.depth import select_examples, tte_depth
from embtheory.encoders import fewshot_accuracy

_RNG = np.random.default_rng(0)
_X = _RNG.normal(size=(12, 5)).astype(np.float32)
_Y = np.repeat(np.arange(3), 4)

CASES = {
    "unit_rows": lambda: unit_rows(_X),
    "inverse_row_norms": lambda: inverse_row_norms(_X),
    "normalize_rows": lambda: normalize_rows(_X),
    "tte_depth": lambda: tte_depth(_X),
    "fewshot_accuracy/mean": lambda: fewshot_accuracy(_X, _Y, _X, _Y, method="mean"),
    "fewshot_accuracy/knn": lambda: fewshot_accuracy(_X, _Y, _X, _Y, method="knn"),
    **{f"select_examples/{m}": (lambda m=m: select_examples(_X, _Y, 2, method=m, key=jax.random.key(1)))
       for m in ("depth", "centroid", "diversity", "random")},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_eager_call_compiles_nothing(name, caplog):
    jax.block_until_ready(jax.tree.leaves(CASES[name]()))
    caplog.clear()
    with caplog.at_level(logging.WARNING), jax.log_compiles(True):
        jax.block_until_ready(jax.tree.leaves(CASES[name]()))
    compiled = [r.getMessage().split(" with ")[0] for r in caplog.records
                if r.getMessage().startswith("Compiling")]
    assert compiled == [], f"{name} recompiled on a repeated call: {compiled}"

"""A float32 trial's stored record does not depend on the caller's x64 flag.

The store keeps x64 runs apart, but one trial must still have one verdict: with x64 on, the
optimiser's scalar arithmetic (Adam's bias correction, the stopping rule) would be float64 and move
a float32 run's trajectory (and, on several host devices, make it depend on the device count), and
the margin certificate would change dtype.  The suite runs on four host devices, so this covers a
sharded launch.
"""

from __future__ import annotations

import json

import jax

from embtheory.core import ResultStore
from embtheory.signrank import Recipe, success_curve

RECIPE = Recipe(max_steps=1500, patience=200)


def _records(store):
    out = {}
    for path in sorted((store.root / "records").glob("*.json")):
        r = json.loads(path.read_text())
        if r["config"].get("experiment") == "signrank-trial":
            # the file name also hashes the store's effective dtype (x64 runs are kept apart)
            out[(r["config"]["n"], r["config"]["seed"])] = r["result"]
    return out


def test_float32_trials_are_the_same_with_x64_on_and_off(tmp_path):
    off, on = ResultStore(tmp_path / "off"), ResultStore(tmp_path / "on")
    ns = [7, 8, 9]
    curve_off = success_curve(4, ns, seeds=[42, 43], recipe=RECIPE, store=off, certify_solved=True)
    with jax.enable_x64(True):
        curve_on = success_curve(4, ns, seeds=[42, 43], recipe=RECIPE, store=on, certify_solved=True)
    a, b = _records(off), _records(on)
    assert len(a) == 6 and a.keys() == b.keys()
    assert a == b  # bitwise: every float of every record
    assert any(r["margin"] is not None for r in a.values())
    assert (curve_off.solved == curve_on.solved).all()

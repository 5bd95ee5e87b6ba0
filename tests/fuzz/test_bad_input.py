"""Every public function, walked with bad arguments of every kind.

Each bad input is a mutation of ONE argument of a valid call (see ``fuzz_registry``).  A bad
input must be refused with a ValueError, TypeError or MemoryError (ImportError for a missing
optional extra; the data layer's DataError where the registry says so) whose message names the
argument, raised by embtheory's own code (not from inside JAX, NumPy or XLA), within a deadline;
returning anything, a NaN above all, is a failure.  Hypothesis adds generated bad numbers
(derandomized, so CI is deterministic).  Known failures are strict
xfails listed in ``xfail_list.py``.
"""

from __future__ import annotations

import importlib
import inspect
import math
import sys

import pytest
from fuzz_eval import SEEN, Isolated, evaluate
from fuzz_registry import EXEMPT, MUTATIONS, PACKAGES, SPECS, derive_kinds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xfail_list import XFAIL

#: labels of inputs that may abort a process (XLA aborts on an allocation it cannot make)
RISKY = ("beyond-memory", "past-int32", "past-int64", "past-uint32", "past-uint64", "above-784")


@pytest.fixture(scope="module")
def isolated():
    worker = Isolated()
    yield worker
    worker.close()


def _risky(label: str, value) -> bool:
    if label in RISKY:
        return True
    big = isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**20
    return big or (isinstance(value, float) and math.isfinite(value) and abs(value) >= 2**20)


def check_refused(spec, arg: str, label: str, value, isolated) -> None:
    SEEN.add((spec.id, arg, label))
    if _risky(label, value):
        outcome, detail = isolated.evaluate(spec.id, arg, label, value)
    else:
        outcome, detail = evaluate(spec.id, arg, label, value)
    if outcome == "skip":
        pytest.skip(detail)
    if outcome == "fail":
        pytest.fail(detail)


# ------------------------------------------------------------------------------------- cases

_SPECS = {s.id: s for s in SPECS}


def _cases():
    out = []
    for s in SPECS:
        for arg, kind in s.kinds.items():
            written = {label for label, _ in s.extra.get(arg, ())}  # an entry's own value wins
            for label, make in MUTATIONS[kind]:
                if label not in written:
                    out.append((s.id, arg, label, make, True))
        for arg, extras in s.extra.items():
            for label, value in extras:
                out.append((s.id, arg, label, value, False))
    return out


CASES = _cases()


def _params():
    params = []
    for spec_id, arg, label, value, is_maker in CASES:
        case_id = f"{spec_id}-{arg}-{label}"
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[case_id])] if case_id in XFAIL else []
        params.append(pytest.param(spec_id, arg, label, value, is_maker, id=case_id, marks=marks))
    return params


@pytest.mark.parametrize("spec_id, arg, label, value, is_maker", _params())
def test_bad_argument_is_refused(spec_id, arg, label, value, is_maker, isolated):
    spec = _SPECS[spec_id]
    if is_maker:
        value = value(spec.baseline().get(arg))
    check_refused(spec, arg, label, value, isolated)


# --------------------------------------------------------------------- generated bad numbers

_BAD_INTS = {
    "count": st.one_of(st.integers(max_value=0), st.integers(min_value=2**63, max_value=2**70),
                       st.floats(allow_nan=True), st.booleans()),
    "natural": st.one_of(st.integers(max_value=-1), st.integers(min_value=2**63, max_value=2**70),
                         st.floats(allow_nan=True)),
    "size": st.one_of(st.integers(max_value=0), st.integers(min_value=2**40, max_value=2**70),
                      st.floats(allow_nan=True)),
    "real": st.one_of(st.sampled_from([math.nan, math.inf, -math.inf]), st.text(max_size=3),
                      st.complex_numbers(min_magnitude=1, allow_nan=False, allow_infinity=False)),
    "real_or_inf": st.one_of(st.sampled_from([math.nan, -math.inf]), st.text(max_size=3),
                             st.complex_numbers(min_magnitude=1, allow_nan=False, allow_infinity=False)),
    "prob": st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), st.just(math.nan)),
    "real_optional": st.one_of(st.sampled_from([math.nan, math.inf, -math.inf]), st.text(max_size=3),
                               st.complex_numbers(min_magnitude=1, allow_nan=False, allow_infinity=False)),
    "prob_closed": st.one_of(st.floats(max_value=-sys.float_info.min),
                             st.floats(min_value=1.0, exclude_min=True), st.just(math.nan)),
    "prob_upper_closed": st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0, exclude_min=True),
                                   st.just(math.nan)),
}


def _property_params():
    params = []
    for s in SPECS:
        for arg, kind in s.kinds.items():
            if kind in _BAD_INTS:
                case_id = f"{s.id}-{arg}-generated"
                marks = [pytest.mark.xfail(strict=True, reason=XFAIL[case_id])] if case_id in XFAIL else []
                params.append(pytest.param(s.id, arg, kind, id=case_id, marks=marks))
    return params


@pytest.mark.parametrize("spec_id, arg, kind", _property_params())
def test_generated_bad_numbers_are_refused(spec_id, arg, kind, isolated):
    spec = _SPECS[spec_id]

    @settings(max_examples=4, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(_BAD_INTS[kind])
    def prop(value):
        check_refused(spec, arg, f"generated:{value!r}", value, isolated)

    prop()


# ------------------------------------------------------------------------------- the __all__ walk


def test_every_public_function_is_registered():
    missing = []
    for pkg in PACKAGES:
        mod = importlib.import_module(f"embtheory.{pkg}")
        for name in mod.__all__:
            obj = getattr(mod, name)
            if inspect.isclass(obj) or not callable(obj):
                continue
            if f"{pkg}.{name}" not in _SPECS and f"{pkg}.{name}" not in EXEMPT:
                missing.append(f"{pkg}.{name}")
    assert not missing, ("public functions with no fuzz registry entry (add a Spec with a valid baseline "
                         f"to tests/fuzz/fuzz_registry.py, or an EXEMPT reason): {missing}")


def test_registry_names_real_arguments():
    bad = []
    for s in SPECS:
        params = inspect.signature(s.fn).parameters
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        for arg in [*s.overrides, *s.extra]:
            if arg not in params and not var_kw:
                bad.append(f"{s.id}: {arg}")
    assert not bad, f"registry arguments that the functions do not have: {bad}"


def test_overrides_say_what_the_signature_cannot():
    restated = []
    for s in SPECS:
        derived = derive_kinds(getattr(importlib.import_module(s.module), s.name))
        restated += [f"{s.id}: {arg}" for arg, kind in s.overrides.items() if derived.get(arg) == kind]
    assert not restated, f"overrides equal to the kinds derived from the signature (drop them): {restated}"


def test_case_ids_are_unique():
    ids = [f"{c[0]}-{c[1]}-{c[2]}" for c in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_xfail_list_names_existing_cases():
    ids = {f"{c[0]}-{c[1]}-{c[2]}" for c in CASES}
    ids |= {f"{s.id}-{a}-generated" for s in SPECS for a in s.kinds}
    assert not [i for i in XFAIL if i not in ids]


def test_enough_distinct_bad_inputs_are_declared():
    assert len({(c[0], c[1], c[2]) for c in CASES}) > 300

"""The API contract (docs/contract.md), checked mechanically on every public name.

Walks ``__all__`` of each package and checks what a signature can show:

- ``key``: a parameter named ``key`` is keyword-only;
- ``seed``: no integer ``seed`` / ``key_seed`` parameter (library functions take a ``key``);
  ``seeds=`` only where the contract allows it (sign-rank trial populations);
- ``result``: a public function does not return a bare ``dict`` (results are NamedTuples);
- ``memory``: a memory budget is called ``memory_budget``; a block size ``chunk_size`` (or
  ``<axis>_chunk_size`` where one call blocks two axes).

Class constructors (configs such as a recipe) are checked for ``seed`` and ``memory`` only: a
NamedTuple state may well hold a ``key`` field.

``KNOWN_GAPS`` lists known breaks of the contract with their reason (strict xfails).
Each is a strict xfail: once fixed, the test passes unexpectedly and fails the run, so the
entry must be removed then.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing

import pytest

PACKAGES = (
    "embtheory.core",
    "embtheory.signrank",
    "embtheory.qkernels",
    "embtheory.depth",
    "embtheory.encoders",
    "embtheory.data",
)

#: Functions allowed an integer ``seeds=`` (docs/contract.md: a sign-rank trial *is* the
#: official script's ``jax.random.PRNGKey(seed)``).
SEEDS_ALLOWED = {
    "embtheory.signrank.critical_n",
    "embtheory.signrank.success_curve",
    "embtheory.signrank.min_dimension",
}

#: Exceptions by design, each with its reason: (qualified name, rule) -> why.
EXEMPT: dict[tuple[str, str], str] = {
    # seeds become keys here: the experiments and the CLI hold integer seeds
    ("embtheory.core.root_key", "seed"): "turns the experiment's seed into its root key",
    ("embtheory.core.host_rng", "seed"): "turns a seed into a NumPy generator for host work",
    ("embtheory.core.check_seed", "seed"): "the checker of experiment and CLI seeds",
    ("embtheory.core.RunContext", "seed"): "an experiment run's context holds the run's seed",
    ("embtheory.core.ResultStore", "seed"): "stores the seed of a record (provenance)",
    # a key that is the data of a key utility, not its randomness (as jax.random.split(key))
    ("embtheory.core.check_key", "key"): "checks the key it is given",
    ("embtheory.core.split_named", "key"): "splits the key it is given",
    ("embtheory.encoders.key_to_rng", "key"): "converts the key it is given",
    # mappings keyed by data, not results with fixed fields
    ("embtheory.core.split_named", "result"): "keys are the caller's purpose names",
    ("embtheory.data.fetch", "result"): "keys are file names such as 'corpus.jsonl'",
    ("embtheory.encoders.convert_checkpoint", "result"): "a Flax parameter tree is nested dicts",
    ("embtheory.core.ResultStore", "result"): "records are JSON objects on disk",
}

#: Known breaks of the contract: (qualified name, rule) -> the reason; every entry is a strict xfail,
#: so a fixed one fails the suite until its line goes.  Empty: every package follows the contract.
KNOWN_GAPS: dict[tuple[str, str], str] = {}

_BUDGET = re.compile(r"budget")
_CHUNK = re.compile(r"chunk")
_SEED = {"seed", "key_seed", "seeds"}


def _public() -> list[tuple[str, object]]:
    out = []
    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj):
                out.append((f"{pkg}.{name}", obj))
    return out


def _is_namedtuple(cls) -> bool:
    return isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")


def _signatures(qualname: str, obj) -> list[tuple[str, inspect.Signature, str]]:
    """``(where, signature, kind)`` for a function, or a class's constructor and methods; kind is
    ``"function"``, ``"ctor"`` or ``"fields"`` (a NamedTuple's: checked for memory names only)."""
    if not inspect.isclass(obj):
        try:
            return [(qualname, inspect.signature(obj), "function")]
        except (TypeError, ValueError):
            return []
    if issubclass(obj, BaseException):
        return []
    sigs = []
    try:
        sigs.append((qualname, inspect.signature(obj), "fields" if _is_namedtuple(obj) else "ctor"))
    except (TypeError, ValueError):
        pass
    for name, member in vars(obj).items():
        if name.startswith("_") or name == "as_dict":  # as_dict: a conversion, like _asdict
            continue
        fn = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
        if inspect.isfunction(fn):
            sig = inspect.signature(fn)
            sigs.append((f"{qualname}.{name}", sig, "function"))
    return sigs


def _returns_dict(fn, sig: inspect.Signature) -> bool:
    ann = sig.return_annotation
    if ann is inspect.Signature.empty:
        return False
    if isinstance(ann, str):
        return re.match(r"\s*(dict|Dict|typing\.Dict)\b", ann) is not None
    return ann is dict or typing.get_origin(ann) is dict


def _violations(qualname: str, obj, rule: str) -> list[str]:
    if (qualname, rule) in EXEMPT:
        return []
    bad = []
    for where, sig, kind in _signatures(qualname, obj):
        params = sig.parameters.values()
        if kind == "fields" and rule != "memory":
            continue
        if rule == "key" and kind == "function":
            bad += [f"{where}: `key` is {p.kind.description}, not keyword-only"
                    for p in params if p.name == "key" and p.kind is not p.KEYWORD_ONLY]
        elif rule == "seed":
            for p in params:
                if p.name in _SEED and not (p.name == "seeds" and qualname in SEEDS_ALLOWED):
                    bad.append(f"{where}: takes an integer `{p.name}`; take a keyword-only `key`")
        elif rule == "result" and kind == "function":
            if _returns_dict(obj, sig):
                bad.append(f"{where}: returns a dict ({sig.return_annotation}); return a NamedTuple")
        elif rule == "memory":
            for p in params:
                budget = _BUDGET.search(p.name) or (p.name.endswith("_bytes") and "per_" not in p.name)
                if budget and p.name != "memory_budget":
                    bad.append(f"{where}: `{p.name}` should be `memory_budget` (bytes)")
                elif _CHUNK.search(p.name) and not (p.name == "chunk_size" or p.name.endswith("_chunk_size")):
                    bad.append(f"{where}: `{p.name}` should be `chunk_size` (items per block)")
    return bad


RULES = ("key", "seed", "result", "memory")


def _cases():
    cases = []
    for qualname, obj in _public():
        for rule in RULES:
            owner = KNOWN_GAPS.get((qualname, rule))
            marks = [pytest.mark.xfail(strict=True, reason=f"known gap: {owner}")] if owner else []
            cases.append(pytest.param(qualname, obj, rule, id=f"{qualname}-{rule}", marks=marks))
    return cases


@pytest.mark.parametrize(("qualname", "obj", "rule"), _cases())
def test_public_name_follows_the_contract(qualname, obj, rule):
    bad = _violations(qualname, obj, rule)
    assert not bad, "off the API contract (docs/contract.md):\n" + "\n".join(bad)


def test_gaps_and_exemptions_name_public_functions():
    """An entry that names nothing (renamed, removed from ``__all__``) is stale: remove it."""
    names = {q for q, _ in _public()}
    stale = sorted(q for q, _ in [*KNOWN_GAPS, *EXEMPT] if q not in names)
    assert not stale, f"KNOWN_GAPS / EXEMPT name functions that are not public: {stale}"
    assert not set(KNOWN_GAPS) & set(EXEMPT)


def test_the_checker_sees_each_kind_of_violation():
    """The rules fail on functions written to break them (so this file can fail at all)."""

    def positional_key(key, n): ...

    def int_seed(n, *, seed: int = 0): ...

    def dict_result(x) -> dict[int, float]: ...

    def old_budget(x, *, budget_bytes=1.0, chunk=None, memory_budget_bytes=None): ...

    def good(x, *, key, memory_budget=None, chunk_size=None, permutation_chunk_size=None) -> tuple: ...

    assert _violations("t.positional_key", positional_key, "key")
    assert _violations("t.int_seed", int_seed, "seed")
    assert _violations("t.dict_result", dict_result, "result")
    assert len(_violations("t.old_budget", old_budget, "memory")) == 3
    for rule in RULES:
        assert not _violations("t.good", good, rule), rule

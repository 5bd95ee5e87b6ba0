"""The fuzz registry: every public function of each package, a valid baseline call, and the kind
of each argument, so that each bad input is a mutation of ONE argument of a valid call.

The kinds come from each function's signature (:func:`derive_kinds`): a parameter named ``key``
is a ``key`` (``key_optional`` when it defaults to None); an ``int`` (or ``int | None``) a
``count``; a ``float`` a ``real`` (``real_optional`` when None is allowed); a ``bool`` a ``bool``;
a ``Literal``, or a ``str`` whose Args entry quotes its values (``"a"`` or ``"b"``), a
``choice``.  A registry entry gives only what the signature cannot say: a probability rather than
a real, a size or a natural number rather than a count, the matrix kinds, a kind of an
unannotated parameter, or None to fuzz a parameter not at all.

``SPECS`` holds the registered functions; ``EXEMPT`` the public names that are not fuzzed, each
with its reason (classes, constants, validators whose job is to raise, file-system and device
plumbing).  ``test_every_public_function_is_registered`` fails when a package's ``__all__``
gains a function that is in neither.

Argument kinds and their bad values (:data:`MUTATIONS`):

- ``key``: an int, None (where the key is required), a string, a float, a batch of keys, a
  raw key of the wrong shape and of the wrong dtype;
- ``count`` (an integer >= 1), ``natural`` (>= 0): a bool, a float, an integral float, a
  string, a negative, zero (``count``), past int32, past int64;
- ``size``: a ``count`` whose huge values must be refused (``MemoryError`` or ``ValueError``);
- ``real``: NaN, +-inf, a string, a complex, None; ``real_or_inf`` drops +inf;
- ``prob``: 0, 1, 1.5, -0.1, NaN; ``prob_closed`` (a closed ``[0, 1]``) drops 0 and 1,
  ``prob_upper_closed`` (``(0, 1]``) drops 1;
- ``matrix``/``unit_matrix``: NaN and inf entries, 1-D and 3-D arrays, a complex and a
  string array, None, no rows; ``unit_matrix`` adds a zero row;
- ``choice``: an unknown string, None, an int;
- ``bool``: a string, an int, None;
- ``*_optional``: the same without None (where None is a documented default; ``real_optional``,
  ``bool_optional`` and ``choice_optional`` too);
- ``dtype``: int32, complex64, an unknown name.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import io
import re
import types
import typing
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from embtheory.core import validation

KEY = jax.random.key(0)
INT32_PAST = 2**31
INT64_PAST = 2**63


def _rng():
    return np.random.default_rng(0)


def mat(rows: int, cols: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(rows, cols)).astype(np.float32)


def _with(a: np.ndarray, value, where=(0, 0)) -> np.ndarray:
    a = np.array(a, dtype=np.float32, copy=True)
    a[where] = value
    return a


# kind -> [(label, maker(baseline_value) -> bad value)]
MUTATIONS: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {
    "key": [
        ("int", lambda v: 0),
        ("none", lambda v: None),
        ("str", lambda v: "key"),
        ("float", lambda v: 1.5),
        ("batch", lambda v: jax.random.split(KEY, 3)),
        ("raw-shape", lambda v: np.zeros(3, np.uint32)),
        ("raw-dtype", lambda v: np.zeros(2, np.float32)),
    ],
    "count": [
        ("bool", lambda v: True),
        ("float", lambda v: 2.5),
        ("integral-float", lambda v: 3.0),
        ("str", lambda v: "3"),
        ("negative", lambda v: -1),
        ("zero", lambda v: 0),
        ("past-int32", lambda v: INT32_PAST),
        ("past-int64", lambda v: INT64_PAST),
    ],
    "natural": [
        ("bool", lambda v: True),
        ("float", lambda v: 2.5),
        ("str", lambda v: "3"),
        ("negative", lambda v: -1),
        ("past-int64", lambda v: INT64_PAST),
    ],
    "size": [
        ("bool", lambda v: True),
        ("float", lambda v: 2.5),
        ("negative", lambda v: -1),
        ("zero", lambda v: 0),
        ("beyond-memory", lambda v: 10**12),
        ("past-int64", lambda v: INT64_PAST),
    ],
    "real": [
        ("nan", lambda v: float("nan")),
        ("inf", lambda v: float("inf")),
        ("-inf", lambda v: -float("inf")),
        ("str", lambda v: "x"),
        ("complex", lambda v: 1 + 1j),
        ("none", lambda v: None),
    ],
    "prob": [
        ("zero", lambda v: 0.0),
        ("one", lambda v: 1.0),
        ("above-one", lambda v: 1.5),
        ("negative", lambda v: -0.1),
        ("nan", lambda v: float("nan")),
        ("str", lambda v: "0.5"),
    ],
    "matrix": [
        ("nan", lambda v: _with(v, np.nan)),
        ("inf", lambda v: _with(v, np.inf)),
        ("1d", lambda v: np.asarray(v, np.float32)[0]),
        ("3d", lambda v: np.asarray(v, np.float32)[None]),
        ("complex", lambda v: np.asarray(v).astype(np.complex64)),
        ("strings", lambda v: np.full(np.shape(v), "a")),
        ("none", lambda v: None),
        ("no-rows", lambda v: np.zeros((0, np.shape(v)[1]), np.float32)),
    ],
    "unit_matrix": [
        ("zero-row", lambda v: _with(v, 0.0, (0, slice(None)))),
    ],
    "choice": [
        ("unknown", lambda v: "nope"),
        ("none", lambda v: None),
        ("int", lambda v: 3),
    ],
    "bool": [
        ("str", lambda v: "yes"),
        ("int", lambda v: 1),
        ("none", lambda v: None),
    ],
    "dtype": [
        ("int32", lambda v: np.int32),
        ("complex64", lambda v: np.complex64),
        ("unknown", lambda v: "floaty"),
    ],
}
MUTATIONS["unit_matrix"] = MUTATIONS["matrix"] + MUTATIONS["unit_matrix"]
MUTATIONS["key_optional"] = [m for m in MUTATIONS["key"] if m[0] != "none"]
MUTATIONS["key_or_seed"] = [m for m in MUTATIONS["key"] if m[0] != "int"]  # a trial's int seed is documented
MUTATIONS["matrix_optional"] = [m for m in MUTATIONS["matrix"] if m[0] != "none"]  # None is a valid default
MUTATIONS["unit_matrix_optional"] = [m for m in MUTATIONS["unit_matrix"] if m[0] != "none"]
MUTATIONS["key_or_batch"] = [m for m in MUTATIONS["key"] if m[0] != "batch"]  # a batch is documented
MUTATIONS["real_optional"] = [m for m in MUTATIONS["real"] if m[0] != "none"]  # None is a documented default
MUTATIONS["real_or_inf"] = [m for m in MUTATIONS["real"] if m[0] != "inf"]  # inf is documented (no cap)
MUTATIONS["bool_optional"] = [m for m in MUTATIONS["bool"] if m[0] != "none"]
MUTATIONS["choice_optional"] = [m for m in MUTATIONS["choice"] if m[0] != "none"]
# [0, 1] is valid (BM25's b: 0 = no length normalisation, 1 = full)
MUTATIONS["prob_closed"] = [m for m in MUTATIONS["prob"] if m[0] not in ("zero", "one")]
# (0, 1] is valid (augment's strength: 1 = every word)
MUTATIONS["prob_upper_closed"] = [m for m in MUTATIONS["prob"] if m[0] != "one"]


_NONE = type(None)


def _members(annotation) -> tuple:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _documented_values(doc: str, name: str) -> set[str]:
    """The values that the Args entry of ``name`` in a docstring quotes, each as ``"value"`` in
    double backticks."""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        m = re.match(rf"(\s*){re.escape(name)}(, [\w, ]+)?: ", line)
        if m:
            indent = len(m.group(1))
            entry = [line]
            for nxt in lines[i + 1:]:
                if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                    break
                entry.append(nxt)
            return set(re.findall(r'``"([^"]+)"``', " ".join(entry)))
    return set()


def derive_kinds(fn: Callable) -> dict[str, str]:
    """The kind of each parameter of ``fn`` that its name, annotation and docstring tell."""
    hints = typing.get_type_hints(fn)
    doc = inspect.getdoc(fn) or ""
    out = {}
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        required = p.default is inspect.Parameter.empty
        if p.name == "key":
            out[p.name] = "key" if required else "key_optional"
            continue
        if p.name not in hints:
            continue
        members = _members(hints[p.name])
        optional = _NONE in members
        kinds = [m for m in members if m is not _NONE]
        if any(typing.get_origin(m) is typing.Literal for m in kinds):
            out[p.name] = "choice_optional" if optional else "choice"
        elif kinds == [bool]:
            out[p.name] = "bool_optional" if optional else "bool"
        elif kinds == [int]:
            out[p.name] = "count"  # count has no None mutation: it serves int | None too
        elif float in kinds and all(m in (float, int, str) for m in kinds):  # str: a size such as "8GiB"
            out[p.name] = "real_optional" if optional else "real"
        elif str in kinds:
            values = _documented_values(doc, p.name)
            if len(values) >= 2 and (required or p.default is None or p.default in values):
                out[p.name] = "choice_optional" if optional or p.default is None else "choice"
    return out


@dataclasses.dataclass(frozen=True)
class Spec:
    """One public function: where it is, a valid call, and what its signature cannot say about the
    kinds of its arguments."""

    module: str
    name: str
    baseline: Callable[[], dict]  # keyword arguments of a valid, fast call
    overrides: dict[str, str | None]  # argument -> kind (keys of MUTATIONS), or None: not fuzzed
    extra: dict[str, list[tuple[str, Any]]] = dataclasses.field(
        default_factory=dict
    )  # arg -> [(label, value)]
    names: dict[str, tuple[str, ...]] = dataclasses.field(
        default_factory=dict
    )  # arg -> accepted names in msgs
    errors: tuple[type, ...] = ()  # further accepted exception types (e.g. the data layer's)
    # for a function with *args (the fuzz calls with keywords only): a wrapper taking the fuzzed
    # arguments by keyword and filling in valid *args
    adapter: Callable | None = None

    @property
    def fn(self):
        fn = getattr(importlib.import_module(self.module), self.name)
        return fn if self.adapter is None else functools.partial(self.adapter, fn)

    @functools.cached_property
    def kinds(self) -> dict[str, str]:
        """Argument -> kind: derived from the signature, then the entry's overrides."""
        derived = derive_kinds(getattr(importlib.import_module(self.module), self.name))
        if self.adapter is not None:  # only what the adapter passes on by keyword
            params = inspect.signature(self.adapter).parameters
            if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
                derived = {a: k for a, k in derived.items() if a in params}
        merged = {**derived, **self.overrides}
        return {a: k for a, k in merged.items() if k is not None}

    @property
    def id(self) -> str:
        return f"{self.module.split('.')[-1]}.{self.name}"


def _recall_inputs():
    q, d = mat(6, 3, 1), mat(8, 3, 2)
    rel = np.array([[0, 1], [2, 3], [4, 5], [6, 7], [0, 2], [1, 3]], np.int32)
    return q, d, rel


def _rank_inputs():
    return {"F": mat(12, 4, 1), "G": mat(10, 4, 2)}


SPECS: list[Spec] = []


def spec(module, name, baseline, overrides, **kw):
    SPECS.append(Spec(f"embtheory.{module}", name, baseline, overrides, **kw))


# ---------------------------------------------------------------------------------------- core
spec(
    "core",
    "root_key",
    lambda: {"seed": 0},
    {"seed": "natural"},
    extra={"seed": [("past-uint32", 2**32), ("past-uint64", 2**64), ("none", None)]},
)
spec(
    "core",
    "host_rng",
    lambda: {"seed": 0},
    {"seed": "natural"},
    extra={"seed": [("none", None), ("past-uint64", 2**64)]},
)
spec("core", "key_to_rng", lambda: {"key": KEY}, {})
spec("core", "split_named", lambda: {"key": KEY}, {},
     adapter=lambda fn, key: fn(key, "a", "b"))  # split_named(key, *names)
spec("core", "normalize_rows", lambda: {"X": mat(5, 3)}, {"X": "unit_matrix"})
spec("core", "format_pvalue", lambda: {"p": 0.01}, {"p": "prob_closed"})
spec("core", "format_interval", lambda: {"value": 2.0, "low": 1.0, "high": 3.0},
     {"level": "prob"})
spec("core", "format_extrapolation", lambda: {"value": 5.0, "at": 512}, {})
spec("core", "read_one_sided", lambda: {"z": 1.0, "p": 0.2, "tests": "a", "opposite": "b"},
     {"z": "real", "p": "prob_closed", "alpha": "prob"})
spec(
    "core",
    "resolve_memory_budget",
    lambda: {"memory_budget": 2**20},
    {},
    extra={"memory_budget": [("negative", -1), ("zero", 0), ("bool", True), ("unknown-str", "lots")]},
)
def _rows_as_they_are(x, start):  # module level: one function object, so a repeated call compiles nothing
    return x


def _row_sum(x, start):
    return x.sum(0)


spec(
    "core",
    "chunked_map",
    lambda: {"fn": _rows_as_they_are, "xs": mat(5, 2), "chunk_size": 2},
    {},
    extra={"fn": [("not-callable", "fn")], "xs": [("no-rows", np.zeros((0, 2))), ("scalar", 1.0)],
           "pad": [("str", "yes")]},
)
spec(
    "core",
    "chunked_reduce",
    lambda: {"fn": _row_sum, "xs": mat(5, 2), "chunk_size": 2},
    {},
    extra={"fn": [("not-callable", "fn")], "xs": [("no-rows", np.zeros((0, 2))), ("scalar", 1.0)]},
)
spec(
    "core",
    "format_bytes",
    lambda: {"nbytes": 2048},
    {},
    extra={"nbytes": [("negative", -1)]},
)
spec(
    "core",
    "chunk_size_for",
    lambda: {"n_items": 10, "bytes_per_item": 8.0},
    {},
    extra={"bytes_per_item": [("negative", -8.0)]},
)
spec(
    "core",
    "config_hash",
    lambda: {"config": {"n": 1}},
    {},
    extra={"config": [("object", object()), ("complex", {"z": 1j})]},
)

# ------------------------------------------------------------------------------------ signrank
spec(
    "signrank",
    "k_subsets",
    lambda: {"n": 6, "k": 2},
    {},
    extra={"k": [("k>n", 7)], "n": [("beyond-memory", 10**6)]},
)
spec("signrank", "dense_qrels", lambda: {"num_queries": 10, "k": 2}, {"num_queries": "size"})
spec(
    "signrank",
    "qrel_pattern",
    lambda: {"pattern": "random", "num_docs": 8, "num_queries": 6, "k": 2, "key": KEY},
    {"num_queries": "size", "key": "key"},
    extra={"k": [("k>n", 9)]},
)
spec(
    "signrank",
    "generate_limit_dataset",
    lambda: {"num_docs": 8, "num_queries": 6, "key": KEY},
    {"num_queries": "size", "key": "key_optional"},
)
spec(
    "signrank",
    "moment_curve_embedding",
    lambda: {"n": 6, "k": 2, "dtype": np.float32},
    {"dtype": "dtype"},
    extra={"k": [("k>n", 7)], "n": [("beyond-memory", 10**6)]},
)
spec(
    "signrank",
    "neighbourly_embedding",
    lambda: {"n": 6, "k": 2, "dtype": np.float32},
    {"dtype": "dtype"},
    extra={"k": [("k>n", 7)]},
)
spec(
    "signrank",
    "margin_dimension_bound",
    lambda: {"n": 10, "k": 2, "gamma": 0.1},
    {"gamma": "real"},
    extra={"gamma": [("zero", 0.0), ("negative", -0.1)]},
)
spec(
    "signrank",
    "recall_at_k",
    lambda: dict(zip(("query_emb", "doc_emb"), _recall_inputs()[:2]), qrels=_recall_inputs()[2], ks=(2,)),
    {"query_emb": "unit_matrix", "doc_emb": "unit_matrix"},
    extra={
        "qrels": [
            ("half-index", np.full((6, 2), 0.5)),
            ("out-of-range", np.full((6, 2), 99)),
            ("all-padding", np.full((6, 2), -1)),
        ],
        "ks": [("k>n", (9,)), ("zero", (0,)), ("float", (2.5,))],
        "doc_emb": [("dim-mismatch", mat(8, 4))],
    },
)
spec(
    "signrank",
    "loss_and_grad",
    lambda: dict(zip(("q", "d", "rel"), _recall_inputs())),
    {"q": "matrix", "d": "matrix", "loss": "choice"},
    extra={
        "rel": [("out-of-range", np.full((6, 2), 99)), ("float", np.full((6, 2), 0.5))],
        "d": [("dim-mismatch", mat(8, 4))],
        "temperature": [("zero", 0.0), ("negative", -0.1)],
    },
)
spec(
    "signrank",
    "topk_hits",
    lambda: dict(zip(("q", "d", "rel"), _recall_inputs()), k=2),
    {"q": "matrix", "d": "matrix"},
    extra={"k": [("k>n", 9)], "d": [("dim-mismatch", mat(8, 4))]},
)
spec(
    "signrank",
    "topk_accuracy",
    lambda: dict(zip(("q", "d", "rel"), _recall_inputs()), k=2),
    {"q": "matrix", "d": "matrix"},
    extra={"k": [("k>n", 9)]},
)
spec(
    "signrank",
    "wilson_interval",
    lambda: {"successes": np.array([1, 2]), "trials": 5},
    {"level": "prob"},
    extra={"successes": [("above-trials", np.array([6])), ("negative", np.array([-1]))]},
)
spec(
    "signrank",
    "poly_fit",
    lambda: {"d": np.arange(4, 10.0), "n": np.arange(4, 10.0) ** 2, "degree": 2},
    {"degree": "natural"},
    extra={
        "d": [("nan", np.array([4, 5, np.nan, 7, 8, 9.0])), ("short", np.arange(4, 6.0))],
        "n": [("inf", np.array([1, 2, np.inf, 4, 5, 6.0])), ("length-mismatch", np.arange(3.0))],
    },
)
spec(
    "signrank",
    "bootstrap_band",
    lambda: {
        "d": np.arange(4, 12.0),
        "n": np.arange(4, 12.0) ** 2,
        "at": [20],
        "degree": 2,
        "num": 20,
        "key": KEY,
    },
    {"degree": "natural", "num": "size", "level": "prob"},  # degree 0: a constant fit
)
spec(
    "signrank",
    "logistic_n50",
    lambda: {"ns": np.array([5, 6, 7, 8]), "solved": np.array([[1, 1], [1, 0], [0, 1], [0, 0]], bool)},
    {},
    extra={"ns": [("nan", np.array([5, np.nan, 7, 8])), ("length-mismatch", np.array([5, 6]))]},
)
spec(
    "signrank",
    "n50_bootstrap",
    lambda: {
        "ns": np.array([5, 6, 7, 8]),
        "key": KEY,
        "num": 20,
        "solved": np.array([[1, 1], [1, 0], [0, 1], [0, 0]], bool),
    },
    {"num": "size", "level": "prob"},
)
spec(
    "signrank",
    "precision_break_n",
    lambda: {"k": 2, "dtype": np.float32, "n_max": 30},
    {"dtype": "dtype", "max_scores": "real_or_inf"},  # max_scores=inf: no cap on the scan
    extra={"growth": [("one", 1.0), ("below-one", 0.5)]},
)
spec(
    "signrank",
    "forster_lower_bound",
    lambda: {"qrels": np.array([[0, 1], [1, 2], [0, 2]]), "num_docs": 3},
    {},
    extra={"qrels": [("out-of-range", np.array([[0, 5]])), ("float", np.array([[0.5, 1.0]]))]},
)
spec(
    "signrank",
    "qrel_graph_stats",
    lambda: {"rel": np.array([[0, 1], [1, 2], [0, 2]])},
    {},
    extra={"rel": [("float", np.array([[0.5, 1.0]])), ("3d", np.zeros((1, 2, 2)))]},
)
spec(
    "signrank",
    "qrels_to_mask",
    lambda: {"rel": np.array([[0, 1], [1, 2]]), "num_docs": 3},
    {},
    extra={"rel": [("out-of-range", np.array([[0, 5]]))]},
)
spec(
    "signrank",
    "canonical_shape",
    lambda: {"n": 6, "k": 2},
    {},
    extra={"k": [("k>n", 7)]},
)
spec("signrank", "default_start", lambda: {"d": 4, "k": 2}, {})
spec(
    "signrank",
    "solve",
    lambda: {"n": 4, "dim": 3, "key": KEY, "max_steps": 20},
    {"key": "key_or_seed", "loss": "choice", "dtype": "dtype"},
    extra={"k": [("k>n", 5)], "n": [("beyond-memory", 10**7)]},
)
spec(
    "signrank",
    "as_qrels",
    lambda: {"qrels": [[0, 1], [2]], "n_docs": 4},
    {},
    extra={
        "qrels": [("scalar", 3), ("empty", []), ("duplicate", [[1, 1], [2]]), ("out-of-range", [[0], [9]]),
                  ("no-relevant", [[0], []]), ("half-mask", np.full((2, 4), 0.5)), ("none", None)],
        "threshold": [("nan", float("nan")), ("str", "1")],
    },
)
spec(
    "signrank",
    "read_qrels",
    lambda: {"source": io.StringIO("q1\td1\t2\nq1\td2\t1\nq2\td3\t2\n"), "threshold": 2},
    {},
    extra={"source": [("int", 3), ("none", None)], "n_docs": [("too-few", 1), ("bool", True)]},
)
spec(
    "signrank",
    "certify",
    lambda: {
        "Q": np.array([[1.0, 0.0]]),
        "D": np.array([[1.0, 0.0], [0.0, 1.0]]),
        "qrels": np.array([[0]]),
        "dtype": np.float32,
    },
    {"Q": "matrix", "D": "matrix"},
    extra={"D": [("dim-mismatch", mat(2, 3))]},
)
spec(
    "signrank",
    "poly_eval",
    lambda: {"coef": [1.0, 2.0], "d": np.arange(3.0)},
    {},
    extra={"coef": [("nan", [np.nan, 1.0]), ("str", ["a"])]},
)

# ------------------------------------------------------------------------------------ qkernels
spec(
    "qkernels",
    "uniform_angles",
    lambda: {"n_samples": 3, "n_qubits": 2, "key": KEY},
    {"n_samples": "size", "dtype": "dtype"},
    extra={"low": [("above-high", 7.0)]},
)
spec(
    "qkernels",
    "random_estimate",
    lambda: {"shape": (2, 2), "shots": 10, "key": KEY},
    {"key": "key_or_batch", "dtype": "dtype"},  # a batch of keys is documented
    extra={
        "shape": [("float", (2.7, 2)), ("negative", (-1, 2)), ("beyond-memory", (10**6, 10**6))],
    },
)
spec(
    "qkernels",
    "swap_estimate",
    lambda: {"K": np.full((2, 2), 0.5), "shots": 10, "key": KEY},
    {"key": "key_or_batch"},
    extra={"K": [("nan", np.array([[np.nan, 0.5]])), ("above-one", np.array([[1.5]]))]},
)
spec(
    "qkernels",
    "loschmidt_estimate",
    lambda: {"K": np.full((2, 2), 0.5), "shots": 10, "key": KEY},
    {"key": "key_or_batch"},
    extra={"K": [("nan", np.array([[np.nan, 0.5]])), ("negative", np.array([[-0.5]]))]},
)
spec("qkernels", "haar_beta", lambda: {"n": 2}, {"n": "count"})
spec("qkernels", "haar_mean", lambda: {"n": 2}, {"n": "count"})
# haar_variance(2000) is a valid call (about 0, never NaN): test_named_bad_inputs.py asserts its value
spec("qkernels", "haar_variance", lambda: {"n": 2}, {"n": "count"})
spec("qkernels", "product_variance", lambda: {"n": 2}, {"n": "count"})
spec(
    "qkernels",
    "target_alignment",
    lambda: {"K": np.eye(4), "y": np.array([1.0, -1.0, 1.0, -1.0])},
    {},
    extra={
        "y": [
            ("zeros", np.zeros(4)),
            ("nan", np.array([1.0, np.nan, 1.0, -1.0])),
            ("length-mismatch", np.ones(3)),
        ],
        "K": [("zeros", np.zeros((4, 4))), ("nan", np.full((4, 4), np.nan)), ("1d", np.ones(4))],
    },
)
spec(
    "qkernels",
    "kernel_ridge_fit",
    lambda: {"K": np.eye(4), "y": np.array([1.0, -1.0, 1.0, -1.0])},
    {},
    extra={
        "y": [("nan", np.array([1.0, np.nan, 1.0, -1.0]))],
        "K": [("nan", np.full((4, 4), np.nan)), ("not-square", np.ones((4, 3)))],
        "lam": [("negative", -1.0)],
    },
)
spec(
    "qkernels",
    "pair_statistics",
    lambda: {"K": np.array([[1.0, 0.3, 0.2], [0.3, 1.0, 0.1], [0.2, 0.1, 1.0]])},
    {},
    extra={"K": [("nan", np.full((3, 3), np.nan)), ("not-square", np.ones((3, 2)))]},
)
spec(
    "qkernels",
    "fit_decay",
    lambda: {"n_qubits": np.array([2, 3, 4]), "variances": np.array([0.1, 0.05, 0.02])},
    {"level": "prob"},
    extra={
        "variances": [("negative", np.array([0.1, -0.05, 0.02])), ("nan", np.array([0.1, np.nan, 0.02]))],
        "n_qubits": [("too-few", np.array([2, 3]))],
    },
)
spec(
    "qkernels",
    "embed",
    lambda: {"X": mat(2, 2)},
    {"X": "matrix", "embedding": "choice"},
    extra={"noise": [("above-one", 1.5), ("nan", float("nan"))]},
)
# the Gram builders: one data set X, and a second set Y that must have X's width
for _name in ("fidelity_gram", "projected_gram", "product_kernel"):
    spec("qkernels", _name, lambda: {"X": mat(2, 2)}, {"X": "matrix"},
         extra={"Y": [("dim-mismatch", mat(2, 3))]})
spec(
    "qkernels",
    "alignment_values",
    lambda: {"X": mat(4, 2), "y": np.array([1.0, -1.0, 1.0, -1.0]), "thetas": mat(2, 2)},
    {"X": "matrix"},
    extra={"y": [("nan", np.array([1.0, np.nan, 1.0, -1.0]))]},
)

def _hee2():
    from embtheory.qkernels import named_circuit

    return named_circuit("hee", 2)


def _states(n_points: int = 2) -> np.ndarray:
    return np.eye(4, dtype=np.complex64)[:n_points]


spec(
    "qkernels",
    "circuit_unitaries",
    lambda: {"circuit": _hee2(), "x": np.array([0.1, 0.2], np.float32)},
    {},
    extra={
        "circuit": [("name", "hee"), ("none", None)],
        "x": [("nan", np.array([np.nan, 0.2])), ("wrong-shape", np.zeros(3)),
              ("strings", np.array(["a", "b"]))],
        "params": [("no-params-expected", np.zeros(2))],
    },
)
spec("qkernels", "const", lambda: {"value": 0.5}, {})
spec("qkernels", "feature", lambda: {"i": 0}, {"i": "natural"})
spec("qkernels", "param", lambda: {"j": 0}, {"j": "natural"})
spec("qkernels", "feature_product", lambda: {}, {},
     adapter=lambda fn, **kw: fn(0, 1, **kw))  # feature_product(*indices, ...)
spec("qkernels", "raw_feature_product", lambda: {}, {},
     adapter=lambda fn, **kw: fn(0, 1, **kw))
spec("qkernels", "gate", lambda: {"name": "RX", "wires": 0}, {"name": "choice"},
     extra={"wires": [("negative", -1), ("str", "a"), ("repeated", (0, 0)), ("float", 1.5)]},
     adapter=lambda fn, name, wires: fn(name, wires, 0.3))  # gate(name, wires, *angles)
spec(
    "qkernels",
    "named_circuit",
    lambda: {"name": "hee", "n_qubits": 2},
    {"name": "choice"},
)
spec(
    "qkernels",
    "pauli_feature_map",
    lambda: {"n_qubits": 2},
    {},
    extra={"paulis": [("str", "ZZ"), ("unknown-letter", ("ZQ",)), ("too-long", ("ZZZ",))]},
)
spec(
    "qkernels",
    "zz_feature_map",
    lambda: {"n_qubits": 2},
    {"entanglement": "choice"},
)
spec(
    "qkernels",
    "fidelity_from_states",
    lambda: {"a": _states()},
    {},
    extra={
        "a": [("zero-state", np.zeros((2, 4), np.complex64)), ("unnormalised", 2 * _states()),
              ("nan", np.full((2, 4), np.nan, np.complex64)), ("1d", _states()[0]),
              ("not-a-power", np.ones((2, 3))), ("strings", np.full((2, 4), "a"))],
        "b": [("other-size", np.eye(8, dtype=np.complex64)[:2]),
              ("zero-state", np.zeros((2, 4), np.complex64))],
    },
)
spec(
    "qkernels",
    "projected_from_states",
    lambda: {"a": _states()},
    {},
    extra={
        "a": [("zero-state", np.zeros((2, 4), np.complex64)), ("unnormalised", 2 * _states()),
              ("nan", np.full((2, 4), np.nan, np.complex64))],
        "exponent": [("str", "no"), ("int", 1)],
        "gamma": [("zero", 0.0), ("negative", -1.0)],
    },
)

_CNOT = np.eye(4)[[0, 1, 3, 2]]
_GATE_EXTRA = {
    "gates": [
        ("not-a-sequence", 5),
        ("wire-outside", [((0, 5), _CNOT)]),
        ("same-wire-twice", [((1, 1), _CNOT)]),
        ("wrong-size", [((0, 1), np.eye(2))]),
        ("not-unitary", [((0,), np.zeros((2, 2)))]),
        ("nan", [((0,), np.full((2, 2), np.nan))]),
        ("points-mismatch", [((0,), np.stack([np.eye(2)] * 2)), ((1,), np.stack([np.eye(2)] * 3))]),
    ],
}
spec(
    "qkernels",
    "mps_gate_states",
    lambda: {"gates": [((0,), np.eye(2)), ((0, 1), _CNOT)], "n": 2},
    {},
    extra={**_GATE_EXTRA, "max_seconds": [("zero", 0.0), ("negative", -1.0)]},
)
spec(
    "qkernels",
    "mps_gate_cost",
    lambda: {"gates": [((0,), np.eye(2)), ((0, 1), _CNOT)], "n": 2},
    {},
    extra=_GATE_EXTRA,
)

# --------------------------------------------------------------------------------------- depth
spec(
    "depth",
    "tte_depth",
    _rank_inputs,
    {"F": "unit_matrix", "G": "unit_matrix_optional"},
    extra={
        "G": [("dim-mismatch", mat(3, 5))],
        "distance": [("outside-0-2", lambda a, b: 5.0 + a @ b.T), ("unknown", "nope")],
    },
)
spec(
    "depth",
    "spatial_depth",
    _rank_inputs,
    {"F": "matrix", "G": "matrix_optional"},
    extra={"G": [("dim-mismatch", mat(3, 5))], "affine_invariant": [("str", "yes"), ("int", 1)]},
)
spec(
    "depth",
    "lens_depth",
    _rank_inputs,
    {"F": "matrix", "G": "matrix_optional"},
    extra={"G": [("dim-mismatch", mat(3, 5))]},
)
spec(
    "depth",
    "mahalanobis_depth",
    _rank_inputs,
    {"F": "matrix", "G": "matrix_optional"},
    extra={"shrinkage": [("above-one", 1.5), ("negative", -0.1)]},
)
spec(
    "depth",
    "halfspace_depth",
    lambda: {**_rank_inputs(), "key": KEY, "n_directions": 20},
    {"F": "matrix", "n_directions": "size"},
    extra={"exact": [("str", "yes"), ("with-key", True)]},
)
spec(
    "depth",
    "projection_depth",
    lambda: {**_rank_inputs(), "key": KEY, "n_directions": 20},
    {"F": "matrix", "n_directions": "size"},
)
spec(
    "depth",
    "random_directions",
    lambda: {"n_directions": 3, "d": 2, "key": KEY},
    {"n_directions": "size", "dtype": "dtype"},
)
spec(
    "depth",
    "depth_rank_test",
    _rank_inputs,
    {"F": "unit_matrix", "G": "unit_matrix_optional", "n_permutations": "natural"},
    extra={"G": [("dim-mismatch", mat(3, 5))], "key": [("int", 0), ("str", "key")],
           "time_limit": [("zero", 0.0), ("str", "1h"), ("nan", float("nan"))]},
)
spec(
    "depth",
    "rank_sum_z",
    lambda: {"dF": np.linspace(0, 1, 5), "dG": np.linspace(0, 1, 4)},
    {},
    extra={
        "dG": [("empty", np.zeros(0)), ("nan", np.array([0.1, np.nan]))],
        "dF": [("empty", np.zeros(0)), ("2d", np.zeros((2, 2)))],
    },
)
spec(
    "depth",
    "q_liu_singh",
    lambda: {"dF": np.linspace(0, 1, 5), "dG": np.linspace(0, 1, 4)},
    {},
    extra={"dG": [("empty", np.zeros(0))], "dF": [("nan", np.array([0.1, np.nan]))]},
)
spec(
    "depth",
    "q_pooled",
    lambda: {"dF": np.linspace(0, 1, 5), "dG": np.linspace(0, 1, 4)},
    {},
    extra={"dG": [("empty", np.zeros(0))], "dF": [("nan", np.array([0.1, np.nan]))]},
)
spec(
    "depth",
    "pvalue_from_z",
    lambda: {"z": 1.0},
    {"alternative": "choice"},
    extra={"z": [("nan", float("nan")), ("str", "z")]},
)
for _name in ("most_central", "most_outlying"):  # the k deepest and the k least deep of F
    spec("depth", _name, lambda: {"F": mat(6, 3), "k": 2}, {"F": "unit_matrix"},
         extra={"k": [("k>n", 7)]})
spec(
    "depth",
    "select_examples",
    lambda: {"X": mat(8, 3), "y": np.repeat([0, 1], 4), "k": 2},
    {"X": "unit_matrix"},
    extra={
        "y": [("float", np.repeat([0.5, 1.0], 4)), ("length-mismatch", np.zeros(3, int))],
        "k": [("k>class", 5)],
        "key": [("int", 0)],
    },
)
spec(
    "depth",
    "dd_plot",
    _rank_inputs,
    {"F": "unit_matrix", "G": "unit_matrix_optional"},
    extra={"G": [("dim-mismatch", mat(3, 5))]},
)
spec(
    "depth",
    "gaussian_mixture_sampler",
    lambda: {"key": KEY, "m": 5, "n": 5, "d": 2, "shift": 0.5},
    {"m": "size", "n": "size"},
)
spec(
    "depth",
    "spherical_mixture_sampler",
    lambda: {"key": KEY, "m": 5, "n": 5, "d": 2, "angle": 0.1},
    {"m": "size", "n": "size"},
)

# ------------------------------------------------------------------------------------ encoders
spec(
    "encoders",
    "augment",
    lambda: {"sentences": ["a b c", "d e f"], "method": "swap", "strength": 0.5, "key": KEY},
    {"strength": "prob_upper_closed"},  # strength in (0, 1]
    extra={"sentences": [("str", "a b c"), ("ints", [1, 2])]},
)
spec(
    "encoders",
    "bm25_scores",
    lambda: {"queries": ["a b"], "documents": ["a c", "b d"]},
    {"b": "prob_closed"},  # b in [0, 1] by BM25's definition
    extra={"queries": [("str", "a b")], "documents": [("empty", [])]},
)
spec(
    "encoders",
    "recall_at_k_scores",
    lambda: {"scores": np.eye(3), "relevant": np.eye(3, dtype=bool), "ks": (1,)},
    {},
    extra={
        "ks": [("k>n", (4,)), ("zero", (0,))],
        "scores": [("nan", np.full((3, 3), np.nan)), ("shape-mismatch", np.eye(2))],
    },
)
spec(
    "encoders",
    "fewshot_accuracy",
    lambda: {
        "support": mat(4, 3),
        "labels": np.array([0, 0, 1, 1]),
        "queries": mat(2, 3, 1),
        "query_labels": np.array([0, 1]),
    },
    {"support": "matrix", "queries": "matrix", "method": "choice"},
    extra={
        "labels": [("float", np.array([0.5, 0, 1, 1])), ("negative", np.array([-1, 0, 1, 1]))],
        "queries": [("dim-mismatch", mat(2, 4))],
    },
)
spec(
    "encoders",
    "knn_predict",
    lambda: {"support": mat(4, 3), "labels": np.array([0, 0, 1, 1]), "queries": mat(2, 3, 1)},
    {"support": "matrix", "queries": "matrix"},
    extra={"k": [("k>n", 5)], "queries": [("dim-mismatch", mat(2, 4))]},
)
spec(
    "encoders",
    "nearest_mean_predict",
    lambda: {"support": mat(4, 3), "labels": np.array([0, 0, 1, 1]), "queries": mat(2, 3, 1)},
    {"support": "matrix", "queries": "matrix"},
    extra={"queries": [("dim-mismatch", mat(2, 4))]},
)
spec(
    "encoders",
    "pool",
    lambda: {"hidden": np.ones((1, 2, 3), np.float32), "mask": np.ones((1, 2), np.int32)},
    {},
    extra={
        "mask": [("shape-mismatch", np.ones((1, 3), np.int32))],
        "hidden": [("2d", np.ones((2, 3), np.float32))],
    },
)
spec(
    "encoders",
    "pad_batch",
    lambda: {"ids": [[1, 2]], "batch_size": 2, "length": 4},
    {"pad_id": "natural"},  # 0 is the usual padding id
    extra={"ids": [("too-long", [[1] * 9])]},
)
spec(
    "encoders",
    "length_buckets",
    lambda: {"max_len": 64},
    {},
)
spec(
    "encoders",
    "bucket_of",
    lambda: {"length": 5, "buckets": (16, 32)},
    {},
    extra={"length": [("above-last", 33)]},
)
spec("encoders", "key_to_rng", lambda: {"key": KEY}, {})
spec("encoders", "terms", lambda: {"text": "a b"}, {}, extra={"text": [("int", 3), ("none", None)]})

# ----------------------------------------------------------------------------------------- data
spec(
    "data",
    "load_text",
    lambda: {"name": "sst2"},
    {"split": "choice"},
    errors=("DataError",),
)
spec("data", "load_limit", lambda: {"name": "limit-small"}, {}, errors=("DataError",))
spec(
    "data", "read_idx", lambda: {"path": "/nonexistent", "ndim": 1}, {}, errors=("DataError",)
)


EXEMPT: dict[str, str] = {
    # validators and memory helpers: raising on bad values is what they do (tested in tests/core);
    # every function of core.validation, so that a new validator needs no entry here
    **{
        f"core.{n}": "a validator: it is the checker the others use"
        for n in validation.__all__
        if inspect.isfunction(getattr(validation, n))
    },
    "core.default_memory_budget": "no arguments",
    "core.format_dims": "formats a list of ints (tests/core/test_reporting.py)",
    "core.to_jsonable": "serialises any value; config_hash is fuzzed instead",
    "core.as_store": "opens a store for a path (tested in tests/core/test_store.py)",
    "core.load_results": "file-system reader (StoreError naming the folder; tests/core/test_store.py)",
    "core.interruptible": "a context manager around a host loop (tests/core/test_algorithm.py)",
    "core.run_sweep": "takes a user callable; tested in tests/core/test_store.py",
    "core.gram": "takes a user callable f; fuzzed through tte_depth and the kernels",
    "core.map_product": "takes a user callable",
    "core.iterate": "drives an Iterative; fuzzed through the algorithms' own wrappers",
    "core.advance": "one segment of an Iterative's loop (pure, traced); fuzzed through run_frontier",
    "core.batch_mesh": "device plumbing",
    "core.shard_batch": "device plumbing",
    "core.sharded_map": "device plumbing",
    "core.initialize_distributed": "multi-host start-up",
    "signrank.optimiser": "optax-style (init, step, done) over a Problem (the checked wrapper is solve)",
    "signrank.run": "pure whole run over a Problem (the checked wrapper is solve)",
    "signrank.row_loss": "pure per-row kernel under loss_and_grad (fuzzed there)",
    "signrank.batch_loss": "pure kernel under loss_and_grad (fuzzed there)",
    "signrank.unrank_subsets": "pure kernel under k_subsets (fuzzed there)",
    "signrank.make_batch": "low-level batching helper for callers that vmap run (solve is fuzzed)",
    "signrank.solve_batch": "compiles a whole search; its arguments are those of solve (fuzzed)",
    "signrank.critical_n": "a whole search (minutes); its arguments are those of solve (fuzzed)",
    "signrank.success_curve": "a whole search; its arguments are those of solve (fuzzed)",
    "signrank.min_dimension": "a whole search; its arguments are those of run_frontier",
    "signrank.run_frontier": "compiles a whole run; not yet in the registry (seconds per call)",
    "signrank.frontier_algorithm": "optax-style factory; not yet in the registry",
    "signrank.official_search": "takes a user callable verdict",
    "signrank.compare_fits": "defaults to the published table; not yet in the registry",
    "signrank.precision_limit": "a whole scan (seconds); not yet in the registry",
    "signrank.moment_curve_gap": "not yet in the registry",
    "signrank.moment_curve_exact_check": "exact rational arithmetic (slow); not yet in the registry",
    "signrank.neighbourly_exact_check": "exact rational arithmetic (slow); not yet in the registry",
    "signrank.exact_certify": "exact rational arithmetic (slow); certify is fuzzed",
    "signrank.certified_sign_rank": "not yet in the registry",
    "signrank.limit_qrels": "reads the data cache (the data layer is fuzzed)",
    "signrank.qrels_index": "string id lists; not yet in the registry",
    "qkernels.memory_budget": "no arguments",
    "qkernels.alignment_init": "optax-style init over user params",
    "qkernels.alignment_step": "optax-style step (train_alignment is the wrapper)",
    "qkernels.alignment_variance": "a reduction of alignment_values (fuzzed)",
    "qkernels.train_alignment": "a whole training run; not yet in the registry",
    "qkernels.kernel_ridge_predict": "a product with a fitted alpha; kernel_ridge_fit is fuzzed",
    "qkernels.kernels_by_depth": "simulates every depth (seconds); fidelity_gram is fuzzed",
    "qkernels.mnist_pca": "loads and projects MNIST (tens of seconds per call here); its classes case is "
    "a regression test",
    "qkernels.alignment_landscape": "new public function: not yet in the registry",
    "qkernels.pair_values": "the upper triangle of a matrix; pair_statistics is fuzzed",
    "depth.plot_dd": "matplotlib drawing of a DDPlot",
    "depth.rejection_rates": "takes a user sampler; gaussian_mixture_sampler is fuzzed",
    "encoders.convert_checkpoint": "converts the MiniLM weights (tests/encoders)",
    "encoders.find_model_dir": "file-system lookup of the weights",
    "encoders.load_params": "file-system reader of the weights",
    "encoders.load_tokenizer": "file-system reader of the tokenizer",
    "data.data_dir": "no arguments",
    "data.fetch": "downloads (no network in the tests)",
    "data.file_path": "downloads (no network in the tests)",
    "data.sha256_file": "file-system reader",
    "data.load_mnist": "reads the data cache (only a root folder as argument)",
}

PACKAGES = ("core", "signrank", "qkernels", "depth", "encoders", "data")

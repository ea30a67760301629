# The commands of the README. `make test` sets up everything first (env/setup.sh: Debian
# packages as root, then .venv), so it works on a fresh clone as root (CI). `make figures`
# and `make lab` need neither root nor Debian packages: they set up .venv alone (no network
# once it exists). With another environment (conda: environment.yml), give its interpreter:
# `make figures PY=python` uses it as it is and creates no .venv. LWTBENCH_VENV moves .venv
# (the Docker image keeps its environment in /opt/lwtbench-venv).
VENV     ?= $(or $(LWTBENCH_VENV),.venv)
VENV_PY  := $(VENV)/bin/python
PY       ?= $(VENV_PY)
OUT      ?= out
DATA     ?= data
# .venv is set up only when it is the interpreter in use.
USE_VENV := $(if $(filter $(VENV_PY),$(PY)),venv)
# JupyterLab refuses to start as root without this flag (containers, CI machines).
AS_ROOT  := $(if $(filter 0,$(shell id -u)),--allow-root)
# More JupyterLab options, e.g. LAB_ARGS="--no-browser --port=8899".
LAB_ARGS ?=

.PHONY: help env venv test test-vm-kernels lint figures lab lock clean

help:
	@echo "make figures   every figure and the claims table from $(DATA)/ into $(OUT)/ (no root)"
	@echo "make test      lint + the test suite (as root: Debian packages, netns, UML kernels)"
	@echo "make test-vm-kernels  project .deb kernels built, installed and switched by grub in the VM"
	@echo "make lab       JupyterLab on the project's environment (no root)"
	@echo "make env       only create/refresh the environment (Debian packages + .venv)"
	@echo "make venv      only create/refresh .venv (no root)"
	@echo "make lock      re-resolve requirements.lock from pyproject.toml (PyPI, needs network)"

env:
	@env/setup.sh

venv:
	@env/setup.sh --no-apt

lint: env
	$(PY) -m ruff check lwtbench tests benchmarks
	$(PY) -m ruff format --check lwtbench tests benchmarks

# env/test.sh runs the virtual DUT tests beside the others (one pytest each) unless
# PYTEST_ARGS chooses tests.
test: env lint
	PY=$(PY) env/test.sh $(PYTEST_ARGS)

# The virtual DUT switching the project's own kernels with grub and counting them (vm count's
# grub path, interrupted and resumed): builds the vanilla and fixed
# .deb packages first when the cache lacks them (README, "Rehearse the hardware path without
# hardware", has the times), which is why it is not part of `make test`.
test-vm-kernels: env
	env/test_vm_kernels.sh $(PYTEST_ARGS)

figures: $(USE_VENV)
	$(PY) -m lwtbench figures --data $(DATA) --output-dir $(OUT)

lab: $(USE_VENV)
	$(PY) -m jupyterlab $(AS_ROOT) --notebook-dir=notebooks $(LAB_ARGS)

# The exact pip set: every extra, every platform (markers), with hashes, from PyPI. Run after a
# change to the dependencies of pyproject.toml (with uv from .venv, or PY=python with uv
# installed); tests/analysis/test_environment.py checks that the lock and pyproject.toml agree.
lock:
	$(PY) -m uv pip compile pyproject.toml --extra dev --extra trex --extra lab --universal \
		--generate-hashes --quiet -o requirements.lock

clean:
	rm -rf $(OUT) .pytest_cache

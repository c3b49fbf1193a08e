# The course's commands. On a fresh machine:  make lab   (open the course)
#                                             make test  (run every test, as CI does)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.installed-lab
HOST := 127.0.0.1
PORT ?= 8888
NBVAL := --nbval --nbval-current-env --nbval-cell-timeout=120 --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: lab test lint unit nbval browser notebooks bench setup clean help workshop

help:
	@echo "make lab        set up (first time) and open the course in JupyterLab"
	@echo "make test       set up and run the whole test suite (ruff, unit, strict nbval, browser)"
	@echo "make notebooks  re-execute every lesson in place"
	@echo "make bench      print timings and sizes (figures, never pass/fail)"
	@echo "make workshop   serve the course to a room with JupyterHub (docs/workshop.md)"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The course needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the last install. uv (fetched into a
# throwaway folder, so it never lands in .venv) installs in about a quarter of pip's time;
# where it cannot be had or fails (a custom package index, say), pip does the same install.
# `make lab` installs the course alone; `make test` adds the test tools ([test]: pytest,
# hypothesis, ruff and Playwright, about 200 MB that a learner does not need).
define install
	@tmp=$$(mktemp -d); \
	if $(PY) -m pip install --quiet --disable-pip-version-check --target "$$tmp" uv >/dev/null 2>&1 \
	   && "$$tmp/bin/uv" pip install --quiet --python $(PY) --compile-bytecode -e '$(1)'; then \
	    echo "installed $(1) into $(VENV) (with uv)"; \
	else \
	    echo "installing $(1) into $(VENV) with pip"; \
	    $(PY) -m pip install --quiet --disable-pip-version-check -e '$(1)' || { rm -rf "$$tmp"; exit 1; }; \
	fi; \
	rm -rf "$$tmp"
	@# Cache the course's own bytecode: where PYTHONDONTWRITEBYTECODE is set, every command would
	@# otherwise recompile helpers/ at each start (about 30 ms of a 150 ms budget).
	@$(PY) -m compileall -q helpers >/dev/null
endef

$(LAB_STAMP): pyproject.toml | $(PY)
	$(call install,.)
	@touch $(LAB_STAMP)

# Playwright's wheel carries its own Node.js (144 MB of the 600 MB budget). Where the machine
# has a Node.js that Playwright's driver accepts (>= 20), the bundled one is replaced by a link
# to it; otherwise it stays. `make bench` prints both venv sizes.
# (In a variable: a literal comma would split $(call)'s arguments.)
TEST_EXTRAS := .[test,workshop]
$(STAMP): pyproject.toml | $(PY)
	$(call install,$(TEST_EXTRAS))
	@node=$$(command -v node || true); \
	bundled=$$($(PY) -c 'import pathlib, playwright; print(pathlib.Path(playwright.__file__).parent / "driver" / "node")'); \
	if [ -n "$$node" ] && [ -f "$$bundled" ] && [ ! -L "$$bundled" ] \
	   && "$$node" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then \
	    ln -sf "$$node" "$$bundled.tmp" && mv -f "$$bundled.tmp" "$$bundled" \
	    && echo "Playwright uses this machine's Node.js ($$("$$node" --version)) instead of its bundled copy"; \
	fi
	@touch $(STAMP) $(LAB_STAMP)

setup: $(STAMP)

# LabApp's own default_url (not ServerApp's, which JupyterLab overrides with /lab) opens
# lesson 00, in the browser tab and in the printed URL. LAB_FLAGS adds flags (the browser
# test passes --no-browser); tests/browser/test_make_lab.py runs this very target.
LAB_FLAGS ?=
lab: $(LAB_STAMP)
	@if [ "$$(id -u)" = 0 ]; then root=--allow-root; fi; \
	exec $(PY) -m jupyter lab --ip=$(HOST) --port=$(PORT) $$root $(LAB_FLAGS) \
	    --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb

test: setup lint unit nbval browser

lint: setup
	$(PY) -m ruff check .

unit: setup
	$(PY) -m pytest -q tests --ignore=tests/browser

nbval: setup
	$(PY) -m pytest -q $(NBVAL) notebooks

browser: setup
	$(PY) -m pytest -q tests/browser

notebooks: setup
	$(PY) tools/notebooks.py

bench: setup
	@$(PY) -m compileall -q helpers >/dev/null
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) tests/browser/screenshots .hypothesis

# `make workshop`: one JupyterHub for a room (docs/workshop.md). JupyterHub and its idle culler come
# from PyPI (the [workshop] extra), configurable-http-proxy from npm at the version that
# workshop/package-lock.json pins, into workshop/node_modules. It listens on 127.0.0.1:8000; for a
# room: make workshop HOST=0.0.0.0 (read the warning in docs/workshop.md first). Ctrl+C stops it all.
# `make test` installs the same two things: the browser test starts this hub.
WORKSHOP_STAMP := $(VENV)/.installed-workshop
CHP := workshop/node_modules/.bin/configurable-http-proxy
WORKSHOP_PORT := $(if $(filter command line environment,$(origin PORT)),$(PORT),8000)

$(WORKSHOP_STAMP): pyproject.toml | $(PY)
	$(call install,.[workshop])
	@touch $(WORKSHOP_STAMP)

$(CHP): workshop/package.json workshop/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make workshop needs Node.js 20 or newer and npm" \
	    "(Debian/Ubuntu: apt-get install nodejs npm)"; exit 1; }
	npm ci --prefix workshop --no-audit --no-fund --loglevel=error
	@touch $(CHP)

browser: $(CHP)

workshop: $(WORKSHOP_STAMP) $(CHP)
	@exec env HOST=$(HOST) PORT=$(WORKSHOP_PORT) $(PY) -m jupyterhub -f workshop/jupyterhub_config.py

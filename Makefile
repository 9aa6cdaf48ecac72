# Step by Step: the two commands a fresh machine needs are `make book` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
JB     := $(BIN)/jupyter-book
# Warnings are errors; --keep-going reports them all before failing.
JB_FLAGS := -W -n --keep-going
# One BLAS thread per process: the suite already keeps both cores busy, and oversubscribed BLAS threads
# made a notebook several times slower on a loaded machine.
book test test-code test-site unit notebooks build browser lab-test bench lab: export OPENBLAS_NUM_THREADS := 1
book test test-code test-site unit notebooks build browser lab-test bench lab: export OMP_NUM_THREADS := 1

.PHONY: help book test test-code test-site unit notebooks build browser lab-test bench lab student grade clean test-oldest

help:
	@echo "make book   - set up .venv, execute every chapter and build the site into _build/html"
	@echo "make test   - set up .venv and run unit tests, every notebook (nbval), the strict build and the browser test"
	@echo "make lab    - open the chapters in JupyterLab (jupyterlab-myst renders their MyST) with stepcourse installed (editable)"
	@echo "make lab-test - one chapter in JupyterLab in headless Chromium: run, explorer moved, saved, reopened (part of make test)"
	@echo "make bench  - run the benchmarks in bench/ and print their figures"
	@echo "make test-oldest - the unit tests in a venv at the version floors of pyproject.toml (before a release)"
	@echo "make student               - instructors: the student version of every chapter into student/"
	@echo "make grade SUBMISSIONS=... CHAPTER=... - instructors: grade submitted notebooks (sandboxed) into grades/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# One stamp per set of extras, remade when pyproject.toml changes.
$(VENV)/.book-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[book]"
	@touch $@

$(VENV)/.test-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.book-stamp

$(VENV)/.lab-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	@touch $@ $(VENV)/.book-stamp

book: $(VENV)/.book-stamp
	$(JB) build . $(JB_FLAGS)
	@echo "Open $(CURDIR)/_build/html/index.html"

# Two chains at once, each in order: the Python tests then the notebooks (nbval), and the strict build then
# the browser tests of the site and of JupyterLab. The build runs one notebook at a time on one core, so
# beside it the other chain has the second core (the whole run is about 5 minutes shorter than one
# chain after the other). Each step's output is printed when it ends; the first failure fails the run.
test: $(VENV)/.test-stamp
	$(MAKE) --no-print-directory -j2 --output-sync=target test-code test-site

test-code: $(VENV)/.test-stamp
	$(MAKE) --no-print-directory unit && $(MAKE) --no-print-directory notebooks

test-site: $(VENV)/.test-stamp
	$(MAKE) --no-print-directory build && $(MAKE) --no-print-directory browser && \
		$(MAKE) --no-print-directory lab-test

# Both cores: tests and notebooks run in two worker processes (a notebook stays on one worker).
unit: $(VENV)/.test-stamp
	$(BIN)/python -m pytest tests --ignore=tests/browser --ignore=tests/lab/browser -q -n 2
	$(BIN)/python -m pytest stepcourse --doctest-modules -q -n 2

# The unit tests at the version floors: a venv of its own in which every dependency of pyproject.toml's
# [project] list is pinned to its lowest allowed version (the rest of the test extra newest that fits).
# Run before each release; it takes a fresh install and a unit run (see CONTRIBUTING.md).
OLDEST := $(VENV)-oldest
FLOORS = $(shell $(PYTHON) -c 'import re, tomllib; d = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; print(" ".join(re.sub(r">=([^,;]+).*", r"==\1", x) for x in d if ">=" in x))')
test-oldest:
	$(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(OLDEST)/bin/python -m pip install --quiet -e ".[test]" $(FLOORS)
	$(OLDEST)/bin/python -m pip list 2>/dev/null | grep -iE "^(numpy|matplotlib|ipywidgets|threadpoolctl) "
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(OLDEST)/bin/python -m pytest tests --ignore=tests/browser \
		--ignore=tests/lab/browser -q -n 2 -p no:cacheprovider

notebooks: $(VENV)/.test-stamp
	$(BIN)/python -m pytest --nbval-lax book -q -n 2 --dist loadfile

build: $(VENV)/.test-stamp
	$(JB) build . $(JB_FLAGS)

browser: $(VENV)/.test-stamp
	$(BIN)/python -m pytest tests/browser -q

# One chapter in JupyterLab (jupyterlab-myst) in headless Chromium: run, explorer moved, saved, reopened.
lab-test: $(VENV)/.test-stamp
	$(BIN)/python -m pytest tests/lab/browser -q

bench: $(VENV)/.test-stamp
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

lab: $(VENV)/.lab-stamp
	$(BIN)/jupyter lab book

# Instructors: the student version of every chapter into student/ (FORCE=1 writes over an old one).
student: $(VENV)/.book-stamp
	$(BIN)/stepcourse student --out student $(if $(FORCE),--force)

# Instructors: grade notebooks into grades/ in a sandbox (needs bubblewrap):
#   make grade SUBMISSIONS="collected/*.ipynb" CHAPTER=steps [TIMEOUT=300] [MEMORY=2G] [JOBS=2] [FORCE=1|RESUME=1]
grade: $(VENV)/.book-stamp
	@test -n "$(SUBMISSIONS)" || { echo 'usage: make grade SUBMISSIONS="collected/*.ipynb" CHAPTER=steps [TIMEOUT=300] [MEMORY=2G] [JOBS=2] [FORCE=1|RESUME=1]'; exit 2; }
	$(BIN)/stepcourse grade $(SUBMISSIONS) --out grades $(if $(CHAPTER),--chapter $(CHAPTER)) $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(MEMORY),--memory $(MEMORY)) $(if $(JOBS),--jobs $(JOBS)) $(if $(FORCE),--force) $(if $(RESUME),--resume)

clean:
	rm -rf _build

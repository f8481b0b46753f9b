# Two commands do all the set-up on a fresh machine that has python3 with venv:
#   make run    create .venv if missing, install, launch the GUI on the default store
#   make test   install what the tests need, lint, check the layer contracts, run the whole suite headless
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test
# The suite runs in two processes (pytest-xdist; the machines have two cores), a test module in
# one process (its module fixtures, such as the real-input tests' Xvfb, are made once).
# `make test PYTEST_ARGS=tests/test_gui.py` runs one file in this process.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[postgres,sweep]'
	touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,sweep]'
	touch $(STAMP) $@

run: $(STAMP)
	@# Once: say how to add ChartDesk to the desktop's application menu.
	@if [ ! -f $(VENV)/.desktop-offered ] && ! $(BIN)/python -c "import chartdesk.desktop as d, sys; sys.exit(not d.installed())"; then \
	  echo "Tip: add ChartDesk to your application menu with: $(BIN)/chartdesk desktop install"; \
	  touch $(VENV)/.desktop-offered; fi
	$(BIN)/chartdesk $(ARGS)

lint: $(TSTAMP)
	$(BIN)/ruff check chartdesk tests benchmarks
	$(BIN)/lint-imports

test: lint
	@# The application layer needs no Qt: its tests run first with PySide6 and pyqtgraph not importable.
	PYTHONPATH=tests/app/without_qt $(BIN)/python -m pytest tests/app -q -p no:pytest-qt -W ignore::pytest.PytestConfigWarning
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache

# Two entry points, both self-contained on a fresh machine with Python 3.11:
#   make suite  - install, then run the bundled scenario suite with a readable report
#   make test   - install, then run lint and the tests
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: suite test lint serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

suite: $(STAMP)
	$(BIN)/casim run scenarios --transport both

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 -q

serve: $(STAMP)
	$(BIN)/casim serve

clean:
	rm -rf $(VENV) build *.egg-info

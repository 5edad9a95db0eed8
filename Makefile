# Two entry points, both self-contained on a fresh machine with Python 3.11:
#   make suite  - install, then run the bundled scenario suite with a readable report
#                 (console, plus test-results/report.html and test-results/junit.xml)
#   make test   - install, then run lint and the tests
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: suite test lint serve clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

suite: $(STAMP)
	$(BIN)/casim run scenarios --transport both --html test-results/report.html --junit test-results/junit.xml

# The real-browser tier drives Debian's Chromium; as root, install it when it is missing.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the real-browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "no /usr/bin/chromium: the real-browser tests will be skipped (sudo apt-get install chromium)"; fi

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

serve: $(STAMP)
	$(BIN)/casim serve

clean:
	rm -rf $(VENV) build *.egg-info

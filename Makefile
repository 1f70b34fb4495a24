# Two commands for a fresh machine: `make demo` grades the bundled sample class, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint chromium validate clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,nbgrader]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/grade run examples/class --out build/demo

validate: $(STAMP)
	$(BIN)/grade validate

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The page tests drive headless Chromium, looked up under the names tests/browser.py tries. As root (CI, containers)
# a missing one is installed from Debian's `chromium` package; otherwise make stops and says how, rather than skip them.
chromium: $(STAMP)
	@if $(BIN)/python tests/browser.py; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium && $(BIN)/python tests/browser.py; \
	else \
	    echo "make test needs Chromium for the page tests (tests/test_pages_in_browser.py) and installs it only as root:" >&2; \
	    echo "install it yourself (Debian/Ubuntu: sudo apt-get install chromium) or put it on PATH, then run make test again." >&2; \
	    exit 1; \
	fi

# pytest's exit code 5 (no test collected) fails the target like any other failure.
test: $(STAMP) lint chromium
	$(BIN)/python -m pytest

clean:
	rm -rf build $(VENV)

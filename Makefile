# coopscore — the two commands of the README, and a few more.
#   make run    create .venv if absent, install requirements.txt, start the app on :8501
#   make test   install the test requirements and Chromium, run the whole suite
#   make bench  print the benchmarks' figures

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test bench chromium poppler screenshots clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.stamp-run: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.stamp-test: requirements-test.txt $(VENV)/.stamp-run
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

run: $(VENV)/.stamp-run
	$(PY) -m coopscore mode
	$(PY) -m coopscore demo --if-empty
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.address 127.0.0.1 \
		--server.headless true --browser.gatherUsageStats false

# The browser tests drive Debian's Chromium (Playwright cannot download its own here).
chromium:
	@if [ -x "$(CHROMIUM)" ]; then \
		echo "Chromium: $$($(CHROMIUM) --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	else \
		echo "Chromium is needed for the browser tests and was not found at $(CHROMIUM)."; \
		echo "Install it with: sudo apt-get install chromium   (or set CHROMIUM=/path/to/chromium)"; \
		exit 1; \
	fi

# poppler's pdftotext reads back the word boxes of a printed page (tests/test_browser_print.py).
poppler:
	@if command -v pdftotext >/dev/null; then \
		echo "pdftotext: $$(pdftotext -v 2>&1 | head -1)"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's poppler-utils (pdftotext) for the print test..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	else \
		echo "pdftotext is needed by the print test and was not found."; \
		echo "Install it with: sudo apt-get install poppler-utils"; \
		exit 1; \
	fi

# axe-core, injected by the accessibility tests (from npm; package.json pins the version).
node_modules/.stamp: package.json
	npm install --no-audit --no-fund --silent
	touch $@

test: $(VENV)/.stamp-test chromium poppler node_modules/.stamp
	COOPSCORE_CHROMIUM=$(CHROMIUM) $(PY) -m pytest

bench: $(VENV)/.stamp-test chromium
	@failed=""; for script in bench/bench_*.py; do echo "== $$script"; \
		COOPSCORE_CHROMIUM=$(CHROMIUM) $(PY) $$script || failed="$$failed $$script"; done; \
	if [ -n "$$failed" ]; then echo "== target missed or check failed:$$failed"; exit 1; fi

screenshots: $(VENV)/.stamp-test chromium
	$(PY) scripts/screenshots.py http://127.0.0.1:$(PORT) screenshots

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

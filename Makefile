# All targets create .venv (and install Debian's chromium for the browser tests, Debian's postgresql for the
# tests on a throwaway PostgreSQL cluster, LibreOffice for the Word report's PDF test and JupyterHub's proxy
# for the team server) when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# LibreOffice turns a test's Word report into PDF, and poppler's pdftoppm its pages into pictures
SOFFICE  := /usr/bin/soffice
INITDB   := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# the proxy JupyterHub puts in front of itself (Node.js), pinned in deploy/package-lock.json
PROXY  := $(BIN)/configurable-http-proxy

.PHONY: demo hub test bench lint notebooks clean postgresql

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core

$(SOFFICE):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libreoffice-writer-nogui poppler-utils

postgresql:
ifeq ($(INITDB),)
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql
endif

$(PROXY): deploy/package-lock.json | $(STAMP)
	command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	cd deploy && npm ci --no-audit --no-fund --silent
	ln -sf ../../deploy/node_modules/.bin/configurable-http-proxy $(PROXY)

demo: $(STAMP)
	@echo "Tips: kör 'source $(VENV)/bin/activate' i terminalen, så fungerar kommandot egenkontroll direkt."
	$(BIN)/egenkontroll --workspace demo-arbetsyta demo

hub: $(STAMP) $(PROXY) postgresql
	$(BIN)/egenkontroll --workspace demo-arbetsyta hub --demo

test: $(STAMP) $(CHROMIUM) $(SOFFICE) postgresql $(PROXY)
	$(BIN)/python -m pytest

bench: $(STAMP) $(CHROMIUM) postgresql $(PROXY)
	$(BIN)/python -m benchmarks

notebooks: $(STAMP)
	$(BIN)/python tests/notebooks/refresh.py

lint: $(STAMP)
	$(BIN)/ruff check egenkontroll sampling tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) demo-arbetsyta .pytest_cache deploy/node_modules

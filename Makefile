# All targets create .venv (and install Debian's chromium for the browser tests and Debian's postgresql
# for the tests on a throwaway PostgreSQL cluster) when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
INITDB   := $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench lint notebooks clean postgresql

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core

postgresql:
ifeq ($(INITDB),)
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql
endif

demo: $(STAMP)
	@echo "Tips: kör 'source $(VENV)/bin/activate' i terminalen, så fungerar kommandot egenkontroll direkt."
	$(BIN)/egenkontroll --workspace demo-arbetsyta demo

test: $(STAMP) $(CHROMIUM) postgresql
	$(BIN)/python -m pytest

bench: $(STAMP) $(CHROMIUM) postgresql
	$(BIN)/python -m benchmarks

notebooks: $(STAMP)
	$(BIN)/python tests/notebooks/refresh.py

lint: $(STAMP)
	$(BIN)/ruff check egenkontroll sampling tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) demo-arbetsyta .pytest_cache

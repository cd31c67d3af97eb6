# Two commands set up everything on a fresh machine: `make play` and `make test`.
# Both create ./.venv on first use (PyTorch installs as torch==2.13.0 from this machine's disk).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: play test bench gtp

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

play: $(STAMP)
	$(VENV)/bin/dosaku play

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

bench: $(STAMP)
	$(VENV)/bin/python benchmarks/rules.py

gtp: $(STAMP)
	$(VENV)/bin/dosaku gtp

# The two commands of the README: `make demo` and `make test`. Both set up whatever is missing first.
VENV ?= .venv
PYTEST_ARGS ?= -m "not slow"

.PHONY: setup demo test test-all
setup:
	bash scripts/setup.sh

demo: setup
	$(VENV)/bin/dreamgym demo

test: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

test-all: setup
	$(VENV)/bin/python -m pytest

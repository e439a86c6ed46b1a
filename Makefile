# The two commands a newcomer needs: `make play` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: play test lint check clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

play: $(STAMP)
	$(BIN)/petrograd

test: $(STAMP)
	$(BIN)/ruff check game tests
	$(BIN)/python -m pytest -q

check: $(STAMP)
	$(BIN)/petrograd check

lint: $(STAMP)
	$(BIN)/ruff check game tests

clean:
	rm -rf $(VENV) build dist .pytest_cache

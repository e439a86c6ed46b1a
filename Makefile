# The two commands a newcomer needs: `make play` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: play test lint check clean fuzz fuzz-properties bench bench-quick

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

play: $(STAMP)
	$(BIN)/petrograd

# The suite runs on every core (pytest-xdist); `make test PYTEST_WORKERS=0` runs it in one
# process. A module that builds something costly once runs whole on one worker
# (tests/conftest.py: WHOLE_MODULES, --dist loadgroup).
PYTEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/ruff check game tests bench fuzz
	$(BIN)/mypy --strict game/engine game/web
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup

check: $(STAMP)
	$(BIN)/petrograd check

lint: $(STAMP)
	$(BIN)/ruff check game tests bench fuzz
	$(BIN)/mypy --strict game/engine game/web

# The coverage-guided fuzzer (fuzz/README.md): each atheris target in turn for FUZZ_SECONDS
# (default 60; `make fuzz FUZZ_SECONDS=900` for a quarter of an hour each), crashes written to
# fuzz/crashes/TARGET/, then the replay of every seed and every crash ever found.
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	@$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/python -m pip install --quiet atheris
	$(BIN)/python fuzz/run.py --seconds $(FUZZ_SECONDS)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_fuzz_targets.py

# The hypothesis property tests with many more examples (FUZZ_EXAMPLES per test; the
# default, 5000, runs for a few minutes). `make fuzz-properties FUZZ_EXAMPLES=100000` for an
# hour or so.
FUZZ_EXAMPLES ?= 5000
fuzz-properties: $(STAMP)
	PETROGRAD_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/test_fuzz.py tests/test_expr.py

# The performance budgets (issue 8): one table, each figure against a baseline measured in
# the same run (about two minutes; exits 1 if a budget is not met). bench-quick is smaller
# and fewer, for CI, which only needs it not to crash: its ratios are too noisy to judge.
bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-quick: $(STAMP)
	BENCH_QUICK=1 $(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist .pytest_cache

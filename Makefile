# Quick start: `make demo`, then `make test`. Both bootstrap .venv idempotently.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck bench security clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "composer needs Python 3.10+; run: make PYTHON=python3.12 ..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || \
		{ rm -rf $(VENV); echo "python -m venv failed; on Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip

# the stamp files re-run the install only when pyproject.toml changes
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/python examples/demo.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks examples scripts fuzz
	$(BIN)/ruff format --check src tests benchmarks examples scripts fuzz
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.run --chart docs/performance.png

# the security suite at full strength: browser oracle, long property runs, pathological inputs,
# the linear-cost benchmark and a minute of atheris (docs/security.md, fuzz/README.md)
security: $(VENV)/.installed-dev
	COMPOSER_FUZZ_EXAMPLES=5000 $(BIN)/pytest tests/test_browser_xss.py tests/test_fuzz_grammar.py \
		tests/test_properties.py tests/test_xss.py tests/test_pathological.py tests/test_nothing_lost.py
	$(BIN)/python -m benchmarks.bench_linear
	$(BIN)/pip install -q atheris && $(BIN)/python fuzz/fuzz_pipeline.py -max_total_time=60 \
		-rss_limit_mb=4096 fuzz/corpus

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

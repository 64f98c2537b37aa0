# The two commands a new machine needs are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck layers unit bench fuzz clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python 'egm96==0.3.0'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/drone-ai demo

test: lint typecheck layers unit

lint: $(STAMP)
	$(BIN)/ruff check domain drone_ai tests bench
	$(BIN)/ruff format --check domain drone_ai tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.klv_decode
	$(BIN)/python -m bench.klv_fuzz
	$(BIN)/python -m bench.georef
	$(BIN)/python -m bench.georef_real
	$(BIN)/python -m bench.render

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info

# The two commands a new machine needs are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test tools lint typecheck layers unit bench fuzz clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python 'egm96==0.3.0'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/drone-ai demo

test: tools lint typecheck layers unit

# FFmpeg's own command-line tools (ffprobe checks the simulator's MPEG-TS as an independent
# reader). Debian's package; installing it needs root, as CI and the dev machines have.
tools:
	@command -v ffprobe >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg)

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
	$(BIN)/python -m bench.ingest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info

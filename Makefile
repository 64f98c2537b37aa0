# The two commands a new machine needs are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test tools lint typecheck layers infra-lint unit bench fuzz clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python 'egm96==0.3.0'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/drone-ai demo

test: tools lint typecheck layers infra-lint unit

# Independent peers the integration tests start on 127.0.0.1: FFmpeg's command-line tools
# (ffprobe, ffmpeg), and GStreamer's RTSP server on Debian's Python (tests/rtsp_server.py).
# Debian's packages; installing them needs root, as CI and the dev machines have.
SYSTEM_PACKAGES := ffmpeg python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base \
	gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
tools:
	@command -v ffprobe >/dev/null && /usr/bin/python3 -c "import gi; \
		gi.require_version('GstRtspServer', '1.0')" 2>/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $(SYSTEM_PACKAGES))

lint: $(STAMP)
	$(BIN)/ruff check domain drone_ai tests bench protos
	$(BIN)/ruff format --check domain drone_ai tests bench protos

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

# The EC2 stack's template against CloudFormation's resource schemas and best practices.
infra-lint: $(STAMP)
	$(BIN)/cfn-lint infra/cloudformation/*.yaml

unit: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.klv_decode
	$(BIN)/python -m bench.klv_fuzz
	$(BIN)/python -m bench.georef
	$(BIN)/python -m bench.georef_real
	$(BIN)/python -m bench.render
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.detect
	$(BIN)/python -m bench.pool
	$(BIN)/python -m bench.track
	$(BIN)/python -m bench.tower
	$(BIN)/python -m bench.recording

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info

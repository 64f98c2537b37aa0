"""Shared fixtures: where the test data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parent / "data"
SAMPLE_FLIGHT = Path(__file__).parent.parent / "drone_ai" / "samples" / "aphill_klv_10s.ts"


@pytest.fixture
def data_dir() -> Path:
    return DATA_DIR

"""The simulated flights detection and tracking are measured on, shared by bench and tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Targets smaller than this are not scored (issue 6's bound).
MIN_SIZE_PX = 12.0
SCENARIOS: Mapping[str, Mapping[str, Any]] = {
    "orbit": {},  # the default scenario: a 500 m orbit over a crossroads with traffic
    "straight leg": {
        "path": {"kind": "legs", "waypoints": [[-400, -300], [400, -300]]},
        "gimbal": {"kind": "fixed", "rel_az_deg": 0, "rel_el_deg": -60},
        "camera": {"hfov_deg": 12.0},  # at 30 degrees the vehicles are under 12 px
    },
}

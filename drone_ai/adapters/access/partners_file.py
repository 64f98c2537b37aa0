"""Partners from a JSON file (DRONE_AI_PARTNERS_PATH):

    {"partners": [{"name": "acme", "token_sha256": "<64 hex digits>", "flights": ["ops-*"]}]}

Only digests are stored: `python -c "import hashlib; print(hashlib.sha256(b'TOKEN').hexdigest())"`
makes one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from domain.access import Partner
from drone_ai.errors import ConfigError


def load_partners(path: Path) -> list[Partner]:
    try:
        raw = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"DRONE_AI_PARTNERS_PATH: a readable JSON file expected: {exc}") from exc
    entries = raw.get("partners") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError('DRONE_AI_PARTNERS_PATH: expected {"partners": [...]} with at least one')
    partners = [_partner(index, entry) for index, entry in enumerate(entries)]
    names = [p.name for p in partners]
    if len(set(names)) != len(names):
        raise ConfigError(f"DRONE_AI_PARTNERS_PATH: partner names must differ, got {names}")
    return partners


def _partner(index: int, entry: Any) -> Partner:
    where = f"DRONE_AI_PARTNERS_PATH: partner {index}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: an object expected, got {type(entry).__name__}")
    name, digest, flights = entry.get("name"), entry.get("token_sha256"), entry.get("flights")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: 'name' expected as a non-empty string")
    try:
        token_sha256 = bytes.fromhex(digest) if isinstance(digest, str) else b""
    except ValueError:
        token_sha256 = b""
    if len(token_sha256) != 32:
        # The value itself is not repeated: it may be a token pasted by mistake.
        raise ConfigError(f"{where} ({name}): 'token_sha256' expected as 64 hex digits")
    if not isinstance(flights, list) or not all(isinstance(f, str) and f for f in flights):
        raise ConfigError(f"{where} ({name}): 'flights' expected as a list of id patterns")
    return Partner(name, token_sha256, tuple(flights))

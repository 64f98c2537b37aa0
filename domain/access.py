"""A partner of the tower: a name, the SHA-256 digest of its bearer token (the token itself is
never kept), and the flights it may see, as shell-style patterns of flight ids ("*": all)."""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Partner:
    name: str
    token_sha256: bytes  # 32 bytes
    flights: tuple[str, ...]  # patterns of the flight ids it may see and start

    def may_see(self, flight_id: str) -> bool:
        return any(fnmatch.fnmatchcase(flight_id, pattern) for pattern in self.flights)


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()

"""Who may call the tower and which flights they may see: per-partner bearer tokens, kept only
as SHA-256 digests, and per-partner flight patterns (shell-style, "*" for all).

Tokens are compared by digest in constant time against every partner, so that neither the
answer's timing nor a log line can give one away; no token or digest is ever put in a message.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from domain.access import Partner, token_digest
from drone_ai.errors import PermissionDeniedError, UnauthenticatedError


class AccessPolicy:
    def __init__(self, partners: Sequence[Partner]) -> None:
        self._partners = tuple(partners)

    def authenticate(self, token: str | None) -> Partner:
        if not token:
            raise UnauthenticatedError("a bearer token expected in 'authorization', got none")
        digest = token_digest(token)
        found = None
        for partner in self._partners:  # every one, whatever matches: constant time
            if hmac.compare_digest(digest, partner.token_sha256):
                found = partner
        if found is None:
            raise UnauthenticatedError("a bearer token of a known partner expected, got another")
        return found

    @staticmethod
    def require(partner: Partner, flight_id: str) -> None:
        if not partner.may_see(flight_id):
            raise PermissionDeniedError(
                f"partner {partner.name!r} may not see flight {flight_id!r}"
            )

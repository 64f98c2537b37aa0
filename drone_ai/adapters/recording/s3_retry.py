"""When an S3 call is worth trying again, and how long to wait before it does.

botocore already retries each request a few times (its "standard" mode); this is the loop
around a whole file's upload, so that an endpoint that is down for tens of seconds is
outlasted rather than reported after a second of botocore's own attempts. Waits grow
exponentially to a cap, with "full jitter" (a uniform draw below the current ceiling) so that
many uploaders coming back after one outage do not retry in step.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import (  # type: ignore[import-untyped]
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from drone_ai.errors import RecordingStoreError

# Error codes S3 (and S3-compatible stores) answer when they are overloaded or a request
# took too long on their side: worth retrying, unlike AccessDenied or NoSuchBucket.
_TRANSIENT_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestTimeout",
        "RequestTimeTooSkewed",
        "InternalError",
        "ServiceUnavailable",
        "RequestLimitExceeded",
        "BadDigest",  # the body was damaged on the way: sending it again may well succeed
    }
)
_CONNECTION_ERRORS = (
    EndpointConnectionError,
    ConnectionClosedError,
    ConnectTimeoutError,
    ReadTimeoutError,
)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Capped exponential backoff with full jitter; `deadline_s` bounds one call's retrying."""

    first_delay_s: float = 0.5
    max_delay_s: float = 8.0
    deadline_s: float = 120.0

    def __post_init__(self) -> None:
        if not 0.0 < self.first_delay_s <= self.max_delay_s <= 3600.0:
            raise RecordingStoreError(
                "Backoff: expected 0 < first_delay_s <= max_delay_s <= 3600, "
                f"got {self.first_delay_s} and {self.max_delay_s}"
            )
        if not 0.0 <= self.deadline_s <= 86_400.0:
            raise RecordingStoreError(
                f"Backoff.deadline_s: expected 0 to 86400, got {self.deadline_s}"
            )

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """The wait before retry number `attempt` (1 for the first retry)."""
        ceiling = min(self.max_delay_s, self.first_delay_s * 2.0 ** min(attempt - 1, 30))
        return rng.uniform(0.0, ceiling)


def is_transient(exc: BaseException) -> bool:
    """True for failures another attempt may cure: no connection, a timeout, 5xx, throttling."""
    if isinstance(exc, _CONNECTION_ERRORS):
        return True
    if isinstance(exc, ClientError):
        response: Any = exc.response
        code = str(response.get("Error", {}).get("Code", ""))
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return status >= 500 or status == 429 or code in _TRANSIENT_CODES
    return False

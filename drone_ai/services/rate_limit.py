"""Request rate limits per caller (a partner, or an address that has not authenticated), so
that one partner's runaway client cannot crowd out the others or guess tokens quickly."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from domain.rate_limit import TokenBucket
from drone_ai.errors import RateLimitedError

FORGET_EVERY = 1_000  # requests between sweeps of idle callers' buckets


class RequestLimiter:
    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        clock_s: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate_per_s = rate_per_s
        self._burst = burst
        self._clock_s = clock_s
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()
        self._since_sweep = 0

    def admit(self, caller: str) -> None:
        """Count one request from `caller`; RateLimitedError when it is over its rate."""
        with self._lock:
            now_s = self._clock_s()
            bucket = self._buckets.get(caller)
            if bucket is None:
                bucket = self._buckets[caller] = TokenBucket(self._rate_per_s, self._burst, now_s)
            allowed = bucket.take(now_s)
            self._since_sweep += 1
            if self._since_sweep >= FORGET_EVERY:
                self._since_sweep = 0
                # A full bucket is the same as none: memory stays bounded by active callers.
                self._buckets = {k: b for k, b in self._buckets.items() if b.full_at_s() > now_s}
        if not allowed:
            raise RateLimitedError(
                f"rate limit: expected at most {self._rate_per_s:g} requests/s "
                f"(bursts of {self._burst}) from {caller}, got more"
            )

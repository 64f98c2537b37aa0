"""A token bucket: at most `rate_per_s` requests a second on average, `burst` at once. Time is
the caller's (seconds from any fixed origin), so the rule is testable without waiting."""

from __future__ import annotations

from domain.errors import InvalidValueError


class TokenBucket:
    def __init__(self, rate_per_s: float, burst: int, now_s: float) -> None:
        if rate_per_s <= 0.0:
            raise InvalidValueError("rate_per_s", "> 0", rate_per_s)
        if burst < 1:
            raise InvalidValueError("burst", ">= 1", burst)
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._tokens = float(burst)
        self._at_s = now_s

    def take(self, now_s: float) -> bool:
        """One request now: True if allowed (a token taken), False if over the rate."""
        elapsed_s = max(0.0, now_s - self._at_s)  # a clock stepping back refills nothing
        self._tokens = min(self.burst, self._tokens + elapsed_s * self.rate_per_s)
        self._at_s = max(self._at_s, now_s)
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def full_at_s(self) -> float:
        """When the bucket will be full again (an idle caller's bucket can be forgotten)."""
        return self._at_s + (self.burst - self._tokens) / self.rate_per_s

import pytest

from drone_ai.errors import RateLimitedError
from drone_ai.services.rate_limit import FORGET_EVERY, RequestLimiter


class Clock:
    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


def test_each_caller_has_its_own_rate() -> None:
    clock = Clock()
    limiter = RequestLimiter(rate_per_s=1.0, burst=2, clock_s=clock)
    limiter.admit("partner acme")
    limiter.admit("partner acme")
    with pytest.raises(RateLimitedError, match=r"at most 1 requests/s .* from partner acme"):
        limiter.admit("partner acme")
    limiter.admit("partner other")  # not held up by acme
    clock.now_s = 1.0
    limiter.admit("partner acme")


def test_idle_callers_are_forgotten_so_memory_follows_active_ones() -> None:
    clock = Clock()
    limiter = RequestLimiter(rate_per_s=10.0, burst=1, clock_s=clock)
    for n in range(FORGET_EVERY - 1):
        limiter.admit(f"address 10.0.{n // 256}.{n % 256}")
    clock.now_s = 1.0  # every bucket full again
    limiter.admit("address 127.0.0.1")  # the sweep
    assert len(limiter._buckets) <= 1

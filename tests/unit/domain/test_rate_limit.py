import pytest

from domain.errors import InvalidValueError
from domain.rate_limit import TokenBucket


def test_a_burst_is_allowed_then_the_rate_refills_it() -> None:
    bucket = TokenBucket(rate_per_s=2.0, burst=3, now_s=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.4) is False  # 0.8 of a token back
    assert bucket.take(0.5) is True  # a whole one
    assert bucket.take(100.0) and bucket.take(100.0) and bucket.take(100.0)
    assert bucket.take(100.0) is False  # an idle caller saves no more than a burst


def test_a_clock_that_steps_back_gives_no_tokens() -> None:
    bucket = TokenBucket(rate_per_s=1.0, burst=1, now_s=10.0)
    assert bucket.take(10.0) is True
    assert bucket.take(5.0) is False
    assert bucket.full_at_s() == pytest.approx(11.0)


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
def test_a_bucket_that_could_never_admit_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(InvalidValueError):
        TokenBucket(rate, burst, 0.0)

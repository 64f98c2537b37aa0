"""A flight's event log: order, bounds, and reads that say what was lost."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValueError
from domain.event_log import EventLog, Gap

S = 1_000_000  # microseconds


def filled(count: int, max_events: int = 100, max_age_us: int = 3_600 * S) -> EventLog[str]:
    log: EventLog[str] = EventLog(max_events, max_age_us)
    for n in range(1, count + 1):
        assert log.append(n * S, f"e{n}") == n
    return log


def test_events_are_numbered_from_1_and_read_back_in_order() -> None:
    log = filled(5)
    read = log.read(0, 10)
    assert read.gap is None
    assert [(e.sequence, e.logged_us, e.event) for e in read.events] == [
        (n, n * S, f"e{n}") for n in range(1, 6)
    ]
    assert read.last_sequence == 5


def test_a_reader_resumes_after_its_last_sequence_exactly_once() -> None:
    log = filled(10)
    seen: list[int] = []
    after = 0
    while after < log.last_sequence:
        read = log.read(after, 3)  # small pages, as a stream would take them
        assert read.gap is None
        seen += [e.sequence for e in read.events]
        after = read.last_sequence or after
    assert seen == list(range(1, 11))
    assert log.read(10, 3).events == () and log.read(10, 3).last_sequence is None


def test_past_its_count_the_log_evicts_the_oldest_and_a_late_reader_is_told() -> None:
    log = filled(12, max_events=5)
    assert log.first_retained == 8
    read = log.read(3, 10)
    assert read.gap == Gap(4, 7)
    assert [e.sequence for e in read.events] == [8, 9, 10, 11, 12]
    assert read.last_sequence == 12


def test_events_older_than_the_age_bound_are_evicted() -> None:
    log = filled(10, max_age_us=3 * S)  # at t = 10 s, events before 7 s go
    assert log.first_retained == 7
    log.evict(20 * S)  # nothing appended for a while: all of it aged out
    assert log.first_retained == 11
    read = log.read(2, 10)
    assert read.gap == Gap(3, 10) and read.events == ()
    assert read.last_sequence == 10  # the reader is now up to date, knowing what it lost


def test_sequence_numbers_go_on_after_everything_was_evicted() -> None:
    log = filled(3, max_age_us=1 * S)
    log.evict(60 * S)
    assert log.append(61 * S, "late") == 4
    assert [e.sequence for e in log.read(3, 10).events] == [4]


@pytest.mark.parametrize(
    ("after", "limit", "expected"),
    [(-1, 10, "after_sequence"), (6, 10, "after_sequence"), (0, 0, "limit")],
    ids=["negative", "ahead of the log", "no room"],
)
def test_reads_the_log_cannot_answer_are_refused(after: int, limit: int, expected: str) -> None:
    with pytest.raises(InvalidValueError, match=expected):
        filled(5).read(after, limit)


def test_log_times_may_not_go_backwards() -> None:
    log = filled(2)
    with pytest.raises(InvalidValueError, match="logged_us"):
        log.append(1 * S, "early")

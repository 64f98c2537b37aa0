"""The in-memory flight event log under threads: readers woken by the writer, resumes exactly
once, and a stalled reader that costs neither the writer nor memory."""

from __future__ import annotations

import threading
import time

from domain.event_log import Gap, LogRead
from drone_ai.adapters.event_log.in_memory import InMemoryEventLog

S = 1_000_000


def test_a_waiting_reader_is_woken_by_the_next_event() -> None:
    log: InMemoryEventLog[str] = InMemoryEventLog(100, 60.0)
    got: list[LogRead[str]] = []
    reader = threading.Thread(target=lambda: got.append(log.read(0, 10, timeout_s=10.0)))
    reader.start()
    time.sleep(0.1)
    began = time.monotonic()
    log.append("hello")
    reader.join()
    assert time.monotonic() - began < 2.0
    assert [e.event for e in got[0].events] == ["hello"]


def test_a_reader_cut_off_and_resumed_gets_every_event_exactly_once() -> None:
    log: InMemoryEventLog[int] = InMemoryEventLog(10_000, 3_600.0)

    def write() -> None:
        for n in range(5_000):
            log.append(n)

    writer = threading.Thread(target=write)
    writer.start()
    seen: list[int] = []
    after = 0
    while len(seen) < 1_000:  # the first connection, cut off mid-flight
        read = log.read(after, 64, timeout_s=5.0)
        seen += [e.event for e in read.events]
        after = read.last_sequence or after
    writer.join()
    while after < log.last_sequence:  # reconnected with its last sequence
        read = log.read(after, 64)
        assert read.gap is None
        seen += [e.event for e in read.events]
        after = read.last_sequence or after
    assert seen == list(range(5_000))


def test_a_stalled_reader_costs_neither_the_writer_nor_memory() -> None:
    log: InMemoryEventLog[int] = InMemoryEventLog(100, 3_600.0)
    for n in range(10_000):  # nobody reads meanwhile: the writer never waits
        log.append(n)
    read = log.read(0, 1_000)
    assert read.gap == Gap(1, 9_900)
    assert len(read.events) == 100 and read.events[0].sequence == 9_901


def test_events_logged_too_long_ago_are_gone_when_read_even_without_new_ones() -> None:
    clock = [1_000 * S]
    log: InMemoryEventLog[str] = InMemoryEventLog(100, 10.0, clock=lambda: clock[0])
    log.append("a")
    clock[0] = 1_001 * S
    log.append("b")
    clock[0] = 1_020 * S
    read = log.read(0, 10)
    assert read.gap == Gap(1, 2) and read.events == ()

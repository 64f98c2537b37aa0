"""`drone-ai health`'s address and deadline, checked before anything is dialled."""

from __future__ import annotations

import argparse

import pytest

from drone_ai.entrypoints.grpc.health_check import address_argument, timeout_s_argument


@pytest.mark.parametrize("address", ["127.0.0.1:50051", "[::1]:1", "tower.example:65535"])
def test_a_host_and_port_is_taken_as_given(address: str) -> None:
    assert address_argument(address) == address


@pytest.mark.parametrize(
    "address",
    ["50051", "127.0.0.1:", ":50051", "[]:50051", "127.0.0.1:0", "127.0.0.1:65536", "host:http"],
    ids=["no-host", "no-port", "empty-host", "empty-brackets", "port-0", "port-high", "named"],
)
def test_an_address_that_cannot_be_dialled_is_refused_saying_what_was_expected(
    address: str,
) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"host:port with a port from 1"):
        address_argument(address)


@pytest.mark.parametrize(("text", "seconds"), [("0.5", 0.5), ("5", 5.0), ("300", 300.0)])
def test_a_deadline_in_seconds_is_read(text: str, seconds: float) -> None:
    assert timeout_s_argument(text) == seconds


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "301", "soon", ""])
def test_a_deadline_that_is_no_positive_bounded_number_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=r"seconds above 0 and up to 300"):
        timeout_s_argument(text)

"""Plaintext gRPC only on loopback unless explicitly allowed."""

from __future__ import annotations

import pytest

from drone_ai.entrypoints.grpc.server import plaintext_address
from drone_ai.errors import ConfigError


@pytest.mark.parametrize("listen", ["127.0.0.1:50051", "[::1]:0", "localhost:7000", "127.0.0.2:1"])
def test_loopback_addresses_are_served_in_plaintext(listen: str) -> None:
    assert plaintext_address(listen, allow_remote=False) == listen


@pytest.mark.parametrize("listen", ["0.0.0.0:50051", "10.1.2.3:50051", "[::]:50051", "tower:1"])
def test_other_addresses_are_refused_in_plaintext_unless_allowed(listen: str) -> None:
    with pytest.raises(ConfigError, match=r"loopback address.*ALLOW_PLAINTEXT_REMOTE"):
        plaintext_address(listen, allow_remote=False)
    assert plaintext_address(listen, allow_remote=True) == listen


@pytest.mark.parametrize("listen", ["50051", "127.0.0.1:", "127.0.0.1:99999", ":80"])
def test_a_malformed_address_is_refused(listen: str) -> None:
    with pytest.raises(ConfigError, match="expected host:port"):
        plaintext_address(listen, allow_remote=True)

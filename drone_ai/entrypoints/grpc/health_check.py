"""`drone-ai health`: the standard gRPC health check (grpc.health.v1.Health/Check) against a
tower, as a container's HEALTHCHECK or a load balancer's probe runs it.

The answer is one line and a verdict: serving or not. Everything short of SERVING is "not":
NOT_SERVING (the tower cannot run flights, see server.py), a service the tower does not know,
nothing listening, a TLS handshake that fails, or no answer before the deadline. The call
never waits for a connection to come up (no wait_for_ready) and always carries a deadline, so
the check ends within `timeout_s` even against a peer that accepts and then says nothing.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

DEFAULT_ADDRESS = "127.0.0.1:50051"
DEFAULT_TIMEOUT_S = 5.0
MAX_TIMEOUT_S = 300.0

_SERVING = health_pb2.HealthCheckResponse.SERVING
# What each transport failure means to someone reading a health log.
_FAILURES = {
    grpc.StatusCode.UNAVAILABLE: "no connection",  # nothing listening, TLS refused, ...
    grpc.StatusCode.DEADLINE_EXCEEDED: "no answer in time",
    grpc.StatusCode.NOT_FOUND: "service unknown to the tower",
    grpc.StatusCode.UNIMPLEMENTED: "no gRPC health service there",
}


@dataclass(frozen=True, slots=True)
class HealthAnswer:
    """What the check found: whether the tower serves, and the line that says so."""

    serving: bool
    line: str


def check(
    address: str,
    *,
    ca_pem: bytes | None = None,
    server_name: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    service: str = "",
) -> HealthAnswer:
    """Ask the tower at `address` (host:port) whether `service` ("" the whole server) is
    serving; over TLS when `ca_pem` (the CA, or the tower's own certificate) is given, the
    certificate checked for `server_name` instead of the address's host when that is given."""
    named = f"service {service!r}" if service else "the server"
    where = f"{address} ({named}{', TLS' if ca_pem is not None else ''})"
    try:
        with _channel(address, ca_pem, server_name) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout_s)
    except grpc.RpcError as exc:
        code: grpc.StatusCode = exc.code()
        meaning = _FAILURES.get(code, "refused")
        if code is grpc.StatusCode.DEADLINE_EXCEEDED:
            meaning = f"no answer within {timeout_s:g} s"
        return HealthAnswer(False, f"{where}: {meaning}: {code.name}: {exc.details()}")
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    return HealthAnswer(response.status == _SERVING, f"{where}: {status}")


def _channel(address: str, ca_pem: bytes | None, server_name: str | None) -> Any:
    if ca_pem is None:
        return grpc.insecure_channel(address)
    options = [] if server_name is None else [("grpc.ssl_target_name_override", server_name)]
    credentials = grpc.ssl_channel_credentials(root_certificates=ca_pem)
    return grpc.secure_channel(address, credentials, options=options)


def address_argument(text: str) -> str:
    """`host:port` as the command line gives it (argparse type), checked before any dial."""
    host, sep, port = text.rpartition(":")
    if not sep or not host.strip("[]") or not port.isdigit() or not 1 <= int(port) <= 65_535:
        raise argparse.ArgumentTypeError(
            f"host:port with a port from 1 to 65535 expected, got {text!r}"
        )
    return text


def timeout_s_argument(text: str) -> float:
    """Seconds for the whole check (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    # Written this way round so that NaN fails it too.
    if not 0.0 < value <= MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(
            f"seconds above 0 and up to {MAX_TIMEOUT_S:g} expected, got {text!r}"
        )
    return value

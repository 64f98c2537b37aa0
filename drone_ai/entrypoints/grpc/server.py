"""The tower's gRPC server: the Tower service, standard health checking and server reflection
(so that a client with none of our generated code can find its way)."""

from __future__ import annotations

import ipaddress
import logging
import threading
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from drone_ai.entrypoints.grpc.servicer import TowerServicer
from drone_ai.errors import ConfigError
from drone_ai.ports import TowerMetrics
from drone_ai.services.access import AccessPolicy
from drone_ai.services.flight_control import FlightControl
from drone_ai.services.rate_limit import RequestLimiter

LOG = logging.getLogger(__name__)
TOWER = pb.DESCRIPTOR.services_by_name["Tower"].full_name
# A subscriber holds a thread while its stream is open: the pool bounds how many at once.
MAX_STREAMS = 256
_OPTIONS = [
    ("grpc.keepalive_time_ms", 20_000),  # ping idle subscribers so dead peers are noticed
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.max_receive_message_length", 1 << 20),  # requests are small
]


def build_server(
    control: FlightControl,
    access: AccessPolicy | None = None,
    subscriber_wait_s: float = 1.0,
    max_streams: int = MAX_STREAMS,
    *,
    metrics: TowerMetrics | None = None,
    limiter: RequestLimiter | None = None,
    health_check_s: float = 1.0,
) -> grpc.Server:
    """A server with the services added; the caller binds ports and starts it. At most
    `max_streams` calls at once (each holds a thread); more are refused RESOURCE_EXHAUSTED.
    Its health (the Tower service's, and the server's, "") follows whether the tower can run
    flights, looked at every `health_check_s` until the server stops."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_streams, thread_name_prefix="grpc"),
        options=_OPTIONS,
        maximum_concurrent_rpcs=max_streams,
    )
    servicer = TowerServicer(control, access, subscriber_wait_s, metrics=metrics, limiter=limiter)
    pb_grpc.add_TowerServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
    checker = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(checker, server)
    threading.Thread(
        target=_reflect_health,
        args=(server, checker, control, health_check_s),
        name="health",
        daemon=True,
    ).start()
    reflection.enable_server_reflection(
        (
            TOWER,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    return server


def _reflect_health(
    server: grpc.Server, checker: Any, control: FlightControl, every_s: float
) -> None:
    """SERVING while the tower can run flights, NOT_SERVING (and a warning saying why) while
    it cannot: a load balancer or orchestrator then sends partners elsewhere."""
    serving: bool | None = None
    while True:
        why = control.out_of_service()
        if (why is None) != serving:
            serving = why is None
            status = (
                health_pb2.HealthCheckResponse.SERVING
                if serving
                else health_pb2.HealthCheckResponse.NOT_SERVING
            )
            checker.set(TOWER, status)
            checker.set("", status)
            if why is not None:
                LOG.warning("tower not serving", extra={"why": why})
        if not server.wait_for_termination(every_s):  # False: it has stopped
            return


def plaintext_address(listen: str, allow_remote: bool, variable: str = "DRONE_AI_LISTEN") -> str:
    """`listen` (host:port) if serving it without TLS is allowed: on a loopback address
    always, elsewhere only when explicitly allowed. ConfigError otherwise, saying why."""
    host, sep, port = listen.rpartition(":")
    host = host.strip("[]")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65_535 or not host:
        raise ConfigError(f"{variable}: expected host:port, got {listen!r}")
    if not is_loopback(listen) and not allow_remote:
        raise ConfigError(
            f"{variable}: plaintext expected on a loopback address only, got {listen!r}; "
            f"serve other hosts with TLS, or set DRONE_AI_ALLOW_PLAINTEXT_REMOTE=1 knowingly"
        )
    return listen


def is_loopback(listen: str) -> bool:
    host = listen.rpartition(":")[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def tls_credentials(cert_pem: bytes, key_pem: bytes, client_ca_pem: bytes | None) -> Any:
    """Server credentials; with a client CA, a client must present a certificate it signed."""
    return grpc.ssl_server_credentials(
        [(key_pem, cert_pem)],
        root_certificates=client_ca_pem,
        require_client_auth=client_ca_pem is not None,
    )

"""`drone-ai health` as a container's HEALTHCHECK runs it: the installed command, in its own
process, against `drone-ai serve` in another (plaintext, and TLS as the image runs it), and
in-process against the tower's gRPC server with its health set from a pool that breaks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from shutil import which

import grpc
import pytest

from drone_ai.adapters.event_log.news import NewsBell
from drone_ai.entrypoints.cli import EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE, main
from drone_ai.entrypoints.grpc.server import TOWER, build_server
from drone_ai.services.flights import FlightDirectory
from tests.fake_tower import FakeNoLanes, control_without_inputs
from tests.tls_certificates import TestAuthority

SCRIPT = which("drone-ai", path=str(Path(sys.executable).parent))


def tower_env(**overrides: str) -> dict[str, str]:
    """The environment less any DRONE_AI_* of the caller's, so that only the test decides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRONE_AI_")}
    return {**env, **overrides}


@contextmanager
def served(**settings: str) -> Iterator[str]:
    """`drone-ai serve` in its own process on a port the system picks; its host:port."""
    assert SCRIPT is not None
    env = tower_env(
        DRONE_AI_LISTEN="127.0.0.1:0",
        DRONE_AI_METRICS_LISTEN="",
        DRONE_AI_DETECT_WORKERS="1",
        **settings,
    )
    server = subprocess.Popen(
        [SCRIPT, "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith("drone-ai: serving on 127.0.0.1:"), first
        yield first.rsplit(" ", 1)[1].strip()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()


def health(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    assert SCRIPT is not None
    return subprocess.run(
        [SCRIPT, "health", *args],
        capture_output=True,
        text=True,
        env=tower_env(**env),
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def plaintext_tower() -> Iterator[str]:
    with served() as address:
        yield address


@pytest.fixture(scope="module")
def tls_tower(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A TLS tower as the image runs one (its key pair in files); its address and
    certificate, which the image's check trusts as it is."""
    folder = tmp_path_factory.mktemp("secrets")
    issued = TestAuthority().issue("tower")
    cert, key = folder / "tls_cert.pem", folder / "tls_key.pem"
    cert.write_bytes(issued.cert_pem)
    key.write_bytes(issued.key_pem)
    with served(DRONE_AI_TLS_CERT_PATH=str(cert), DRONE_AI_TLS_KEY_PATH=str(key)) as address:
        yield address, cert


def free_port() -> int:
    """A port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_serving_tower_exits_0_with_a_line_saying_serving(plaintext_tower: str) -> None:
    done = health("--address", plaintext_tower)
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout == f"drone-ai: health: {plaintext_tower} (the server): SERVING\n"


def test_the_tower_service_itself_is_serving_and_an_unknown_one_is_not(
    plaintext_tower: str,
) -> None:
    tower = health("--address", plaintext_tower, "--service", TOWER)
    unknown = health("--address", plaintext_tower, "--service", "no.such.Service")
    assert tower.returncode == EXIT_OK, tower.stderr
    assert f"service '{TOWER}'): SERVING" in tower.stdout
    assert unknown.returncode == EXIT_REFUSED
    assert "service unknown to the tower: NOT_FOUND" in unknown.stderr


def test_a_port_with_nothing_listening_exits_1_at_once_not_at_the_deadline() -> None:
    address = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    done = health("--address", address, "--timeout-s", "120")
    # A refused connection is an answer: the check does not sit out its 120 s deadline.
    assert time.monotonic() - started < 60
    assert done.returncode == EXIT_REFUSED
    assert done.stdout == ""
    assert f"drone-ai: health: {address} (the server): no connection: UNAVAILABLE" in done.stderr
    assert "Connection refused" in done.stderr


def test_a_peer_that_accepts_and_never_answers_is_cut_off_at_the_deadline() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        held: list[socket.socket] = []
        threading.Thread(target=lambda: held.append(silent.accept()[0]), daemon=True).start()
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        done = health("--address", address, "--timeout-s", "1")
        for connection in held:
            connection.close()
    assert done.returncode == EXIT_REFUSED
    assert "no answer within 1 s: DEADLINE_EXCEEDED" in done.stderr


def test_a_tower_that_cannot_run_flights_is_not_serving_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    lanes = BrokenLanes()
    flights = FlightDirectory(NewsBell())

    control = control_without_inputs(flights, lanes)
    server = build_server(control, health_check_s=0.02)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        assert main(["health", "--address", f"127.0.0.1:{port}"]) == EXIT_OK
        serving = capsys.readouterr()
        lanes.why = "detection pool out of service: worker 0 could not start"
        deadline = time.monotonic() + 10
        while (code := main(["health", "--address", f"127.0.0.1:{port}"])) == EXIT_OK:
            assert time.monotonic() < deadline, "health never followed the broken pool"
            time.sleep(0.05)
        not_serving = capsys.readouterr()
    finally:
        server.stop(grace=None)
    assert serving.out.endswith("(the server): SERVING\n")
    assert code == EXIT_REFUSED
    assert not_serving.err.endswith(f"127.0.0.1:{port} (the server): NOT_SERVING\n")


class BrokenLanes(FakeNoLanes):
    """A detection pool whose workers stop being able to start."""

    def __init__(self) -> None:
        self.why: str | None = None

    def out_of_service(self) -> str | None:
        return self.why


def test_a_tls_tower_is_checked_trusting_its_own_certificate_from_the_environment(
    tls_tower: tuple[str, Path],
) -> None:
    address, cert = tls_tower
    # What the image sets: DRONE_AI_HEALTH_TLS_CA names the certificate the tower serves.
    done = health("--address", address, DRONE_AI_HEALTH_TLS_CA=str(cert))
    flagged = health("--address", address, "--tls-ca", str(cert))
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout == f"drone-ai: health: {address} (the server, TLS): SERVING\n"
    assert flagged.returncode == EXIT_OK, flagged.stderr


def test_a_tls_tower_asked_in_plaintext_or_through_another_ca_is_not_healthy(
    tls_tower: tuple[str, Path], tmp_path: Path
) -> None:
    address, _ = tls_tower
    stranger = tmp_path / "other_ca.pem"
    stranger.write_bytes(TestAuthority("another CA").cert_pem)
    plaintext = health("--address", address)
    untrusted = health("--address", address, "--tls-ca", str(stranger))
    missing = health("--address", address, "--tls-ca", str(tmp_path / "absent.pem"))
    assert plaintext.returncode == EXIT_REFUSED
    assert "(the server): no connection: UNAVAILABLE" in plaintext.stderr
    assert untrusted.returncode == EXIT_REFUSED
    assert "(the server, TLS): no connection: UNAVAILABLE" in untrusted.stderr
    assert "certificate" in untrusted.stderr  # the handshake's reason, as gRPC gives it
    assert missing.returncode == EXIT_REFUSED
    assert f"{address}: TLS CA unreadable: " in missing.stderr
    assert "absent.pem" in missing.stderr


def test_the_server_name_is_checked_against_the_certificate_not_the_address(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    authority = TestAuthority()
    issued = authority.issue("tower.example", server=False)  # names no address: CN only
    ca = tmp_path / "ca.pem"
    ca.write_bytes(authority.cert_pem)
    flights = FlightDirectory(NewsBell())
    control = control_without_inputs(flights)
    server = build_server(control, health_check_s=0.02)
    credentials = grpc.ssl_server_credentials([(issued.key_pem, issued.cert_pem)])
    address = f"127.0.0.1:{server.add_secure_port('127.0.0.1:0', credentials)}"
    server.start()
    try:
        by_address = main(["health", "--address", address, "--tls-ca", str(ca)])
        flag = ["--server-name", "tower.example"]
        by_flag = main(["health", "--address", address, "--tls-ca", str(ca), *flag])
        monkeypatch.setenv("DRONE_AI_HEALTH_TLS_CA", str(ca))
        monkeypatch.setenv("DRONE_AI_HEALTH_SERVER_NAME", "tower.example")
        by_environment = main(["health", "--address", address])
        wrong = main(["health", "--address", address, "--server-name", "other.example"])
    finally:
        server.stop(grace=None)
    lines = capsys.readouterr()
    assert (by_address, by_flag, by_environment, wrong) == (1, 0, 0, 1)
    # Both refusals are the TLS name check's; gRPC words it differently from version to version
    # ("Peer name X is not in peer certificate", "Hostname Verification Check failed").
    refusals = lines.err.splitlines()
    assert len(refusals) == 2, refusals
    assert all("(the server, TLS): no connection" in line for line in refusals)
    assert all(
        "not in peer certificate" in line or "Hostname Verification" in line for line in refusals
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--address", "127.0.0.1"], "host:port with a port from 1 to 65535 expected"),
        (["--timeout-s", "0"], "seconds above 0 and up to 300 expected"),
    ],
    ids=["no-port", "zero-deadline"],
)
def test_wrong_usage_exits_2_before_dialling(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["health", *args])
    assert exited.value.code == EXIT_UNREADABLE
    assert message in capsys.readouterr().err

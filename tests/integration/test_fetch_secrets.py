"""`drone-ai fetch-secrets` against moto's SSM on 127.0.0.1 (real HTTP, SecureString
parameters), and the tower started on what it fetched, as drone-ai.service would start it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import grpc
import pytest

from drone_ai.adapters.secrets.ssm_parameters import SsmParameterSecrets
from drone_ai.config import Settings
from drone_ai.entrypoints.cli import EXIT_OK, EXIT_UNREADABLE, main
from drone_ai.entrypoints.grpc.generated import tower_pb2 as pb
from drone_ai.entrypoints.grpc.generated import tower_pb2_grpc as pb_grpc
from drone_ai.entrypoints.host_setup import CONFIG_PATH, HostPlan, install
from drone_ai.errors import SecretsError
from tests.moto_server import MotoServer, free_port, moto_server
from tests.tls_certificates import Issued, TestAuthority

PREFIX = "/drone-ai/test"
TOKEN = "acme-secret-token"
PARTNERS = {
    "partners": [
        {
            "name": "acme",
            "token_sha256": hashlib.sha256(TOKEN.encode()).hexdigest(),
            "flights": ["*"],
        }
    ]
}


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with moto_server() as server:
        yield server


@pytest.fixture
def ssm(moto: MotoServer) -> Iterator[Any]:
    client = boto3.session.Session().client(
        "ssm", endpoint_url=moto.endpoint_url, region_name="us-east-1"
    )
    yield client
    names = [p["Name"] for p in client.describe_parameters().get("Parameters", [])]
    if names:
        client.delete_parameters(Names=names)


@pytest.fixture(scope="module")
def authority() -> TestAuthority:
    return TestAuthority()


@pytest.fixture(scope="module")
def server_cert(authority: TestAuthority) -> Issued:
    return authority.issue("localhost")


def put(ssm: Any, name: str, value: bytes | str, kind: str = "SecureString") -> None:
    text = value.decode() if isinstance(value, bytes) else value
    ssm.put_parameter(Name=f"{PREFIX}/{name}", Value=text, Type=kind, Overwrite=True)


def fetch(
    capsys: pytest.CaptureFixture[str], moto: MotoServer, out: Path, *extra: str
) -> tuple[int, str, str]:
    code = main(
        [
            "fetch-secrets",
            "--prefix",
            PREFIX,
            "--out",
            str(out),
            "--region",
            "us-east-1",
            "--endpoint-url",
            moto.endpoint_url,
            *extra,
        ]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_tls_material_and_partners_land_in_0600_files_in_a_0700_folder(
    capsys: pytest.CaptureFixture[str],
    moto: MotoServer,
    ssm: Any,
    tmp_path: Path,
    authority: TestAuthority,
    server_cert: Issued,
) -> None:
    put(ssm, "tls/cert", server_cert.cert_pem)
    put(ssm, "tls/key", server_cert.key_pem)
    put(ssm, "tls/client_ca", authority.cert_pem)
    put(ssm, "partners", json.dumps(PARTNERS))
    out = tmp_path / "secrets"
    code, said, err = fetch(capsys, moto, out)
    assert code == EXIT_OK, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    files = {path.name: path for path in out.iterdir()}
    assert sorted(files) == ["partners.json", "tls_cert.pem", "tls_client_ca.pem", "tls_key.pem"]
    assert {stat.S_IMODE(path.stat().st_mode) for path in files.values()} == {0o600}
    assert files["tls_cert.pem"].read_bytes() == server_cert.cert_pem
    assert files["tls_key.pem"].read_bytes() == server_cert.key_pem  # decrypted
    assert files["tls_client_ca.pem"].read_bytes() == authority.cert_pem
    assert json.loads(files["partners.json"].read_text()) == PARTNERS
    assert "(absent: none)" in said
    assert "PRIVATE KEY" not in said + err


def test_a_secret_taken_out_of_the_store_is_removed_at_the_next_fetch(
    capsys: pytest.CaptureFixture[str],
    moto: MotoServer,
    ssm: Any,
    tmp_path: Path,
    server_cert: Issued,
) -> None:
    put(ssm, "tls/cert", server_cert.cert_pem)
    put(ssm, "tls/key", server_cert.key_pem)
    put(ssm, "partners", json.dumps(PARTNERS))
    out = tmp_path / "secrets"
    assert fetch(capsys, moto, out)[0] == EXIT_OK
    ssm.delete_parameter(Name=f"{PREFIX}/partners")
    code, said, _ = fetch(capsys, moto, out)
    assert code == EXIT_OK
    assert sorted(path.name for path in out.iterdir()) == ["tls_cert.pem", "tls_key.pem"]
    assert "(absent: tls_client_ca.pem, partners.json)" in said


def test_a_certificate_without_its_key_is_refused_and_nothing_written(
    capsys: pytest.CaptureFixture[str],
    moto: MotoServer,
    ssm: Any,
    tmp_path: Path,
    server_cert: Issued,
) -> None:
    put(ssm, "tls/cert", server_cert.cert_pem)
    code, _, err = fetch(capsys, moto, tmp_path / "secrets")
    assert code == EXIT_UNREADABLE
    assert "a certificate and its key expected together, got the certificate without" in err
    assert not (tmp_path / "secrets").exists()


def test_missing_tls_is_refused_unless_allowed(
    capsys: pytest.CaptureFixture[str], moto: MotoServer, ssm: Any, tmp_path: Path
) -> None:
    put(ssm, "partners", json.dumps(PARTNERS), kind="String")
    code, _, err = fetch(capsys, moto, tmp_path / "secrets")
    assert code == EXIT_UNREADABLE
    assert "a certificate and key expected in the store (tls/cert, tls/key), got neither" in err
    code, said, _ = fetch(capsys, moto, tmp_path / "secrets", "--allow-missing-tls")
    assert code == EXIT_OK
    assert [path.name for path in (tmp_path / "secrets").iterdir()] == ["partners.json"]
    assert "(absent: tls_cert.pem, tls_key.pem, tls_client_ca.pem)" in said


@pytest.mark.parametrize(
    ("name", "value", "kind", "message"),
    [
        ("tls/key", "not a key", "String", "a SecureString expected (a private key is kept"),
        ("tls/key", "not a key", "SecureString", "TLS key: PEM with 'PRIVATE KEY-----' expected"),
        ("partners", "{not json", "SecureString", "partners: JSON expected, got 9 bytes"),
    ],
    ids=["key-in-clear", "key-not-pem", "partners-not-json"],
)
def test_a_malformed_secret_is_refused_without_repeating_its_value(
    capsys: pytest.CaptureFixture[str],
    moto: MotoServer,
    ssm: Any,
    tmp_path: Path,
    server_cert: Issued,
    name: str,
    value: str,
    kind: str,
    message: str,
) -> None:
    put(ssm, "tls/cert", server_cert.cert_pem)
    put(ssm, "tls/key", server_cert.key_pem)
    put(ssm, name, value, kind)
    code, _, err = fetch(capsys, moto, tmp_path / "secrets")
    assert code == EXIT_UNREADABLE
    assert message in err
    assert value not in err


def test_an_endpoint_nobody_answers_fails_in_bounded_time(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    code = main(
        [
            "fetch-secrets",
            "--prefix",
            PREFIX,
            "--out",
            str(tmp_path / "s"),
            "--region",
            "us-east-1",
            "--endpoint-url",
            dead,
        ]
    )
    took_s = time.monotonic() - started
    assert code == EXIT_UNREADABLE
    assert f"an answer from {dead} expected, got none in time" in capsys.readouterr().err
    assert took_s < 30.0


def test_a_hung_endpoint_fails_after_the_read_timeouts_instead_of_hanging(
    moto: MotoServer, ssm: Any
) -> None:
    store = SsmParameterSecrets(
        PREFIX,
        region="us-east-1",
        endpoint_url=moto.endpoint_url,
        read_timeout_s=0.5,
        max_attempts=2,
    )
    moto.pause()
    try:
        started = time.monotonic()
        with pytest.raises(SecretsError, match="expected, got none in time"):
            store.fetch()
        took_s = time.monotonic() - started
    finally:
        moto.resume()
    # Two attempts of 0.5 s each and boto3's backoff between them (at most 1 s).
    assert 1.0 <= took_s < 10.0


@pytest.mark.parametrize("prefix", ["drone-ai/tower", "/drone ai", "/a//b", ""])
def test_a_prefix_that_is_no_parameter_path_is_refused(prefix: str) -> None:
    with pytest.raises(SecretsError, match="an SSM parameter path expected"):
        SsmParameterSecrets(prefix, region="us-east-1")


def test_the_tower_serves_tls_to_a_partner_on_the_secrets_it_fetched(
    capsys: pytest.CaptureFixture[str],
    moto: MotoServer,
    ssm: Any,
    tmp_path: Path,
    authority: TestAuthority,
    server_cert: Issued,
) -> None:
    """host-setup's tower.toml (its secrets folder moved into tmp_path), fetch-secrets, then
    `drone-ai serve` as the unit starts it: TLS with the fetched certificate, the partner's
    token from the fetched partners file."""
    put(ssm, "tls/cert", server_cert.cert_pem)
    put(ssm, "tls/key", server_cert.key_pem)
    put(ssm, "partners", json.dumps(PARTNERS))
    secrets = tmp_path / "run" / "secrets"
    secrets.parent.mkdir()
    root = tmp_path / "root"
    plan = HostPlan("acme-recordings", "recordings", "us-east-1", PREFIX, 50443, 9100, "0.3.1")
    install(root, dataclasses.replace(plan, secrets_dir=secrets))
    assert fetch(capsys, moto, secrets)[0] == EXIT_OK
    config = root / CONFIG_PATH.relative_to("/")
    settings = Settings.load({}, config)
    assert settings.tls_cert_path is not None and settings.tls_key_path is not None
    assert settings.tls_cert_path.read_bytes() == server_cert.cert_pem
    assert settings.tls_key_path.read_bytes() == server_cert.key_pem
    assert settings.partners_path is not None and settings.partners_path.is_file()

    moto.make_bucket("acme-recordings")
    # Only what a test machine must change: ports it may bind, folders it may write, moto.
    env = {
        **os.environ,
        "DRONE_AI_METRICS_LISTEN": "127.0.0.1:0",
        "DRONE_AI_RECORDING_DIR": str(tmp_path / "recordings"),
        "DRONE_AI_S3_ENDPOINT_URL": moto.endpoint_url,
        "DRONE_AI_DETECT_WORKERS": "1",
    }
    script = shutil.which("drone-ai", path=str(Path(sys.executable).parent))
    assert script is not None
    server = subprocess.Popen(
        [script, "serve", "--config", str(config), "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline(), server.stdout.readline()]
        assert lines[0].startswith("drone-ai: metrics on https://127.0.0.1:"), lines
        assert lines[1].startswith("drone-ai: serving on 127.0.0.1:"), lines
        port = int(lines[1].rsplit(":", 1)[1])
        credentials = grpc.ssl_channel_credentials(root_certificates=authority.cert_pem)
        with grpc.secure_channel(f"localhost:{port}", credentials) as channel:
            stub = pb_grpc.TowerStub(channel)
            listed = stub.ListFlights(
                pb.ListFlightsRequest(),
                metadata=[("authorization", f"Bearer {TOKEN}")],
                timeout=10,
            )
            with pytest.raises(grpc.RpcError) as stranger:
                stub.ListFlights(
                    pb.ListFlightsRequest(),
                    metadata=[("authorization", "Bearer not-a-partner")],
                    timeout=10,
                )
        assert list(listed.flights) == []
        assert stranger.value.code() is grpc.StatusCode.UNAUTHENTICATED
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert server.returncode == 0

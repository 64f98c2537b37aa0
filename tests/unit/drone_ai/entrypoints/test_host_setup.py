"""`drone-ai host-setup` against a temporary root: the files an EC2 host gets, as serve and
systemd read them (issue 9, must show 3)."""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from drone_ai.config import LogFormat, Settings
from drone_ai.entrypoints import cloudwatch_agent, host_setup, log_lines
from drone_ai.entrypoints.cli import EXIT_OK, EXIT_UNREADABLE, main
from drone_ai.entrypoints.host_setup import (
    AGENT_CONFIG_PATH,
    CONFIG_PATH,
    ENVIRONMENT_PATH,
    SYSUSERS_PATH,
    UNIT_PATH,
    HostPlan,
    install,
)
from drone_ai.errors import HostSetupError

ARGS = (
    "--bucket", "acme-recordings", "--recordings-prefix", "tower/recordings",
    "--region", "eu-west-1", "--secrets-prefix", "/drone-ai/prod", "--grpc-port", "50443",
    "--metrics-port", "9100", "--release", "0.3.1",
)  # fmt: skip


def plan(**changes: object) -> HostPlan:
    values: dict[str, object] = {
        "bucket": "acme-recordings",
        "recordings_prefix": "tower/recordings",
        "region": "eu-west-1",
        "secrets_prefix": "/drone-ai/prod",
        "grpc_port": 50443,
        "metrics_port": 9100,
        "release": "0.3.1",
    }
    return HostPlan(**{**values, **changes})  # type: ignore[arg-type]


def under(root: Path, host_path: Path) -> Path:
    return root / host_path.relative_to("/")


Setup = Callable[..., tuple[int, str, str]]


@pytest.fixture
def setup(capsys: pytest.CaptureFixture[str]) -> Setup:
    """`drone-ai host-setup --root ROOT` with ARGS and more: (exit code, stdout, stderr)."""

    def run(root: Path, *extra: str) -> tuple[int, str, str]:
        code = main(["host-setup", "--root", str(root), *ARGS, *extra])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def unit_settings(text: str) -> dict[str, list[str]]:
    """The unit's settings by key (comments and section headers left out)."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_the_config_written_is_one_serve_accepts_with_tls_partners_and_s3(
    setup: Setup,
    tmp_path: Path,
) -> None:
    code, out, _ = setup(tmp_path)
    assert code == EXIT_OK
    settings = Settings.load({}, under(tmp_path, CONFIG_PATH))
    assert settings.listen == "0.0.0.0:50443"
    assert settings.metrics_listen == "0.0.0.0:9100"
    assert settings.tls_cert_path == Path("/run/drone-ai/secrets/tls_cert.pem")
    assert settings.tls_key_path == Path("/run/drone-ai/secrets/tls_key.pem")
    assert settings.tls_client_ca_path is None
    assert settings.partners_path == Path("/run/drone-ai/secrets/partners.json")
    assert settings.recording_dir == Path("/var/lib/drone-ai/recordings")
    assert (settings.s3_bucket, settings.s3_prefix, settings.s3_region) == (
        "acme-recordings",
        "tower/recordings",
        "eu-west-1",
    )
    assert settings.recording_keep_local is False
    assert settings.log_format is LogFormat.JSON
    assert out.count("host-setup: wrote ") == 4


def test_mutual_tls_names_the_client_ca_fetch_secrets_writes(setup: Setup, tmp_path: Path) -> None:
    assert setup(tmp_path, "--mutual-tls")[0] == EXIT_OK
    settings = Settings.load({}, under(tmp_path, CONFIG_PATH))
    assert settings.tls_client_ca_path == Path("/run/drone-ai/secrets/tls_client_ca.pem")


def test_the_environment_file_gives_region_config_and_secrets_prefix_and_nothing_else(
    setup: Setup,
    tmp_path: Path,
) -> None:
    setup(tmp_path)
    lines = under(tmp_path, ENVIRONMENT_PATH).read_text().splitlines()
    variables = dict(line.split("=", 1) for line in lines if not line.startswith("#"))
    assert variables == {
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "DRONE_AI_CONFIG": "/etc/drone-ai/tower.toml",
        "DRONE_AI_SECRETS_PREFIX": "/drone-ai/prod",
    }
    # Read by Settings too (DRONE_AI_CONFIG): the environment alone loads the same settings.
    assert Settings.load({"DRONE_AI_CONFIG": str(under(tmp_path, CONFIG_PATH))}).listen == (
        "0.0.0.0:50443"
    )


def test_the_unit_fetches_secrets_then_serves_as_its_own_user_and_restarts_on_failure(
    setup: Setup,
    tmp_path: Path,
) -> None:
    setup(tmp_path)
    unit = unit_settings(under(tmp_path, UNIT_PATH).read_text())
    assert unit["User"] == ["drone-ai"]
    assert unit["EnvironmentFile"] == ["/etc/drone-ai/environment"]
    assert unit["ExecStartPre"] == [
        "/opt/drone-ai/venv/bin/drone-ai fetch-secrets --prefix /drone-ai/prod "
        "--out /run/drone-ai/secrets"
    ]
    assert unit["ExecStart"] == [
        "/opt/drone-ai/venv/bin/drone-ai serve --config /etc/drone-ai/tower.toml"
    ]
    assert unit["Restart"] == ["on-failure"]
    assert unit["RuntimeDirectory"] == ["drone-ai"]
    assert unit["StateDirectory"] == ["drone-ai drone-ai/recordings"]
    assert unit["WantedBy"] == ["multi-user.target"]
    sysusers = under(tmp_path, SYSUSERS_PATH).read_text().splitlines()
    assert [line for line in sysusers if not line.startswith("#")] == [
        'u drone-ai - "drone-ai control tower" /var/lib/drone-ai -'
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectKernelLogs", "yes"),
        ("ProtectControlGroups", "yes"),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("CapabilityBoundingSet", ""),
        ("AmbientCapabilities", ""),
        ("SystemCallFilter", "@system-service"),
        ("LockPersonality", "yes"),
        ("RestrictSUIDSGID", "yes"),
        ("UMask", "0077"),
    ],
    ids=lambda v: v or "empty",
)
def test_the_unit_is_hardened(setup: Setup, tmp_path: Path, key: str, value: str) -> None:
    setup(tmp_path)
    assert unit_settings(under(tmp_path, UNIT_PATH).read_text())[key] == [value]


def test_memory_deny_write_execute_is_left_off_and_the_unit_says_why(
    setup: Setup, tmp_path: Path
) -> None:
    setup(tmp_path)
    text = under(tmp_path, UNIT_PATH).read_text()
    assert "MemoryDenyWriteExecute" not in unit_settings(text)
    assert "# MemoryDenyWriteExecute= is left off on purpose" in text


def test_gpu_keeps_the_device_nodes_visible_and_nothing_else_changes(
    setup: Setup, tmp_path: Path
) -> None:
    setup(tmp_path / "cpu")
    setup(tmp_path / "gpu", "--gpu")
    cpu = unit_settings(under(tmp_path / "cpu", UNIT_PATH).read_text())
    gpu = unit_settings(under(tmp_path / "gpu", UNIT_PATH).read_text())
    assert "PrivateDevices" not in gpu
    assert {key: value for key, value in cpu.items() if key != "PrivateDevices"} == gpu


def test_a_port_below_1024_keeps_only_the_capability_to_bind_it(tmp_path: Path) -> None:
    install(tmp_path, plan(grpc_port=443))
    unit = unit_settings(under(tmp_path, UNIT_PATH).read_text())
    assert unit["CapabilityBoundingSet"] == ["CAP_NET_BIND_SERVICE"]
    assert unit["AmbientCapabilities"] == ["CAP_NET_BIND_SERVICE"]


def test_running_twice_leaves_the_same_bytes_and_says_nothing_changed(
    setup: Setup, tmp_path: Path
) -> None:
    setup(tmp_path)
    first = {path: path.read_bytes() for path in sorted(tmp_path.rglob("*")) if path.is_file()}
    code, out, _ = setup(tmp_path)
    second = {path: path.read_bytes() for path in sorted(tmp_path.rglob("*")) if path.is_file()}
    assert code == EXIT_OK
    assert second == first
    assert out.count("host-setup: unchanged ") == 4


def test_a_new_release_rewrites_the_files_that_name_it_and_leaves_the_user_s(
    tmp_path: Path,
) -> None:
    install(tmp_path, plan())
    changed = {path.name: was for path, was in install(tmp_path, plan(release="0.3.2"))}
    assert changed == {
        "tower.toml": True,
        "environment": True,
        "drone-ai.service": True,
        "drone-ai.conf": False,
    }
    assert "(release 0.3.2)" in under(tmp_path, UNIT_PATH).read_text()


def test_every_file_is_0644_and_no_temporary_file_is_left(setup: Setup, tmp_path: Path) -> None:
    setup(tmp_path)
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert sorted(path.name for path in files) == [
        "drone-ai.conf",
        "drone-ai.service",
        "environment",
        "tower.toml",
    ]
    assert {stat.S_IMODE(path.stat().st_mode) for path in files} == {0o644}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bucket": "Acme_Recordings"}, "--bucket: an S3 bucket name"),
        ({"bucket": "ab"}, "--bucket: an S3 bucket name"),
        ({"region": "Europe"}, "--region: an AWS region such as eu-west-1"),
        ({"recordings_prefix": "a b"}, "--recordings-prefix: an S3 key prefix"),
        ({"secrets_prefix": "drone-ai"}, "--secrets-prefix: secrets prefix: an SSM parameter"),
        ({"secrets_prefix": "/drone-ai/$HOME"}, "--secrets-prefix"),
        ({"release": "1.0 %n"}, "--release: a release label"),
        ({"grpc_port": 0}, "--grpc-port: a TCP port 1 to 65535 expected, got 0"),
        ({"metrics_port": 70_000}, "--metrics-port: a TCP port 1 to 65535 expected, got 70000"),
        ({"metrics_port": 50443}, "two different ports expected, got 50443 for both"),
    ],
    ids=[
        "bucket-case",
        "bucket-short",
        "region",
        "prefix-space",
        "secrets-relative",
        "secrets-dollar",
        "release-specifier",
        "port-zero",
        "port-high",
        "ports-same",
    ],
)
def test_values_that_would_break_a_file_are_refused_naming_the_flag(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(HostSetupError, match=message.replace("$", r"\$")):
        plan(**changes)


def test_the_command_line_reports_a_refused_value_and_writes_nothing(
    setup: Setup, tmp_path: Path
) -> None:
    code, _, err = setup(tmp_path, "--region", "mars")
    assert code == EXIT_UNREADABLE
    assert "drone-ai: host-setup: --region: an AWS region such as eu-west-1 expected" in err
    assert list(tmp_path.iterdir()) == []


def test_start_is_refused_anywhere_but_the_host_s_root(setup: Setup, tmp_path: Path) -> None:
    code, _, err = setup(tmp_path, "--start")
    assert code == EXIT_UNREADABLE
    assert f"--start expected with --root / only, got {tmp_path}" in err
    assert list(tmp_path.iterdir()) == []


def test_start_creates_the_user_then_reloads_enables_and_restarts_the_service() -> None:
    ran: list[tuple[str, ...]] = []
    host_setup.start(lambda command: ran.append(tuple(command)))
    assert ran == [
        ("systemd-sysusers", "/etc/sysusers.d/drone-ai.conf"),
        ("systemctl", "daemon-reload"),
        ("systemctl", "enable", "drone-ai.service"),
        ("systemctl", "restart", "drone-ai.service"),
    ]


def test_start_stops_at_the_first_command_that_fails() -> None:
    ran: list[tuple[str, ...]] = []

    def run(command: object) -> None:
        ran.append(tuple(command))  # type: ignore[arg-type]
        if ran[-1] == ("systemctl", "daemon-reload"):
            raise HostSetupError("systemctl daemon-reload: exit status 0 expected, got 1")

    with pytest.raises(HostSetupError, match="daemon-reload"):
        host_setup.start(run)
    assert len(ran) == 2


def test_a_command_that_fails_or_is_missing_is_reported_with_what_it_said() -> None:
    with pytest.raises(HostSetupError, match="exit status 0 expected, got 3: no such unit"):
        host_setup.run_command(["sh", "-c", "echo no such unit >&2; exit 3"])
    with pytest.raises(HostSetupError, match="could not run"):
        host_setup.run_command(["/nonexistent/systemctl", "daemon-reload"])


def test_a_root_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    (tmp_path / "etc").write_text("a file where a folder belongs")
    with pytest.raises(HostSetupError, match="a writable path expected"):
        install(tmp_path, plan())


@pytest.mark.parametrize(
    ("gpu", "log_group"),
    [(False, None), (True, None), (False, "/drone-ai/tower")],
    ids=["cpu", "gpu", "log-file"],
)
def test_systemd_analyze_verify_finds_nothing_wrong_with_the_unit(
    tmp_path: Path, gpu: bool, log_group: str | None
) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here: the unit's syntax is not verified")
    install(tmp_path, plan(gpu=gpu, grpc_port=443, log_group=log_group))
    # verify checks that the commands exist: the venv's drone-ai stands in for the host's.
    here = Path(sys.executable).parent / "drone-ai"
    text = under(tmp_path, UNIT_PATH).read_text().replace(str(host_setup.BINARY), str(here))
    unit = tmp_path / "drone-ai.service"
    unit.write_text(text)
    verified = subprocess.run(
        [analyze, "verify", str(unit)], check=False, capture_output=True, text=True, timeout=60
    )
    # verify exits 0 on unknown keys and bad values too: what it says is the verdict.
    assert (verified.returncode, verified.stdout + verified.stderr) == (0, "")


# --log-group: the CloudWatch agent ships the tower's log file and the host's memory and disk.

LOG_GROUP = "/drone-ai/tower-prod"


def test_a_log_group_makes_serve_write_a_log_file_the_settings_accept(
    setup: Setup, tmp_path: Path
) -> None:
    code, out, _ = setup(tmp_path, "--log-group", LOG_GROUP)
    assert code == EXIT_OK
    settings = Settings.load({}, under(tmp_path, CONFIG_PATH))
    assert settings.log_file == Path("/var/log/drone-ai/tower.jsonl")
    assert settings.log_format is LogFormat.JSON
    assert out.count("host-setup: wrote ") == 5


def test_the_agent_ships_that_file_to_the_group_one_stream_per_instance(
    setup: Setup, tmp_path: Path
) -> None:
    setup(tmp_path, "--log-group", LOG_GROUP)
    config = json.loads(under(tmp_path, AGENT_CONFIG_PATH).read_text())
    [shipped] = config["logs"]["logs_collected"]["files"]["collect_list"]
    log_file = Settings.load({}, under(tmp_path, CONFIG_PATH)).log_file
    assert Path(shipped["file_path"]) == log_file
    assert shipped["log_group_name"] == LOG_GROUP
    assert shipped["log_stream_name"] == "{instance_id}"
    # The template sets the retention: the agent must not (it would need PutRetentionPolicy).
    assert "retention_in_days" not in shipped
    assert (shipped["timestamp_format"], shipped["timezone"]) == ("%Y-%m-%dT%H:%M:%S.%f", "UTC")


# How the agent reads a timestamp_format (its translator's regular expressions).
_AGENT_CODES = {"%Y": r"\d{4}", "%f": r"\d{1,9}"} | dict.fromkeys(
    ("%m", "%d", "%H", "%M", "%S"), r"\d{2}"
)


def test_the_agent_s_timestamp_format_matches_the_tower_s_json_lines() -> None:
    """The agent takes the first match of its format in a line: the "time" field, which
    JsonLines writes first, not a time in the message."""
    stream = io.StringIO()
    handler = log_lines.configure(LogFormat.JSON, stream)
    try:
        logging.getLogger("drone_ai.x").info("at 1999-12-31T23:59:59.000 the clock said")
    finally:
        logging.getLogger("drone_ai").removeHandler(handler)
    line = stream.getvalue().splitlines()[0]
    config = json.loads(cloudwatch_agent.agent_config(log_group=LOG_GROUP, namespace="N"))
    [shipped] = config["logs"]["logs_collected"]["files"]["collect_list"]
    pattern = re.escape(shipped["timestamp_format"])
    for code, digits in _AGENT_CODES.items():
        pattern = pattern.replace(re.escape(code), digits)
    found = re.search(pattern, line)
    assert found is not None
    assert found.group(0) + "+00:00" == json.loads(line)["time"]


@pytest.mark.parametrize(
    ("extra", "namespace"),
    [((), "DroneAI/Tower"), (("--metrics-namespace", "Acme/Towers"), "Acme/Towers")],
    ids=["the-stack-s", "given"],
)
def test_the_agent_puts_memory_and_disk_use_in_the_namespace_by_instance(
    setup: Setup, tmp_path: Path, extra: tuple[str, ...], namespace: str
) -> None:
    setup(tmp_path, "--log-group", LOG_GROUP, *extra)
    metrics = json.loads(under(tmp_path, AGENT_CONFIG_PATH).read_text())["metrics"]
    assert metrics["namespace"] == namespace
    assert metrics["append_dimensions"] == {"InstanceId": "${aws:InstanceId}"}
    collected = metrics["metrics_collected"]
    assert collected["mem"]["measurement"] == ["mem_used_percent"]
    assert collected["disk"]["measurement"] == ["used_percent"]
    # The root filesystem and the one the recordings are spooled on.
    recordings = Settings.load({}, under(tmp_path, CONFIG_PATH)).recording_dir
    assert collected["disk"]["resources"] == ["/", str(recordings.parent)]


def test_the_unit_gets_a_logs_directory_and_keeps_its_hardening(
    setup: Setup, tmp_path: Path
) -> None:
    setup(tmp_path / "without")
    setup(tmp_path / "with", "--log-group", LOG_GROUP)
    without = unit_settings(under(tmp_path / "without", UNIT_PATH).read_text())
    with_logs = unit_settings(under(tmp_path / "with", UNIT_PATH).read_text())
    # systemd makes /var/log/drone-ai the service's, writable under ProtectSystem=strict.
    assert with_logs["LogsDirectory"] == ["drone-ai"]
    assert with_logs["ProtectSystem"] == ["strict"]
    assert {k: v for k, v in with_logs.items() if not k.startswith("LogsDirectory")} == without


def test_without_a_log_group_nothing_of_the_agent_is_written(setup: Setup, tmp_path: Path) -> None:
    setup(tmp_path)
    assert not under(tmp_path, AGENT_CONFIG_PATH).exists()
    assert Settings.load({}, under(tmp_path, CONFIG_PATH)).log_file is None
    assert "LogsDirectory" not in under(tmp_path, UNIT_PATH).read_text()


def test_a_log_group_adds_one_line_to_the_config_and_nothing_else(tmp_path: Path) -> None:
    install(tmp_path / "without", plan())
    install(tmp_path / "with", plan(log_group=LOG_GROUP))
    without = under(tmp_path / "without", CONFIG_PATH).read_text().splitlines()
    with_logs = under(tmp_path / "with", CONFIG_PATH).read_text().splitlines()
    assert with_logs == [*without, 'log_file = "/var/log/drone-ai/tower.jsonl"']
    for same in (ENVIRONMENT_PATH, SYSUSERS_PATH):
        assert under(tmp_path / "with", same).read_bytes() == (
            under(tmp_path / "without", same).read_bytes()
        )


def test_with_a_log_group_running_twice_leaves_the_same_bytes(setup: Setup, tmp_path: Path) -> None:
    setup(tmp_path, "--log-group", LOG_GROUP)
    first = {path: path.read_bytes() for path in sorted(tmp_path.rglob("*")) if path.is_file()}
    code, out, _ = setup(tmp_path, "--log-group", LOG_GROUP)
    second = {path: path.read_bytes() for path in sorted(tmp_path.rglob("*")) if path.is_file()}
    assert code == EXIT_OK and second == first
    assert out.count("host-setup: unchanged ") == 5
    assert {stat.S_IMODE(path.stat().st_mode) for path in second} == {0o644}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"log_group": "drone ai"}, "--log-group: a CloudWatch Logs group name"),
        ({"log_group": ""}, "--log-group: a CloudWatch Logs group name"),
        ({"log_group": "/g", "metrics_namespace": "AWS/EC2"}, "--metrics-namespace: a Cloud"),
        ({"log_group": "/g", "metrics_namespace": "a'b"}, "--metrics-namespace: a Cloud"),
        ({"metrics_namespace": "Acme/Towers"}, "--metrics-namespace: expected with --log-group"),
    ],
    ids=["group-space", "group-empty", "namespace-aws", "namespace-quote", "namespace-alone"],
)
def test_a_bad_log_group_or_namespace_is_refused_naming_the_flag(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(HostSetupError, match=message):
        plan(**changes)


def test_start_with_a_log_group_then_has_the_agent_load_its_configuration() -> None:
    ran: list[tuple[str, ...]] = []
    host_setup.start(lambda command: ran.append(tuple(command)), agent=True)
    assert ran == [
        ("systemd-sysusers", "/etc/sysusers.d/drone-ai.conf"),
        ("systemctl", "daemon-reload"),
        ("systemctl", "enable", "drone-ai.service"),
        ("systemctl", "restart", "drone-ai.service"),
        (
            "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl",
            "-a", "fetch-config", "-m", "ec2", "-s",
            "-c", "file:/etc/drone-ai/cloudwatch-agent.json",
        ),
    ]  # fmt: skip


def test_the_command_line_starts_the_agent_only_with_a_log_group(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--start on the real root, every file write and command replaced: what it asks for."""
    asked: list[bool] = []
    monkeypatch.setattr(host_setup, "install", lambda root, plan: [])
    monkeypatch.setattr(host_setup, "start", lambda run=None, *, agent=False: asked.append(agent))
    assert main(["host-setup", "--root", "/", *ARGS, "--start"]) == EXIT_OK
    assert main(["host-setup", "--root", "/", *ARGS, "--log-group", LOG_GROUP, "--start"]) == 0
    assert asked == [False, True]

"""The container image definition (infra/container/Dockerfile), checked without a Docker engine:
read as Docker reads it, its build stage makes the wheel as `drone-ai deploy` does, it runs as a
non-root user with no secret inside, and what it runs works here: its entrypoint fetches the
secrets from SSM (moto on 127.0.0.1), starts the tower with the image's settings, and its
HEALTHCHECK command finds the tower SERVING over TLS."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from drone_ai.adapters.aws.wheel import WHEEL_BUILD_COMMAND
from drone_ai.config import Settings
from tests.moto_server import AWS_TEST_ENV, MotoServer, free_port, moto_server
from tests.tls_certificates import TestAuthority

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "infra" / "container" / "Dockerfile"
ENTRYPOINT = ROOT / "infra" / "container" / "entrypoint.sh"
DOCKERIGNORE = ROOT / ".dockerignore"
BIN = Path(sys.executable).parent
# The command issue 9's contract names for the wheel, which `drone-ai deploy` runs.
CONTRACT_WHEEL_COMMAND = ["python", "-m", "pip", "wheel", "--no-deps", "-w", "dist", "."]
SECRETS_DIR = "/run/drone-ai/secrets"


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for word, args in self.instructions if word == keyword]


def read_stages(text: str) -> list[Stage]:
    """The Dockerfile's stages: each instruction (continuations joined, comments dropped) as
    (KEYWORD, its arguments)."""
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    stages: list[Stage] = []
    for instruction in logical:
        keyword, _, args = instruction.strip().partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            image, *alias = args.split()
            stages.append(Stage(image, alias[1] if alias[:1] == ["AS"] else None))
        else:
            assert stages, f"{keyword} before any FROM"
            stages[-1].instructions.append((keyword, args.strip()))
    return stages


def env_of(stage: Stage) -> dict[str, str]:
    """ENV key=value pairs (the form this Dockerfile uses), in order."""
    values: dict[str, str] = {}
    for args in stage.all("ENV"):
        for pair in shlex.split(args):
            key, sep, value = pair.partition("=")
            assert sep, f"ENV {pair!r}: key=value expected"
            values[key] = value
    return values


def exec_form(args: str) -> list[str]:
    words = json.loads(args)
    assert isinstance(words, list) and all(isinstance(w, str) for w in words), args
    return words


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return read_stages(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def runtime(stages: list[Stage]) -> Stage:
    return stages[-1]


def test_the_build_stage_builds_the_wheel_with_the_command_deploy_uses(
    stages: list[Stage],
) -> None:
    build = next(stage for stage in stages if stage.name == "build")
    runs = [shlex.split(args) for args in build.all("RUN")]
    # deploy's own command (its output folder, then the source: `dist` and `.` here).
    assert runs == [[*WHEEL_BUILD_COMMAND, "dist", "."]]
    assert runs == [CONTRACT_WHEEL_COMMAND]
    # ...and the runtime stage installs what that command made, and only that.
    copied = [args for args in stages[-1].all("COPY") if args.startswith("--from=")]
    assert copied == ["--from=build /src/dist/ /tmp/dist/"]
    assert build.all("WORKDIR") == ["/src"]


def test_base_images_are_pinned_to_a_python_311_slim_tag(stages: list[Stage]) -> None:
    assert len(stages) == 2
    for stage in stages:
        name, _, tag = stage.image.partition(":")
        assert name == "python" and tag == "3.11-slim-bookworm", stage.image
    # setup.cfg's python_requires and the venv's Python agree with the image's.
    assert "python_requires = >=3.11" in (ROOT / "setup.cfg").read_text()


def test_it_runs_as_a_fixed_non_root_user_set_before_the_entrypoint(runtime: Stage) -> None:
    words = [word for word, _ in runtime.instructions]
    assert runtime.all("USER") == ["drone-ai"]
    assert words.index("USER") < words.index("ENTRYPOINT")
    assert words.index("USER") < words.index("HEALTHCHECK")
    useradd = next(args for args in runtime.all("RUN") if "useradd" in args)
    uid = re.search(r"useradd .*--uid (\d+)", useradd)
    assert uid is not None and int(uid.group(1)) >= 1000, useradd
    assert "--system" in useradd and "/usr/sbin/nologin" in useradd


def test_the_healthcheck_runs_drone_ai_health_on_the_port_the_tower_listens_on(
    runtime: Stage,
) -> None:
    (healthcheck,) = runtime.all("HEALTHCHECK")
    options, _, command = healthcheck.partition(" CMD ")
    words = exec_form(command)
    assert words[:2] == ["drone-ai", "health"]
    address = words[words.index("--address") + 1]
    listen_port = env_of(runtime)["DRONE_AI_LISTEN"].rpartition(":")[2]
    assert address == f"127.0.0.1:{listen_port}"
    # The check's own deadline ends before Docker's, so that its line reaches the health log.
    check_s = float(words[words.index("--timeout-s") + 1])
    docker_s = float(re.search(r"--timeout=(\d+)s", options).group(1))  # type: ignore[union-attr]
    assert check_s < docker_s


def test_the_entrypoint_is_the_script_that_ends_in_drone_ai_serve(runtime: Stage) -> None:
    assert [exec_form(args) for args in runtime.all("ENTRYPOINT")] == [
        ["/opt/drone-ai/entrypoint.sh"]
    ]
    assert [exec_form(args) for args in runtime.all("CMD")] == [["serve"]]
    assert ENTRYPOINT.read_text().rstrip().endswith('exec drone-ai "$@"')
    assert os.access(ENTRYPOINT, os.X_OK)


def test_ports_and_the_recordings_volume_are_the_towers(runtime: Stage) -> None:
    env = env_of(runtime)
    assert runtime.all("EXPOSE") == ["50051 9464"]
    assert env["DRONE_AI_LISTEN"] == "0.0.0.0:50051"
    assert env["DRONE_AI_METRICS_LISTEN"] == "0.0.0.0:9464"
    assert [exec_form(args) for args in runtime.all("VOLUME")] == [[env["DRONE_AI_RECORDING_DIR"]]]


def test_the_images_settings_are_a_valid_tower_configuration_serving_tls_to_partners(
    runtime: Stage,
) -> None:
    settings = Settings.from_env(env_of(runtime))
    assert settings.listen == "0.0.0.0:50051"
    assert settings.allow_plaintext_remote is False
    assert settings.tls_cert_path == Path(SECRETS_DIR, "tls_cert.pem")
    assert settings.tls_key_path == Path(SECRETS_DIR, "tls_key.pem")
    assert settings.partners_path == Path(SECRETS_DIR, "partners.json")
    assert settings.recording_dir == Path("/var/lib/drone-ai/recordings")


def test_no_secret_is_baked_into_the_image(stages: list[Stage]) -> None:
    secretish = re.compile(r"TOKEN|SECRET|PASSWORD|KEY|CREDENTIAL|ACCESS", re.IGNORECASE)
    for stage in stages:
        assert stage.all("ARG") == []  # build arguments end up in the image's history
        for key, value in env_of(stage).items():
            assert "-----BEGIN" not in value, key
            if secretish.search(key) or key == "DRONE_AI_HEALTH_TLS_CA":
                # Only where a secret will be, at start: never the secret itself.
                assert value.startswith(SECRETS_DIR + "/"), (key, value)
        for args in stage.all("COPY"):
            assert not re.search(r"\.pem|\.key|partners|secrets|\.env", args), args
    assert "AWS_" not in DOCKERFILE.read_text()


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps `relative` (or a folder above it) out of the context:
    its patterns as Docker reads them (gitignore-like, ** any depth, no negations here)."""
    parts = relative.split("/")
    for pattern in patterns:
        regex = fnmatch.translate(pattern).replace(".*.*/", "(?:.*/)?")
        for depth in range(1, len(parts) + 1):
            if re.match(regex, "/".join(parts[:depth])):
                return True
    return False


def dockerignore_patterns() -> list[str]:
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    assert not any(p.startswith("!") for p in patterns), "ignored() reads no negations"
    return patterns


def test_everything_copied_from_the_context_exists_and_is_not_ignored(
    stages: list[Stage],
) -> None:
    patterns = dockerignore_patterns()
    sources = [
        source
        for stage in stages
        for args in stage.all("COPY")
        if not args.startswith("--from=")
        for source in args.split()[:-1]
    ]
    assert sources
    for source in sources:
        path = ROOT / source
        assert path.exists(), f"COPY {source}: not in the repository"
        assert not ignored(source.rstrip("/"), patterns), f"COPY {source}: .dockerignore drops it"
    # What the wheel needs from setup.cfg (long_description = file: README.md) is copied.
    build = " ".join(stages[0].all("COPY"))
    for needed in ("pyproject.toml", "setup.cfg", "README.md", "domain/", "drone_ai/"):
        assert needed in build


@pytest.mark.parametrize(
    "path",
    [".venv", ".git", ".venv/bin/python", "drone_ai/__pycache__/cli.cpython-311.pyc",
     "drone_ai.egg-info", ".mypy_cache", "build", "dist/x.whl", "recordings/f1/r1/manifest.json",
     "secrets/tls_key.pem"],
)  # fmt: skip
def test_dockerignore_keeps_environments_history_caches_and_recordings_out(path: str) -> None:
    assert ignored(path, dockerignore_patterns())


def test_the_images_egm96_is_the_one_the_makefile_installs(runtime: Stage) -> None:
    install = next(args for args in runtime.all("RUN") if "egm96" in args)
    pinned = re.search(r"egm96==[\d.]+", install)
    assert pinned is not None
    assert f"'{pinned.group(0)}'" in (ROOT / "Makefile").read_text()
    assert "--no-deps" in install and "--ignore-requires-python" in install


# What the image runs, run here: the entrypoint with the image's settings, the secrets from SSM.

PREFIX = "/drone-ai/container-test"


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with moto_server() as server:
        yield server


def image_environment(runtime: Stage, secrets: Path, extra: dict[str, str]) -> dict[str, str]:
    """The image's ENV, with its secrets folder moved to `secrets`, the tower on a port of
    127.0.0.1 the system picks, and this venv first on PATH (the image's /opt/drone-ai/venv)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRONE_AI_", "AWS_"))}
    for key, value in env_of(runtime).items():
        if key.startswith("DRONE_AI_"):
            env[key] = value.replace(SECRETS_DIR, str(secrets))
    env.update(
        DRONE_AI_LISTEN="127.0.0.1:0",
        DRONE_AI_METRICS_LISTEN="127.0.0.1:0",
        DRONE_AI_DETECT_WORKERS="1",
        DRONE_AI_SECRETS_DIR=str(secrets),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        **extra,
    )
    return env


def test_the_entrypoint_fetches_the_secrets_serves_tls_and_the_healthcheck_finds_it_serving(
    runtime: Stage, moto: MotoServer, tmp_path: Path
) -> None:
    issued = TestAuthority().issue("tower")
    partners = {
        "partners": [
            {"name": "acme", "token_sha256": hashlib.sha256(b"t").hexdigest(), "flights": ["*"]}
        ]
    }
    ssm = boto3.session.Session(**_credentials()).client(
        "ssm", endpoint_url=moto.endpoint_url, region_name="us-east-1"
    )
    for name, value in (
        ("tls/cert", issued.cert_pem.decode()),
        ("tls/key", issued.key_pem.decode()),
        ("partners", json.dumps(partners)),
    ):
        ssm.put_parameter(Name=f"{PREFIX}/{name}", Value=value, Type="SecureString")
    secrets = tmp_path / "secrets"
    env = image_environment(
        runtime,
        secrets,
        {
            **AWS_TEST_ENV,
            "AWS_ENDPOINT_URL_SSM": moto.endpoint_url,
            "DRONE_AI_SECRETS_PREFIX": PREFIX,
            "DRONE_AI_RECORDING_DIR": str(tmp_path / "recordings"),
        },
    )
    (command,) = [exec_form(args) for args in runtime.all("CMD")]
    tower = subprocess.Popen(
        ["sh", str(ENTRYPOINT), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert tower.stdout is not None
        lines = []
        while not (line := tower.stdout.readline()).startswith("drone-ai: serving on "):
            assert line, f"the tower ended before serving: {lines} {tower.communicate()[1]}"
            lines.append(line)
        port = line.rsplit(":", 1)[1].strip()
        (healthcheck,) = runtime.all("HEALTHCHECK")
        check = exec_form(healthcheck.partition(" CMD ")[2])
        check[check.index("--address") + 1] = f"127.0.0.1:{port}"
        done = subprocess.run(
            check, capture_output=True, text=True, env=env, timeout=60, check=False
        )
    finally:
        tower.send_signal(signal.SIGTERM)
        try:
            out, err = tower.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            tower.kill()
            out, err = tower.communicate()
    assert any(line.startswith("fetch-secrets: wrote") for line in lines), lines
    assert sorted(p.name for p in secrets.iterdir()) == [
        "partners.json",
        "tls_cert.pem",
        "tls_key.pem",
    ]
    assert any("metrics on https://127.0.0.1:" in line for line in lines)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"drone-ai: health: 127.0.0.1:{port} (the server, TLS): SERVING\n"
    # `exec`: the tower itself got docker stop's SIGTERM and stopped cleanly.
    assert tower.returncode == 0, err
    assert "drone-ai: stopped" in out


def test_without_secrets_the_images_tower_refuses_to_start_saying_what_is_missing(
    runtime: Stage, tmp_path: Path
) -> None:
    env = image_environment(runtime, tmp_path / "secrets", {})
    done = subprocess.run(
        ["sh", str(ENTRYPOINT), "serve"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    missing = r"DRONE_AI_(PARTNERS|TLS_CERT|TLS_KEY)_PATH: a readable (JSON|PEM) file expected"
    assert re.search(missing, done.stderr), done.stderr
    assert str(tmp_path / "secrets") in done.stderr


def test_the_entrypoint_stops_when_the_secrets_cannot_be_fetched(
    runtime: Stage, moto: MotoServer, tmp_path: Path
) -> None:
    env = image_environment(
        runtime,
        tmp_path / "secrets",
        {
            **AWS_TEST_ENV,
            "AWS_ENDPOINT_URL_SSM": moto.endpoint_url,
            "DRONE_AI_SECRETS_PREFIX": "/drone-ai/nothing-here",
        },
    )
    done = subprocess.run(
        ["sh", str(ENTRYPOINT), "serve"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "drone-ai: fetch-secrets:" in done.stderr
    assert "serving on" not in done.stdout


def test_the_entrypoint_runs_other_commands_without_fetching_secrets(
    runtime: Stage, tmp_path: Path
) -> None:
    # A prefix no SSM could answer for: only `serve` may try to fetch it.
    env = image_environment(runtime, tmp_path / "secrets", {"DRONE_AI_SECRETS_PREFIX": "/x"})
    address = f"127.0.0.1:{free_port()}"
    done = subprocess.run(
        ["sh", str(ENTRYPOINT), "health", "--address", address, "--timeout-s", "5"],
        capture_output=True,
        text=True,
        env={**env, "DRONE_AI_HEALTH_TLS_CA": ""},
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert f"drone-ai: health: {address} (the server): no connection" in done.stderr
    assert not (tmp_path / "secrets").exists()


def _credentials() -> dict[str, str]:
    return {
        "aws_access_key_id": AWS_TEST_ENV["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": AWS_TEST_ENV["AWS_SECRET_ACCESS_KEY"],
    }

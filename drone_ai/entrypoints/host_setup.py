"""`drone-ai host-setup`: the EC2 instance's set-up (its user data runs this at every boot).

Under a root folder (`/` on the host, a temporary folder in tests) it writes:

    /etc/drone-ai/tower.toml               serve's settings: TLS and partners from the
                                           secrets folder, recordings to S3, JSON logs
    /etc/drone-ai/environment              region, config path, secrets prefix (nothing secret)
    /etc/systemd/system/drone-ai.service   the unit: fetch-secrets, then serve, hardened
    /etc/sysusers.d/drone-ai.conf          the service's own system user
    /etc/drone-ai/cloudwatch-agent.json    with --log-group only: the CloudWatch agent ships
                                           the tower's log file and memory and disk use
                                           (cloudwatch_agent.py)

Every file is written atomically (mode 0644: none holds a secret) and only from the plan's
values, so two runs with the same arguments leave the same bytes. With `--start` it then runs
systemd-sysusers, systemctl daemon-reload, enable and restart, and (with --log-group) has the
CloudWatch agent load its configuration; the runner is injectable, so a test checks the
commands without a systemd.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from drone_ai.adapters.host.atomic_file import write_atomically
from drone_ai.adapters.secrets.ssm_parameters import parameter_prefix
from drone_ai.adapters.secrets.tower_secrets import SecretName
from drone_ai.config import Settings
from drone_ai.entrypoints import cloudwatch_agent
from drone_ai.entrypoints.systemd_unit import SERVICE, USER, sysusers_conf, unit_file
from drone_ai.errors import ConfigError, HostSetupError, SecretsError

BINARY = Path("/opt/drone-ai/venv/bin/drone-ai")
CONFIG_PATH = Path("/etc/drone-ai/tower.toml")
ENVIRONMENT_PATH = Path("/etc/drone-ai/environment")
UNIT_PATH = Path("/etc/systemd/system") / SERVICE
SYSUSERS_PATH = Path("/etc/sysusers.d") / f"{USER}.conf"
SECRETS_DIR = Path("/run/drone-ai/secrets")  # under the unit's RuntimeDirectory
RECORDING_DIR = Path("/var/lib/drone-ai/recordings")  # under the unit's StateDirectory
# Not in the agent's amazon-cloudwatch-agent.d: its fetch-config deletes every file there but
# the copy it makes (file_<name>), so a configuration kept there would be gone after each start.
AGENT_CONFIG_PATH = Path("/etc/drone-ai/cloudwatch-agent.json")
AGENT_CTL = Path("/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl")
DEFAULT_METRICS_NAMESPACE = cloudwatch_agent.METRICS_NAMESPACE
SECRETS_PREFIX_VARIABLE = "DRONE_AI_SECRETS_PREFIX"
FILE_MODE = 0o644
FOLDER_MODE = 0o755
COMMAND_TIMEOUT_S = 120.0

# S3's bucket naming rules; AWS region names (us-east-1, us-gov-west-1); what a key prefix
# and a release label may hold so that they need no quoting in TOML, the environment file
# or the unit (no spaces, quotes, "$" or systemd's "%" specifiers).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+")
_KEY_PREFIX = re.compile(r"[A-Za-z0-9_.\-/]*")
_RELEASE = re.compile(r"[A-Za-z0-9_.+\-]{1,64}")

Runner = Callable[[Sequence[str]], None]


@dataclass(frozen=True, slots=True)
class HostPlan:
    """What one host is set up with. `secrets_dir` is where fetch-secrets keeps the files
    serve reads (tests point it at their own folder)."""

    bucket: str
    recordings_prefix: str
    region: str
    secrets_prefix: str
    grpc_port: int
    metrics_port: int
    release: str
    gpu: bool = False
    mutual_tls: bool = False
    secrets_dir: Path = SECRETS_DIR
    # The CloudWatch Logs group the agent ships the log file to; none: no agent, the journal
    # only. The namespace (only with a group) defaults to the stack's.
    log_group: str | None = None
    metrics_namespace: str | None = None

    def __post_init__(self) -> None:
        checks = (
            ("--bucket", self.bucket, _BUCKET, "an S3 bucket name (3-63 of a-z 0-9 . -)"),
            ("--region", self.region, _REGION, "an AWS region such as eu-west-1"),
            (
                "--recordings-prefix",
                self.recordings_prefix,
                _KEY_PREFIX,
                "an S3 key prefix of letters, digits and _ . - /",
            ),
            ("--release", self.release, _RELEASE, "a release label of letters, digits, _.+-"),
        )
        for flag, value, pattern, expected in checks:
            if not pattern.fullmatch(value):
                raise HostSetupError(f"{flag}: {expected} expected, got {value!r}")
        try:
            parameter_prefix(self.secrets_prefix)
        except SecretsError as exc:
            raise HostSetupError(f"--secrets-prefix: {exc}") from None
        for flag, port in (("--grpc-port", self.grpc_port), ("--metrics-port", self.metrics_port)):
            if not 1 <= port <= 65_535:
                raise HostSetupError(f"{flag}: a TCP port 1 to 65535 expected, got {port}")
        if self.grpc_port == self.metrics_port:
            raise HostSetupError(
                f"--grpc-port and --metrics-port: two different ports expected, got "
                f"{self.grpc_port} for both"
            )
        if not self.secrets_dir.is_absolute():
            raise HostSetupError(
                f"secrets folder: an absolute path expected, got {self.secrets_dir}"
            )
        if self.log_group is not None:
            cloudwatch_agent.check_log_group(self.log_group)
        if self.metrics_namespace is not None:
            if self.log_group is None:
                raise HostSetupError(
                    f"--metrics-namespace: expected with --log-group only (the CloudWatch "
                    f"agent publishes the metrics), got {self.metrics_namespace!r} without"
                )
            cloudwatch_agent.check_namespace(self.metrics_namespace)


def tower_toml(plan: HostPlan) -> str:
    """serve's settings on the host (keys as in drone_ai/config.py)."""
    secrets = plan.secrets_dir
    values: list[tuple[str, str | bool]] = [
        ("listen", f"0.0.0.0:{plan.grpc_port}"),
        ("tls_cert_path", str(secrets / SecretName.TLS_CERT.value)),
        ("tls_key_path", str(secrets / SecretName.TLS_KEY.value)),
    ]
    if plan.mutual_tls:
        values.append(("tls_client_ca_path", str(secrets / SecretName.TLS_CLIENT_CA.value)))
    values += [
        ("partners_path", str(secrets / SecretName.PARTNERS.value)),
        # Served over HTTPS with the API's certificate; the security group admits the admin CIDR.
        ("metrics_listen", f"0.0.0.0:{plan.metrics_port}"),
        ("recording_dir", str(RECORDING_DIR)),
        ("s3_bucket", plan.bucket),
        ("s3_prefix", plan.recordings_prefix),
        ("s3_region", plan.region),
        # The instance's disk is a spool: a file goes once S3 has confirmed its checksum.
        ("recording_keep_local", False),
        ("log_format", "json"),
    ]
    if plan.log_group is not None:
        values.append(("log_file", str(cloudwatch_agent.LOG_FILE)))  # the agent ships it
    lines = [_header(plan), ""]
    for key, value in values:
        text = ("true" if value else "false") if isinstance(value, bool) else json.dumps(value)
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def environment_file(plan: HostPlan) -> str:
    """The unit's EnvironmentFile: where the tower and boto3 look (nothing secret)."""
    return (
        f"{_header(plan)}\n"
        f"AWS_REGION={plan.region}\n"
        f"AWS_DEFAULT_REGION={plan.region}\n"
        f"DRONE_AI_CONFIG={CONFIG_PATH}\n"
        f"{SECRETS_PREFIX_VARIABLE}={parameter_prefix(plan.secrets_prefix)}\n"
    )


def host_files(plan: HostPlan) -> dict[Path, str]:
    """Every file host-setup writes, by its path on the host."""
    files = {
        CONFIG_PATH: tower_toml(plan),
        ENVIRONMENT_PATH: environment_file(plan),
        UNIT_PATH: unit_file(
            binary=BINARY,
            config=CONFIG_PATH,
            environment=ENVIRONMENT_PATH,
            secrets_prefix=parameter_prefix(plan.secrets_prefix),
            secrets_dir=plan.secrets_dir,
            release=plan.release,
            gpu=plan.gpu,
            low_port=min(plan.grpc_port, plan.metrics_port) < 1024,
            log_file=plan.log_group is not None,
        ),
        SYSUSERS_PATH: sysusers_conf(),
    }
    if plan.log_group is not None:
        files[AGENT_CONFIG_PATH] = cloudwatch_agent.agent_config(
            log_group=plan.log_group,
            namespace=plan.metrics_namespace or DEFAULT_METRICS_NAMESPACE,
        )
    return files


def install(root: Path, plan: HostPlan) -> list[tuple[Path, bool]]:
    """Writes the host's files under `root`; (path under root, whether it changed) each.
    The tower's settings are checked as serve would read them before anything is written."""
    files = host_files(plan)
    _check_settings(files[CONFIG_PATH])
    done = []
    for host_path, text in files.items():
        target = root / host_path.relative_to("/")
        try:
            for folder in reversed(target.parents):
                if not folder.is_dir():
                    folder.mkdir(mode=FOLDER_MODE)
            changed = write_atomically(target, text.encode("utf-8"), FILE_MODE)
        except OSError as exc:
            raise HostSetupError(f"{target}: a writable path expected: {exc}") from exc
        done.append((target, changed))
    return done


START_COMMANDS: tuple[tuple[str, ...], ...] = (
    ("systemd-sysusers", str(SYSUSERS_PATH)),
    ("systemctl", "daemon-reload"),
    ("systemctl", "enable", SERVICE),
    # restart, not `enable --now`: at boot the unit (enabled last time) may already run the
    # release that was installed before this boot's user data upgraded the wheel.
    ("systemctl", "restart", SERVICE),
)


# Loads the configuration as the agent's only one and (re)starts it; after the tower's own
# commands, so that a host without the agent still gets its tower started.
AGENT_START_COMMAND: tuple[str, ...] = (
    str(AGENT_CTL), "-a", "fetch-config", "-m", "ec2", "-s", "-c", f"file:{AGENT_CONFIG_PATH}",
)  # fmt: skip


def start(run: Runner | None = None, *, agent: bool = False) -> None:
    """Creates the user and (re)starts the service: START_COMMANDS, in order, each once; then,
    with `agent` (a plan with a log group), AGENT_START_COMMAND."""
    commands = START_COMMANDS + ((AGENT_START_COMMAND,) if agent else ())
    for command in commands:
        (run or run_command)(command)


def run_command(command: Sequence[str]) -> None:
    """Runs one command on the host, or HostSetupError with what it said."""
    try:
        subprocess.run(
            list(command), check=True, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S
        )
    except subprocess.CalledProcessError as exc:
        said = (exc.stderr or exc.stdout or "").strip()[-500:]
        raise HostSetupError(
            f"{' '.join(command)}: exit status 0 expected, got {exc.returncode}: {said}"
        ) from exc
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HostSetupError(f"{' '.join(command)}: could not run: {exc}") from exc


def _check_settings(toml_text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / CONFIG_PATH.name
        path.write_text(toml_text, encoding="utf-8")
        try:
            Settings.load({}, path)
        except ConfigError as exc:
            raise HostSetupError(f"{CONFIG_PATH}: settings serve accepts expected: {exc}") from exc


def _header(plan: HostPlan) -> str:
    return (
        f"# Written by `drone-ai host-setup` (release {plan.release}) at every boot: "
        f"edits here do not last."
    )

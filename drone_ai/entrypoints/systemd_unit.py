"""The tower's systemd unit and its system user, as text (systemd.exec(5), sysusers.d(5)).

The comments inside the unit say why each non-obvious option is there or left out; the
operator reads them on the host with `systemctl cat drone-ai`.
"""

from __future__ import annotations

from pathlib import Path

SERVICE = "drone-ai.service"
USER = "drone-ai"

_SANDBOX = """\
# Hardening (systemd-analyze security drone-ai.service scores it). The tower needs the network,
# its state and runtime folders, and nothing else of the host.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
{devices}ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
# Not ProcSubset=pid: it hides /proc/cpuinfo and /proc/meminfo, which onnxruntime and the
# BLAS under numpy read to pick their kernels and thread counts.
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
{capabilities}SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
# MemoryDenyWriteExecute= is left off on purpose: it refuses memory that is writable and
# executable, which code generated at run time needs (onnxruntime execution providers built
# on oneDNN's JIT, libffi closures for ctypes callbacks in older builds); the detector a
# customer brings would fail at its first frame, on a mmap or mprotect it was refused.
UMask=0077
"""

_NO_CAPABILITIES = """\
# Empty: no capability at all (both ports are 1024 or above).
CapabilityBoundingSet=
AmbientCapabilities=
"""
_BIND_LOW_PORT = """\
# A port below 1024 is configured: binding it is the one capability the service keeps.
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
AmbientCapabilities=CAP_NET_BIND_SERVICE
"""
_LOGS_DIRECTORY = """\
# /var/log/drone-ai: the log file the CloudWatch agent ships (rotated by serve itself). systemd
# makes it the service's and writable under ProtectSystem=strict; the agent reads it as root.
LogsDirectory=drone-ai
LogsDirectoryMode=0750
"""
_CPU_DEVICES = "PrivateDevices=yes\n"
_GPU_DEVICES = """\
# PrivateDevices= is off: it would hide the GPU's device nodes (/dev/nvidia*) the detector
# needs. The driver's modules must be loaded at boot: ProtectKernelModules= forbids it here.
"""


def unit_file(
    *,
    binary: Path,
    config: Path,
    environment: Path,
    secrets_prefix: str,
    secrets_dir: Path,
    release: str,
    gpu: bool,
    low_port: bool = False,
    log_file: bool = False,
) -> str:
    """drone-ai.service: secrets fetched at each start, then serve, restarted on failure.
    `gpu`: the GPU's device nodes stay visible; `low_port`: a port below 1024 is served;
    `log_file`: serve writes its log file under /var/log/drone-ai."""
    sandbox = _SANDBOX.format(
        devices=_GPU_DEVICES if gpu else _CPU_DEVICES,
        capabilities=_BIND_LOW_PORT if low_port else _NO_CAPABILITIES,
    )
    logs = _LOGS_DIRECTORY if log_file else ""
    return f"""\
# Written by `drone-ai host-setup` (release {release}) at every boot: edits here do not last.
[Unit]
Description=drone-ai control tower (gRPC)
Wants=network-online.target
After=network-online.target
# Five failed starts in five minutes (SSM unreachable, a bad certificate) and systemd stops
# trying, instead of fetching secrets in a tight loop; `systemctl reset-failed` re-arms it.
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Type=exec
User={USER}
Group={USER}
EnvironmentFile={environment}
# /var/lib/drone-ai: recordings spooled to S3. /run/drone-ai: tmpfs, removed when the
# service stops, so the secrets fetched into it never reach a disk or outlive the service.
StateDirectory=drone-ai drone-ai/recordings
StateDirectoryMode=0700
RuntimeDirectory=drone-ai
RuntimeDirectoryMode=0700
{logs}# TLS material and partners come from SSM Parameter Store at each start, never from the
# image or the template.
ExecStartPre={binary} fetch-secrets --prefix {secrets_prefix} --out {secrets_dir}
ExecStart={binary} serve --config {config}
Restart=on-failure
RestartSec=5
# SIGTERM to serve alone: it drains its RPCs (5 s) and stops its detection workers itself;
# whatever is left after TimeoutStopSec= is killed.
KillMode=mixed
TimeoutStopSec=30
# One descriptor per partner stream and per recording file.
LimitNOFILE=65536
{sandbox}
[Install]
WantedBy=multi-user.target
"""


def sysusers_conf() -> str:
    """The service's system user: no login shell; home is its state folder."""
    return (
        "# Written by `drone-ai host-setup`: the system user drone-ai.service runs as.\n"
        f'u {USER} - "drone-ai control tower" /var/lib/drone-ai -\n'
    )

"""The CloudWatch agent's configuration on the EC2 host (`drone-ai host-setup --log-group`).

The agent (Amazon's amazon-cloudwatch-agent package; its JSON configuration file: sections
"agent", "metrics", "logs") ships the tower's log file to the stack's log group, one stream per
instance, and publishes memory and disk use to the tower's metrics namespace, with the
instance's id as a dimension. What the instance role allows is exactly what this needs
(infra/cloudformation/tower.yaml, statements WriteLogs and PutMetrics):

- logs:CreateLogStream, PutLogEvents and DescribeLogStreams on the group. The agent creates a
  stream first and calls CreateLogGroup only when the group is missing, which it never is (the
  stack makes it); no "retention_in_days" here, or the agent would set the retention the
  template already sets (PutRetentionPolicy, not granted).
- cloudwatch:PutMetricData, held to the namespace by the role's condition.

Each log line is a JSON object whose first field, "time", is UTC with milliseconds
(log_lines.JsonLines): the agent reads its event times from it ("%f" is the milliseconds; the
"+00:00" after them is left out of the format, as the agent's formats have no colon offset,
and "timezone": "UTC" says what it is). The agent runs as root (its default, set explicitly):
the file is drone-ai's and 0600 (the unit's UMask=0077).

Disk use: "/" and /var/lib/drone-ai, where the recordings are spooled. The agent reports the
filesystems mounted at the paths listed: on the template's instance both are the root volume,
so one series; a volume an operator mounts at /var/lib/drone-ai gets its own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from drone_ai.errors import HostSetupError

# The stack's namespace (the template's PutMetrics condition): change both together.
METRICS_NAMESPACE = "DroneAI/Tower"
LOG_FILE = Path("/var/log/drone-ai/tower.jsonl")  # under the unit's LogsDirectory
DISK_PATHS = ("/", "/var/lib/drone-ai")
METRICS_INTERVAL_S = 60  # CloudWatch's standard resolution: finer costs more

# CloudWatch Logs' group names; metric namespaces of printable characters that need no
# quoting in the user data, never AWS's own ("AWS/...").
_LOG_GROUP = re.compile(r"[A-Za-z0-9_.\-/#]{1,512}")
_NAMESPACE = re.compile(r"[A-Za-z0-9_.\-/#:]{1,255}")


def check_log_group(name: str) -> None:
    if not _LOG_GROUP.fullmatch(name):
        raise HostSetupError(
            f"--log-group: a CloudWatch Logs group name (1-512 of letters, digits, _ . - / #) "
            f"expected, got {name!r}"
        )


def check_namespace(name: str) -> None:
    if not _NAMESPACE.fullmatch(name) or name.startswith("AWS/"):
        raise HostSetupError(
            f"--metrics-namespace: a CloudWatch namespace (1-255 of letters, digits, "
            f"_ . - / # :, not AWS/...) expected, got {name!r}"
        )


def agent_config(*, log_group: str, namespace: str) -> str:
    """The agent's JSON configuration: the tower's log file to `log_group` (stream: the
    instance id), memory and disk use to `namespace`."""
    config = {
        "agent": {"metrics_collection_interval": METRICS_INTERVAL_S, "run_as_user": "root"},
        "logs": {
            "logs_collected": {
                "files": {
                    "collect_list": [
                        {
                            "file_path": str(LOG_FILE),
                            "log_group_name": log_group,
                            "log_stream_name": "{instance_id}",
                            "timestamp_format": "%Y-%m-%dT%H:%M:%S.%f",
                            "timezone": "UTC",
                        }
                    ]
                }
            }
        },
        "metrics": {
            "namespace": namespace,
            "append_dimensions": {"InstanceId": "${aws:InstanceId}"},
            "metrics_collected": {
                "mem": {"measurement": ["mem_used_percent"]},
                "disk": {
                    "measurement": ["used_percent"],
                    "resources": list(DISK_PATHS),
                    "drop_device": True,
                },
            },
        },
    }
    return json.dumps(config, indent=2) + "\n"

"""The process's log lines: one JSON object per line for log shippers (CloudWatch, Loki), or
plain text for people. What a module passes in `extra=` becomes fields of the object.

With a log file (DRONE_AI_LOG_FILE) the same lines also go there, for a shipper that reads
files (the CloudWatch agent on EC2, README "Deploying to EC2"); the stream keeps them too, so
journald still has everything.

Nothing secret is ever handed to a logger (tokens are checked and dropped in the access
service); the formatter also refuses to write a field whose name says it holds one, in case a
later change passes it by mistake.
"""

from __future__ import annotations

import datetime
import json
import logging
import logging.handlers
import sys
from pathlib import Path
from typing import Any, TextIO

from drone_ai.config import LogFormat
from drone_ai.errors import ConfigError

# The attributes every LogRecord has: what is left over came from `extra=`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_SECRET_WORDS = ("token", "secret", "password", "authorization", "key_pem")
# The log file is a buffer for the shipper, which sends each line within seconds, not an
# archive (the journal and the log group keep the history): the live file and 5 rotated ones
# of 50 MiB ride out an outage of the shipper, and 300 MiB at most cannot fill the disk the
# recordings are spooled on.
LOG_FILE_MAX_BYTES = 50 * 1024 * 1024
LOG_FILE_BACKUPS = 5


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in record.__dict__.items():
            if name in _STANDARD or name.startswith("_"):
                continue
            secret = any(word in name.lower() for word in _SECRET_WORDS)
            line[name] = "[withheld]" if secret else value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure(
    log_format: LogFormat, stream: TextIO | None = None, log_file: Path | None = None
) -> logging.Handler:
    """Send the tower's logs (the drone_ai loggers, INFO and up) to `stream` (stderr) and, when
    given, to `log_file` too (rotated at LOG_FILE_MAX_BYTES, LOG_FILE_BACKUPS kept). Returns
    the stream's handler. A file that cannot be opened is a ConfigError, and then nothing is
    attached."""
    formatter = _formatter(log_format)
    handlers: list[logging.Handler] = []
    if log_file is not None:
        handlers.append(_file_handler(log_file))
    handler = logging.StreamHandler(stream or sys.stderr)
    handlers.append(handler)
    logger = logging.getLogger("drone_ai")
    for each in handlers:
        each.setFormatter(formatter)
        logger.addHandler(each)
    logger.setLevel(logging.INFO)
    return handler


def _formatter(log_format: LogFormat) -> logging.Formatter:
    if log_format is LogFormat.JSON:
        return JsonLines()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def _file_handler(path: Path) -> logging.handlers.RotatingFileHandler:
    try:
        return logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_FILE_MAX_BYTES, backupCount=LOG_FILE_BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        raise ConfigError(
            f"DRONE_AI_LOG_FILE: a file that can be appended to, in an existing folder, "
            f"expected, got {str(path)!r}: {exc.strerror or exc}"
        ) from exc

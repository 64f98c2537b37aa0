"""The process's log lines: one JSON object per line for log shippers (CloudWatch, Loki), or
plain text for people. What a module passes in `extra=` becomes fields of the object.

Nothing secret is ever handed to a logger (tokens are checked and dropped in the access
service); the formatter also refuses to write a field whose name says it holds one, in case a
later change passes it by mistake.
"""

from __future__ import annotations

import datetime
import json
import logging
import sys
from typing import Any, TextIO

from drone_ai.config import LogFormat

# The attributes every LogRecord has: what is left over came from `extra=`.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_SECRET_WORDS = ("token", "secret", "password", "authorization", "key_pem")


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


def configure(log_format: LogFormat, stream: TextIO | None = None) -> logging.Handler:
    """Send the tower's logs (the drone_ai loggers, INFO and up) to `stream` (stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format is LogFormat.JSON:
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("drone_ai")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler

import io
import json
import logging

from drone_ai.config import LogFormat
from drone_ai.entrypoints import log_lines


def test_a_log_line_is_one_json_object_with_the_extra_fields() -> None:
    stream = io.StringIO()
    handler = log_lines.configure(LogFormat.JSON, stream)
    try:
        logging.getLogger("drone_ai.services.flight_control").info(
            "flight %s", "live", extra={"flight_id": "f1", "bearer_token": "s3cret"}
        )
    finally:
        logging.getLogger("drone_ai").removeHandler(handler)
    [line] = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "flight live" and record["level"] == "INFO"
    assert record["flight_id"] == "f1" and record["logger"].endswith("flight_control")
    assert record["bearer_token"] == "[withheld]" and "s3cret" not in line
    assert record["time"].endswith("+00:00")


def test_text_lines_for_people() -> None:
    stream = io.StringIO()
    handler = log_lines.configure(LogFormat.TEXT, stream)
    try:
        logging.getLogger("drone_ai.x").warning("careful")
    finally:
        logging.getLogger("drone_ai").removeHandler(handler)
    assert stream.getvalue().rstrip().endswith("WARNING drone_ai.x: careful")

import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from drone_ai.config import LogFormat, Settings
from drone_ai.entrypoints import log_lines
from drone_ai.entrypoints.cli import EXIT_UNREADABLE, main
from drone_ai.errors import ConfigError


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


@pytest.fixture
def drone_ai_handlers() -> Iterator[list[logging.Handler]]:
    """The handlers a test attaches to the drone_ai logger, detached and closed after it."""
    logger = logging.getLogger("drone_ai")
    before = list(logger.handlers)
    added: list[logging.Handler] = []
    yield added
    added += [handler for handler in logger.handlers if handler not in before]
    for handler in added:
        logger.removeHandler(handler)
        handler.close()


def test_with_a_log_file_the_same_lines_go_to_the_file_and_the_stream(
    tmp_path: Path, drone_ai_handlers: list[logging.Handler]
) -> None:
    stream, path = io.StringIO(), tmp_path / "tower.jsonl"
    log_lines.configure(LogFormat.JSON, stream, path)
    logging.getLogger("drone_ai.services.flight_control").info("flight %s", "f1")
    logging.getLogger("drone_ai.x").warning("careful", extra={"partner_token": "s3cret"})
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == stream.getvalue().splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["flight f1", "careful"]
    assert "s3cret" not in path.read_text(encoding="utf-8")


def test_a_log_file_is_appended_to_not_truncated_at_a_restart(
    tmp_path: Path, drone_ai_handlers: list[logging.Handler]
) -> None:
    path = tmp_path / "tower.jsonl"
    path.write_text('{"message": "before the restart"}\n', encoding="utf-8")
    log_lines.configure(LogFormat.TEXT, io.StringIO(), path)
    logging.getLogger("drone_ai.x").info("after")
    first, second = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(first)["message"] == "before the restart"
    assert second.endswith("INFO drone_ai.x: after")


def test_the_log_file_is_rotated_and_its_files_are_bounded(
    tmp_path: Path, drone_ai_handlers: list[logging.Handler], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real bound (50 MiB) scaled down; the rotation is the standard library's.
    monkeypatch.setattr(log_lines, "LOG_FILE_MAX_BYTES", 1000)
    path = tmp_path / "tower.jsonl"
    log_lines.configure(LogFormat.JSON, io.StringIO(), path)
    for number in range(200):
        logging.getLogger("drone_ai.x").info("line %d", number)
    files = sorted(tmp_path.iterdir())
    assert [file.name for file in files] == ["tower.jsonl"] + [
        f"tower.jsonl.{n}" for n in range(1, log_lines.LOG_FILE_BACKUPS + 1)
    ]
    assert all(file.stat().st_size <= 1000 for file in files)
    last = path.read_text(encoding="utf-8").splitlines()[-1]
    assert json.loads(last)["message"] == "line 199"


@pytest.mark.parametrize(
    "where",
    [lambda tmp: tmp / "missing" / "tower.jsonl", lambda tmp: tmp],
    ids=["folder-missing", "a-folder"],
)
def test_a_log_file_that_cannot_be_opened_is_a_config_error_and_nothing_is_attached(
    tmp_path: Path, drone_ai_handlers: list[logging.Handler], where: Callable[[Path], Path]
) -> None:
    before = list(logging.getLogger("drone_ai").handlers)
    path = where(tmp_path)
    with pytest.raises(ConfigError, match=r"DRONE_AI_LOG_FILE: a file that can be appended to"):
        log_lines.configure(LogFormat.JSON, io.StringIO(), path)
    assert logging.getLogger("drone_ai").handlers == before


def test_serve_refuses_to_start_with_a_log_file_it_cannot_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-folder" / "tower.jsonl"
    monkeypatch.setenv("DRONE_AI_LOG_FILE", str(missing))
    assert main(["serve", "--listen", "127.0.0.1:0"]) == EXIT_UNREADABLE
    err = capsys.readouterr().err
    assert "drone-ai: configuration: DRONE_AI_LOG_FILE: a file that can be appended to" in err
    assert str(missing) in err and not missing.parent.exists()


def test_the_log_file_setting_is_read_from_the_environment_and_the_config_file(
    tmp_path: Path,
) -> None:
    assert Settings().log_file is None
    assert Settings.load({"DRONE_AI_LOG_FILE": "/var/log/drone-ai/tower.jsonl"}).log_file == (
        Path("/var/log/drone-ai/tower.jsonl")
    )
    config = tmp_path / "tower.toml"
    config.write_text('log_file = "/var/log/drone-ai/tower.jsonl"\n', encoding="utf-8")
    assert Settings.load({}, config).log_file == Path("/var/log/drone-ai/tower.jsonl")

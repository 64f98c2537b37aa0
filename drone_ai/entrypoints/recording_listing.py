"""`drone-ai recordings`: listed recordings as a table for people or JSON lines for tools."""

from __future__ import annotations

import datetime as dt
from typing import Any, TextIO

from drone_ai.adapters.recording.listing import ListedRecording

_COLUMNS = ("RECORDING", "STATE", "SOURCE", "STARTED (UTC)", "LENGTH", "SIZE", "SEGMENTS")


def as_json(item: ListedRecording) -> dict[str, Any]:
    manifest = item.manifest
    if manifest is None:
        return {"recording": item.location, "problem": item.problem}
    return {
        "recording": item.location,
        "flight_id": manifest.flight_id,
        "recording_id": manifest.recording_id,
        "state": manifest.state.value,
        "source": manifest.source.kind.value,
        "started_us": manifest.started_us,
        "ended_us": manifest.ended_us,
        "data_bytes": item.data_bytes,
        "segments": len(manifest.segments),
    }


def write_table(listed: list[ListedRecording], out: TextIO) -> None:
    rows = [_row(item) for item in listed]
    widths = [max(len(row[k]) for row in [_COLUMNS, *rows]) for k in range(len(_COLUMNS))]
    for row in [_COLUMNS, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        out.write("  ".join(cells).rstrip() + "\n")
    if not rows:
        out.write("(none)\n")


def _row(item: ListedRecording) -> tuple[str, ...]:
    manifest = item.manifest
    if manifest is None:
        return (item.location, "unreadable", item.problem or "", "", "", "", "")
    started = dt.datetime.fromtimestamp(manifest.started_us / 1e6, dt.UTC)
    length = (
        ""
        if manifest.ended_us is None
        else f"{(manifest.ended_us - manifest.started_us) / 1e6:.1f} s"
    )
    return (
        item.location,
        manifest.state.value,
        manifest.source.kind.value,
        started.strftime("%Y-%m-%d %H:%M:%S"),
        length,
        f"{item.data_bytes / 1e6:.1f} MB",
        str(len(manifest.segments)),
    )

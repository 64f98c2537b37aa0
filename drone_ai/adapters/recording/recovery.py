"""Finalising a recording whose writer died (SIGKILL, power cut, crash).

Each segment it left open is cut to the end of its last index record whose bytes are wholly
in the data file (domain.recording.complete_records), fsynced, renamed closed, checksummed and
listed; a segment closed but not yet listed (the writer died between the rename and the
manifest) is checked and listed the same way. The manifest then says "recovered" and what was
done. Every step can be repeated, so a recovery that dies itself is finished by the next one,
and a recording that is complete, recovered or still held by a live writer is left alone.
"""

from __future__ import annotations

import os
from pathlib import Path

from domain.recording import (
    INDEX_RECORD_BYTES,
    INDEX_SUFFIX,
    OPEN_SUFFIX,
    RecordingState,
    RecordingStream,
    complete_records,
    parse_segment_name,
    segment_name,
)
from drone_ai.adapters.file_digest import file_sha256
from drone_ai.adapters.host.atomic_file import fsync_folder
from drone_ai.adapters.recording.manifest import (
    MANIFEST_NAME,
    Manifest,
    RecoveryReport,
    SegmentEntry,
    read_manifest,
    write_manifest,
)
from drone_ai.adapters.recording.segments import SegmentPaths, iter_index
from drone_ai.adapters.recording.writer import lock_folder
from drone_ai.errors import RecordingBusyError, RecordingError


def recover(folder: Path) -> Manifest:
    """Finalise the interrupted recording in `folder` and return its manifest (unchanged for
    a recording that needs nothing). RecordingBusyError while a live writer holds it."""
    lock = lock_folder(folder)
    try:
        manifest = read_manifest(folder)
        if manifest.state is not RecordingState.RECORDING:
            return manifest
        listed = {entry.name for entry in manifest.segments}
        added: list[SegmentEntry] = []
        bytes_dropped = 0
        for stream, number in _unlisted_segments(folder, manifest, listed):
            entry, dropped = _finalise(folder, stream, number)
            bytes_dropped += dropped
            if entry is not None:
                added.append(entry)
        segments = tuple(
            sorted((*manifest.segments, *added), key=lambda s: (s.stream.value, s.index))
        )
        last_chunk_us = max((s.last_us for s in segments), default=None)
        recovered = Manifest(
            flight_id=manifest.flight_id,
            recording_id=manifest.recording_id,
            source=manifest.source,
            started_us=manifest.started_us,
            # The recording ended, as far as anyone can know, with its last chunk kept.
            ended_us=manifest.started_us if last_chunk_us is None else last_chunk_us,
            state=RecordingState.RECOVERED,
            recovered=RecoveryReport(
                tuple(entry.name for entry in added), bytes_dropped, last_chunk_us
            ),
            segments=segments,
        )
        write_manifest(folder, recovered)
        return recovered
    finally:
        os.close(lock)


def find_interrupted(root: Path) -> list[Path]:
    """The recording folders under `root` (`<root>/<flight>/<recording>/`) left in state
    "recording" by a writer that is gone; those a live writer holds, and folders whose
    manifest cannot be read, are not among them."""
    found = []
    for manifest_path in sorted(root.glob(f"*/*/{MANIFEST_NAME}")):
        folder = manifest_path.parent
        try:
            if read_manifest(folder).state is not RecordingState.RECORDING:
                continue
            os.close(lock_folder(folder))
        except RecordingBusyError:
            continue
        except RecordingError:
            continue  # not a recording this version can finalise: left for a person
        found.append(folder)
    return found


def _unlisted_segments(
    folder: Path, manifest: Manifest, listed: set[str]
) -> list[tuple[RecordingStream, int]]:
    """The segments with any file in the folder (open or closed) that the manifest lacks."""
    found = set()
    for name in os.listdir(folder):
        base = name.removesuffix(OPEN_SUFFIX).removesuffix(INDEX_SUFFIX)
        parsed = parse_segment_name(base)
        if parsed is not None and base not in listed:
            found.add(parsed)
    streams = manifest.source.kind.streams
    return sorted((s for s in found if s[0] in streams), key=lambda s: (s[0].value, s[1]))


def _finalise(
    folder: Path, stream: RecordingStream, number: int
) -> tuple[SegmentEntry | None, int]:
    """Cut, fsync, rename and checksum one segment; its entry (None when it kept no chunk,
    and its files are removed) and the data bytes cut."""
    paths = SegmentPaths.of(folder, stream, number)
    data = paths.data if paths.data.exists() else paths.open_data
    index = paths.index if paths.index.exists() else paths.open_index
    try:
        data_size = data.stat().st_size if data.exists() else 0
        records = complete_records(iter_index(index), data_size) if index.exists() else []
        kept_bytes = records[-1].end if records else 0
        if not records:
            for path in (data, index):
                path.unlink(missing_ok=True)
            fsync_folder(folder)
            return None, data_size
        for path, size in ((data, kept_bytes), (index, len(records) * INDEX_RECORD_BYTES)):
            with path.open("r+b") as stream_:
                stream_.truncate(size)
                stream_.flush()
                os.fsync(stream_.fileno())
        if data != paths.data:
            data.rename(paths.data)
        if index != paths.index:
            index.rename(paths.index)
        fsync_folder(folder)
        sha256 = file_sha256(paths.data)
    except OSError as exc:
        name = segment_name(stream, number)
        raise RecordingError(f"{folder / name}: cannot recover: {exc}") from exc
    entry = SegmentEntry(
        stream=stream,
        index=number,
        bytes=kept_bytes,
        sha256=sha256,
        first_us=min(r.received_us for r in records),
        last_us=max(r.received_us for r in records),
        chunks=len(records),
    )
    return entry, data_size - kept_bytes

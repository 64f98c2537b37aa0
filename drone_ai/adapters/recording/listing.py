"""The recordings there are, on disk or in S3, each with what its manifest says: what an
operator looks at before a replay or an export (`drone-ai recordings`).

A folder whose manifest cannot be read is listed with the reason rather than left out: a
damaged recording is something to see, not to lose track of.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from domain.recording import check_safe_id, is_recording_id
from drone_ai.adapters.recording.manifest import MANIFEST_NAME, Manifest, read_manifest
from drone_ai.adapters.recording.s3_store import S3RecordingStore
from drone_ai.errors import RecordingError, RecordingStoreError


@dataclass(frozen=True, slots=True)
class ListedRecording:
    """One recording: where it is (what `replay` and `export` take), and its manifest, or
    why that could not be read."""

    location: str
    manifest: Manifest | None
    problem: str | None = None

    @property
    def data_bytes(self) -> int:
        return sum(s.bytes for s in self.manifest.segments) if self.manifest else 0


def local_recordings(root: Path, flight_id: str | None = None) -> list[ListedRecording]:
    """The recordings under `root` (`<flight>/<recording>/`), of one flight if given, sorted
    by flight then recording id (which is the start time)."""
    if flight_id is not None:
        check_safe_id("flight_id", flight_id)
    flights = [root / flight_id] if flight_id is not None else _folders(root)
    listed = []
    for flight in flights:
        for folder in _folders(flight):
            if is_recording_id(folder.name) or (folder / MANIFEST_NAME).exists():
                listed.append(_listed(f"{flight.name}/{folder.name}", folder))
    return listed


def s3_recordings(store: S3RecordingStore, flight_id: str | None = None) -> list[ListedRecording]:
    """The recordings under the store's prefix, each read from its manifest in S3 (its
    checksum checked as any download's)."""
    base = "/".join(p for p in (store.bucket, store.prefix) if p)
    listed = []
    with tempfile.TemporaryDirectory(prefix="drone-ai-listing-") as scratch:
        for ref in store.list_recordings(flight_id):
            location = f"s3://{base}/{ref.flight_id}/{ref.recording_id}"
            folder = Path(scratch) / ref.flight_id / ref.recording_id
            folder.mkdir(parents=True)
            key = store.key_for(ref.flight_id, ref.recording_id, MANIFEST_NAME)
            try:
                store.download(key, folder / MANIFEST_NAME)
            except RecordingStoreError as exc:
                # Its segments went up before its manifest (the spool sends that last).
                listed.append(ListedRecording(location, None, f"no manifest yet: {exc}"))
                continue
            listed.append(_listed(location, folder))
    return listed


def _listed(location: str, folder: Path) -> ListedRecording:
    try:
        return ListedRecording(location, read_manifest(folder))
    except RecordingError as exc:
        return ListedRecording(location, None, str(exc))


def _folders(parent: Path) -> Iterator[Path]:
    try:
        children = sorted(parent.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return
    yield from (child for child in children if child.is_dir() and not child.name.startswith("."))

"""The local recordings folder as a spool for S3: nothing leaves it before S3 confirms it.

Under `<root>/<flight_id>/<recording_id>/` (the recording contract), every closed segment file
(`<stream>.<NNNNNN>.<ext>`) and its index (`.idx`) without a marker `<file name>.s3` is
uploaded; once the store has confirmed its SHA-256 the marker is written (atomically, fsynced),
and only then, if local copies are not kept, the file is deleted. `.open` files are a live
writer's and never touched. A recording's manifest.json goes after its segments, once every
segment it lists is confirmed (so S3 never holds a manifest naming a file it lacks), and
again whenever it changes; its marker holds the SHA-256 of the copy S3 has. A restart finds
what is left by the markers alone. An S3 outage only means the spool retries, with capped
exponential backoff and jitter, until S3 answers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from drone_ai.adapters.recording.s3_retry import Backoff
from drone_ai.adapters.recording.s3_store import S3RecordingStore
from drone_ai.errors import RecordingStoreError

_log = logging.getLogger(__name__)

MARKER_SUFFIX = ".s3"
MANIFEST_NAME = "manifest.json"
# Between passes that met a failure: S3 may be down for minutes; the spool waits and tries.
_SPOOL_BACKOFF = Backoff(first_delay_s=1.0, max_delay_s=30.0)
_CLOSED_SEGMENT = re.compile(
    r"^(?:input\.\d{6}\.ts|video\.\d{6}\.mjpeg|telemetry\.\d{6}\.klv|events\.\d{6}\.jsonl)"
    r"(?:\.idx)?$"
)


def is_closed_segment_file(name: str) -> bool:
    """A closed segment's data or index file, by the contract's names (never `.open`)."""
    return _CLOSED_SEGMENT.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class SpoolPass:
    """What one pass over the spool did: files S3 confirmed, files left, manifests sent."""

    uploaded: int
    failed: int
    manifests: int


class RecordingSpool:
    """Uploads a recordings folder's closed files to S3 from a background thread."""

    def __init__(
        self,
        root: Path,
        store: S3RecordingStore,
        *,
        keep_local: bool = True,
        scan_interval_s: float = 2.0,
        backoff: Backoff = _SPOOL_BACKOFF,
        rng: random.Random | None = None,
    ) -> None:
        if not 0.0 < scan_interval_s <= 3600.0:
            raise RecordingStoreError(f"scan_interval_s: expected (0, 3600], got {scan_interval_s}")
        self._root = root
        self._store = store
        self._keep_local = keep_local
        self._scan_interval_s = scan_interval_s
        self._backoff = backoff
        self._rng = rng or random.Random()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.uploaded_files = 0  # confirmed since start, for status and tests
        self.failed_passes = 0

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the spool's uploader is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="recording-spool", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ends the uploader (an upload in flight may finish or be given up; its file keeps
        no marker then, and is sent again by the next spool)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def pending_files(self) -> list[Path]:
        """Closed segment files S3 has not confirmed yet, recording by recording."""
        return [path for folder in self._recordings() for path in self._pending_in(folder)]

    def upload_pending(self) -> SpoolPass:
        """One pass: every pending file, then each recording's manifest where it is due."""
        uploaded = failed = manifests = 0
        for folder in self._recordings():
            for path in self._pending_in(folder):
                if self._stop.is_set():
                    return SpoolPass(uploaded, failed + 1, manifests)
                if self._upload_file(folder, path):
                    uploaded += 1
                else:
                    failed += 1
            sent = self._upload_manifest(folder)
            if sent is None:
                failed += 1
            else:
                manifests += int(sent)
        return SpoolPass(uploaded, failed, manifests)

    # -- one recording -----------------------------------------------------------------------

    def _recordings(self) -> list[Path]:
        if not self._root.is_dir():
            return []
        return sorted(
            recording
            for flight in self._root.iterdir()
            if flight.is_dir()
            for recording in flight.iterdir()
            if recording.is_dir()
        )

    def _pending_in(self, folder: Path) -> list[Path]:
        return sorted(
            path
            for path in folder.iterdir()
            if is_closed_segment_file(path.name) and not _marker(path).exists()
        )

    def _key(self, folder: Path, name: str) -> str:
        return self._store.key_for(folder.parent.name, folder.name, name)

    def _upload_file(self, folder: Path, path: Path) -> bool:
        try:
            stored = self._store.upload(path, self._key(folder, path.name), stop=self._stop)
        except RecordingStoreError as exc:
            _log.warning("recording spool: %s stays for a later try: %s", path, exc)
            return False
        _write_marker(
            path, {"key": stored.key, "sha256": stored.sha256, "bytes": stored.size_bytes}
        )
        self.uploaded_files += 1
        if not self._keep_local:
            # The marker is on disk first: a crash between the two leaves a file that is
            # known to be in S3, never a deleted file that is not.
            path.unlink()
        return True

    def _upload_manifest(self, folder: Path) -> bool | None:
        """True if the manifest was sent, False if not due, None if it failed."""
        path = folder / MANIFEST_NAME
        try:
            data = path.read_bytes()  # the writer replaces it by rename: a whole version
        except FileNotFoundError:
            return False
        sha = hashlib.sha256(data).hexdigest()
        if _marker_sha256(path) == sha or not self._segments_confirmed(folder, path, data):
            return False
        try:
            stored = self._store.upload_bytes(
                data, self._key(folder, MANIFEST_NAME), stop=self._stop
            )
        except RecordingStoreError as exc:
            _log.warning("recording spool: %s stays for a later try: %s", path, exc)
            return None
        _write_marker(
            path, {"key": stored.key, "sha256": stored.sha256, "bytes": stored.size_bytes}
        )
        return True

    def _segments_confirmed(self, folder: Path, path: Path, data: bytes) -> bool:
        try:
            listed = [str(entry["name"]) for entry in json.loads(data)["segments"]]
        except (ValueError, KeyError, TypeError) as exc:
            _log.warning("recording spool: %s is not a manifest (%s); not uploaded", path, exc)
            return False
        for name in listed:
            index = folder / (name + ".idx")
            if not _marker(folder / name).exists():
                return False
            if index.exists() and not _marker(index).exists():
                return False
        return True

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                result = self.upload_pending()
                failures = failures + 1 if result.failed else 0
            except Exception:
                # The uploader must outlive whatever one pass meets (an unreadable folder, a
                # file removed under it): it says so and tries again later.
                _log.exception("recording spool: a pass over %s failed", self._root)
                failures += 1
            if failures:
                self.failed_passes += 1
                delay_s = self._backoff.delay_s(failures, self._rng)
            else:
                delay_s = self._scan_interval_s
            self._stop.wait(delay_s)


def _marker(path: Path) -> Path:
    return path.with_name(path.name + MARKER_SUFFIX)


def _marker_sha256(path: Path) -> str | None:
    try:
        value = json.loads(_marker(path).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    sha = value.get("sha256") if isinstance(value, dict) else None
    return sha if isinstance(sha, str) else None


def _write_marker(path: Path, content: dict[str, object]) -> None:
    marker = _marker(path)
    temporary = marker.with_name(marker.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        json.dump(content, out)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(marker)
    descriptor = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

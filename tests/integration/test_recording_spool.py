"""RecordingSpool against moto's S3 server on 127.0.0.1: nothing leaves disk unconfirmed."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drone_ai.adapters.recording.s3_retry import Backoff
from drone_ai.adapters.recording.s3_store import S3RecordingStore, StoredObject
from drone_ai.adapters.recording.spool import RecordingSpool
from drone_ai.errors import RecordingStoreError
from tests.moto_server import MotoServer, moto_server

_buckets = itertools.count()
_FLIGHT, _RECORDING = "uav-1", "20260101T120000Z"


@pytest.fixture
def server() -> Iterator[MotoServer]:
    # One per test: the outage tests pause it.
    with moto_server() as running:
        yield running


@pytest.fixture
def bucket(server: MotoServer) -> str:
    return server.make_bucket(f"spool-{next(_buckets)}")


class _Recorder(S3RecordingStore):
    """The real store, noting the order of uploads and refusing the keys in `refuse`."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.keys: list[str] = []
        self.refuse: set[str] = set()

    def upload(self, local_file: Path, key: str, **kwargs: object) -> StoredObject:
        if key in self.refuse:
            raise RecordingStoreError(f"{key}: refused by the test")
        stored = super().upload(local_file, key, **kwargs)  # type: ignore[arg-type]
        self.keys.append(key)
        return stored

    def upload_bytes(self, data: bytes, key: str, **kwargs: object) -> StoredObject:
        stored = super().upload_bytes(data, key, **kwargs)  # type: ignore[arg-type]
        self.keys.append(key)
        return stored


def _store(server: MotoServer, bucket: str, **options: object) -> _Recorder:
    return _Recorder(
        bucket,
        "recordings",
        endpoint_url=server.endpoint_url,
        region="us-east-1",
        backoff=Backoff(0.1, 0.5, deadline_s=5.0),
        connect_timeout_s=0.5,
        read_timeout_s=1.0,
        **options,
    )


def _add_segment(folder: Path, number: int, size: int = 188 * 500) -> dict[str, object]:
    """A closed input segment (TS-sized chunks) and its index, as the contract lays them out."""
    name = f"input.{number:06d}.ts"
    data = os.urandom(size)
    (folder / name).write_bytes(data)
    chunk = 188 * 7
    records = b"".join(
        struct.pack("<qQI", 1_767_268_800_000_000 + i, offset, min(chunk, size - offset))
        for i, offset in enumerate(range(0, size, chunk))
    )
    (folder / (name + ".idx")).write_bytes(records)
    return {
        "stream": "input",
        "index": number,
        "name": name,
        "bytes": size,
        "sha256": hashlib.sha256(data).hexdigest(),
        "first_us": 0,
        "last_us": 0,
        "chunks": len(records) // 20,
    }


def _write_manifest(folder: Path, segments: list[dict[str, object]], state: str) -> None:
    manifest = {
        "format": "drone-ai-recording/1",
        "flight_id": folder.parent.name,
        "recording_id": folder.name,
        "state": state,
        "segments": segments,
    }
    temporary = folder / "manifest.json.tmp"
    temporary.write_text(json.dumps(manifest))
    temporary.replace(folder / "manifest.json")


def _recording(root: Path, segments: int) -> tuple[Path, list[dict[str, object]]]:
    folder = root / _FLIGHT / _RECORDING
    folder.mkdir(parents=True)
    entries = [_add_segment(folder, n) for n in range(1, segments + 1)]
    (folder / f"input.{segments + 1:06d}.ts.open").write_bytes(b"live")
    (folder / f"input.{segments + 1:06d}.ts.idx.open").write_bytes(b"")
    _write_manifest(folder, entries, "recording")
    return folder, entries


def _s3_sha256(server: MotoServer, bucket: str, name: str) -> str | None:
    key = f"recordings/{_FLIGHT}/{_RECORDING}/{name}"
    client = server.client()
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except client.exceptions.NoSuchKey:
        return None
    return hashlib.sha256(body).hexdigest()


def test_every_closed_segment_goes_up_then_the_manifest_and_open_ones_stay(
    server: MotoServer, bucket: str, tmp_path: Path
) -> None:
    folder, entries = _recording(tmp_path, 3)
    store = _store(server, bucket)
    result = RecordingSpool(tmp_path, store).upload_pending()
    assert (result.uploaded, result.failed, result.manifests) == (6, 0, 1)
    assert store.keys[-1].endswith("/manifest.json")
    for entry in entries:
        name = str(entry["name"])
        assert _s3_sha256(server, bucket, name) == entry["sha256"]
        assert _s3_sha256(server, bucket, name + ".idx") is not None
        assert json.loads((folder / (name + ".s3")).read_text())["sha256"] == entry["sha256"]
        assert (folder / name).exists()  # kept by default
    assert _s3_sha256(server, bucket, "input.000004.ts.open") is None
    assert (
        _s3_sha256(server, bucket, "manifest.json")
        == hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    )
    again = RecordingSpool(tmp_path, store).upload_pending()
    assert (again.uploaded, again.manifests) == (0, 0)


def test_without_local_copies_only_confirmed_files_are_deleted(
    server: MotoServer, bucket: str, tmp_path: Path
) -> None:
    folder, _ = _recording(tmp_path, 3)
    store = _store(server, bucket)
    store.refuse = {f"recordings/{_FLIGHT}/{_RECORDING}/input.000002.ts"}
    spool = RecordingSpool(tmp_path, store, keep_local=False)
    result = spool.upload_pending()
    assert (result.uploaded, result.failed, result.manifests) == (5, 1, 0)
    assert (folder / "input.000002.ts").exists()
    assert not (folder / "input.000002.ts.s3").exists()
    assert not (folder / "input.000001.ts").exists()
    assert (folder / "input.000001.ts.s3").exists()
    assert (folder / "input.000004.ts.open").exists()
    # The manifest lists a segment S3 lacks: it waits.
    assert _s3_sha256(server, bucket, "manifest.json") is None
    store.refuse = set()
    result = RecordingSpool(tmp_path, store, keep_local=False).upload_pending()
    assert (result.uploaded, result.failed, result.manifests) == (1, 0, 1)
    assert not (folder / "input.000002.ts").exists()
    assert (folder / "manifest.json").exists()


def test_a_restarted_spool_sends_only_what_the_markers_say_is_left(
    server: MotoServer, bucket: str, tmp_path: Path
) -> None:
    folder, entries = _recording(tmp_path, 2)
    store = _store(server, bucket)
    RecordingSpool(tmp_path, store).upload_pending()
    entries.append(_add_segment(folder, 3))
    _write_manifest(folder, entries, "complete")
    store.keys.clear()
    result = RecordingSpool(tmp_path, store).upload_pending()
    assert store.keys == [
        f"recordings/{_FLIGHT}/{_RECORDING}/{name}"
        for name in ("input.000003.ts", "input.000003.ts.idx", "manifest.json")
    ]
    assert result.manifests == 1
    manifest = (
        server.client()
        .get_object(Bucket=bucket, Key=f"recordings/{_FLIGHT}/{_RECORDING}/manifest.json")["Body"]
        .read()
    )
    assert json.loads(manifest)["state"] == "complete"


def _outage_run(
    server: MotoServer, bucket: str, root: Path, outage_s: float, segments: int, every_s: float
) -> None:
    """A recording grows a segment every `every_s` while S3 hangs for `outage_s`; the spool
    (no local copies) must end with every segment in S3 and none deleted unconfirmed."""
    folder = root / _FLIGHT / _RECORDING
    folder.mkdir(parents=True)
    store = _store(server, bucket)
    spool = RecordingSpool(
        root,
        store,
        keep_local=False,
        scan_interval_s=0.2,
        backoff=Backoff(0.2, 1.0, deadline_s=0.0),
    )
    sums: dict[str, str] = {}
    violations: list[str] = []
    pause_at_s, resume_at_s = every_s * 2, every_s * 2 + outage_s
    state = {"paused": False, "resumed": False}
    waiting_at_resume = 0
    resumed = 0.0

    def tick() -> None:
        nonlocal waiting_at_resume, resumed
        # Never a file gone without its marker.
        violations.extend(
            n for n in sums if not (folder / n).exists() and not (folder / (n + ".s3")).exists()
        )
        now_s = time.monotonic() - started
        if not state["paused"] and now_s >= pause_at_s:
            server.pause()
            state["paused"] = True
        if state["paused"] and not state["resumed"] and now_s >= resume_at_s:
            waiting_at_resume = len(spool.pending_files())
            server.resume()
            state["resumed"] = True
            resumed = time.monotonic()

    spool.start()
    started = time.monotonic()
    try:
        for number in range(1, segments + 1):
            entry = _add_segment(folder, number)
            sums[str(entry["name"])] = str(entry["sha256"])
            _write_manifest(folder, [{"name": n} for n in sums], "recording")
            end = time.monotonic() + every_s
            while time.monotonic() < end:
                tick()
                time.sleep(0.02)
        while not state["resumed"]:
            tick()
            time.sleep(0.02)
        while spool.pending_files() and time.monotonic() - resumed < 30.0:
            tick()
            time.sleep(0.1)
        drained_s = time.monotonic() - resumed
    finally:
        server.resume()
        spool.stop()
    print(
        f"{segments} segments, S3 hung {outage_s:.0f} s: {waiting_at_resume} files waiting "
        f"when it came back, all confirmed {drained_s:.1f} s later; "
        f"failed passes {spool.failed_passes}"
    )
    assert violations == []
    assert spool.pending_files() == []
    for name, sha in sums.items():
        assert _s3_sha256(server, bucket, name) == sha
        assert not (folder / name).exists()
    assert waiting_at_resume > 0  # the outage held files back, and they were kept


def test_segments_written_while_s3_hangs_4_s_all_reach_it(
    server: MotoServer, bucket: str, tmp_path: Path
) -> None:
    _outage_run(server, bucket, tmp_path, outage_s=4.0, segments=8, every_s=0.5)


@pytest.mark.slow
def test_segments_written_while_s3_hangs_20_s_mid_flight_all_reach_it(
    server: MotoServer, bucket: str, tmp_path: Path
) -> None:
    _outage_run(server, bucket, tmp_path, outage_s=20.0, segments=26, every_s=1.0)

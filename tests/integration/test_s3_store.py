"""S3RecordingStore against moto's S3 server on 127.0.0.1 (real HTTP through boto3)."""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drone_ai.adapters.recording.s3_retry import Backoff
from drone_ai.adapters.recording.s3_store import RecordingRef, S3RecordingStore, parse_s3_uri
from drone_ai.errors import RecordingStoreError
from tests.moto_server import MotoServer, free_port, moto_server

_MIB = 1024 * 1024
_buckets = itertools.count()


@pytest.fixture(scope="module")
def server() -> Iterator[MotoServer]:
    with moto_server() as running:
        yield running


@pytest.fixture
def bucket(server: MotoServer) -> str:
    return server.make_bucket(f"recordings-{next(_buckets)}")


def _store(server: MotoServer, bucket: str, **options: object) -> S3RecordingStore:
    return S3RecordingStore(
        bucket,
        "fleet/recordings",
        endpoint_url=server.endpoint_url,
        region="us-east-1",
        **options,  # type: ignore[arg-type]
    )


def _write(path: Path, size: int) -> str:
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_upload_list_download_round_trip_keeps_every_byte(
    server: MotoServer, bucket: str, tmp_path: Path
) -> None:
    store = _store(server, bucket)
    sent = {}
    for flight, recording, name in [
        ("uav-1", "20260101T000000Z", "input.000001.ts"),
        ("uav-1", "20260101T000000Z", "input.000001.ts.idx"),
        ("uav-1", "20260101T010000Z-1", "events.000001.jsonl"),
        ("uav-2", "20260102T000000Z", "input.000001.ts"),
    ]:
        local = tmp_path / f"{flight}-{recording}-{name}"
        sha = _write(local, 200_000)
        stored = store.upload(local, store.key_for(flight, recording, name))
        assert stored.sha256 == sha
        assert stored.key == f"fleet/recordings/{flight}/{recording}/{name}"
        sent[stored.key] = sha
    assert store.list_recordings() == [
        RecordingRef("uav-1", "20260101T000000Z"),
        RecordingRef("uav-1", "20260101T010000Z-1"),
        RecordingRef("uav-2", "20260102T000000Z"),
    ]
    assert store.list_recordings("uav-2") == [RecordingRef("uav-2", "20260102T000000Z")]
    assert store.list_files(RecordingRef("uav-1", "20260101T000000Z")) == [
        "input.000001.ts",
        "input.000001.ts.idx",
    ]
    for key, sha in sent.items():
        head = server.client().head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        assert head["ChecksumSHA256"] == base64.b64encode(bytes.fromhex(sha)).decode()
        target = tmp_path / "back" / key.replace("/", "_")
        target.parent.mkdir(exist_ok=True)
        assert store.download(key, target).sha256 == sha
        assert hashlib.sha256(target.read_bytes()).hexdigest() == sha


def test_file_above_the_threshold_goes_multipart_and_is_verified(
    server: MotoServer, bucket: str, tmp_path: Path
) -> None:
    store = _store(server, bucket, multipart_threshold_bytes=5 * _MIB, part_bytes=5 * _MIB)
    local = tmp_path / "input.000001.ts"
    sha = _write(local, 12 * _MIB)
    key = store.key_for("uav-1", "20260101T000000Z", local.name)
    started = time.monotonic()
    stored = store.upload(local, key)
    elapsed_s = time.monotonic() - started
    print(f"12 MiB multipart upload with verification: {elapsed_s:.2f} s")
    assert stored.sha256 == sha
    assert stored.size_bytes == 12 * _MIB
    head = server.client().head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head["ETag"].strip('"').endswith("-3")  # three parts: 5 + 5 + 2 MiB
    data = local.read_bytes()
    parts = [hashlib.sha256(data[i : i + 5 * _MIB]).digest() for i in range(0, len(data), 5 * _MIB)]
    composite = base64.b64encode(hashlib.sha256(b"".join(parts)).digest()).decode()
    assert head["ChecksumSHA256"].split("-")[0] == composite
    assert head["Metadata"]["sha256"] == sha
    back = tmp_path / "back.ts"
    store.download(key, back)
    assert back.read_bytes() == data


def test_file_at_the_threshold_goes_in_one_put(
    server: MotoServer, bucket: str, tmp_path: Path
) -> None:
    store = _store(server, bucket, multipart_threshold_bytes=5 * _MIB, part_bytes=5 * _MIB)
    local = tmp_path / "input.000001.ts"
    sha = _write(local, 5 * _MIB)
    key = store.key_for("uav-1", "r1", local.name)
    store.upload(local, key)
    head = server.client().head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert "-" not in head["ETag"]
    assert head["ChecksumSHA256"] == base64.b64encode(bytes.fromhex(sha)).decode()


def test_fetch_flight_brings_each_recording_to_the_cache_manifest_included(
    server: MotoServer, bucket: str, tmp_path: Path
) -> None:
    store = _store(server, bucket)
    sums = {}
    for recording in ("20260101T000000Z", "20260101T000000Z-1"):
        for name in ("input.000001.ts", "input.000001.ts.idx", "manifest.json"):
            local = tmp_path / "src" / recording / name
            local.parent.mkdir(parents=True, exist_ok=True)
            sums[(recording, name)] = _write(local, 3000)
            store.upload(local, store.key_for("uav-7", recording, name))
    folders = store.fetch_flight("uav-7", tmp_path / "cache")
    assert folders == [
        tmp_path / "cache" / "uav-7" / "20260101T000000Z",
        tmp_path / "cache" / "uav-7" / "20260101T000000Z-1",
    ]
    for (recording, name), sha in sums.items():
        fetched = tmp_path / "cache" / "uav-7" / recording / name
        assert hashlib.sha256(fetched.read_bytes()).hexdigest() == sha
    with pytest.raises(RecordingStoreError, match="recordings expected, found none"):
        store.fetch_flight("uav-unknown", tmp_path / "cache")


def test_object_changed_in_s3_fails_its_download_and_leaves_no_file(
    server: MotoServer, bucket: str, tmp_path: Path
) -> None:
    store = _store(server, bucket, backoff=Backoff(0.05, 0.1, deadline_s=0.3))
    local = tmp_path / "input.000001.ts"
    sha = _write(local, 1000)
    key = store.key_for("uav-1", "r1", local.name)
    store.upload(local, key)
    # Another writer's bytes under the old metadata: what S3 holds is no longer what we sent.
    server.client().put_object(Bucket=bucket, Key=key, Body=b"x" * 1000, Metadata={"sha256": sha})
    target = tmp_path / "back.ts"
    with pytest.raises(RecordingStoreError, match="SHA-256"):
        store.download(key, target)
    assert not target.exists()
    assert list(tmp_path.glob("back.ts*")) == []


def test_missing_bucket_is_refused_at_once_not_retried(server: MotoServer, tmp_path: Path) -> None:
    store = _store(server, "no-such-bucket", backoff=Backoff(1.0, 5.0, deadline_s=60.0))
    local = tmp_path / "input.000001.ts"
    _write(local, 100)
    started = time.monotonic()
    with pytest.raises(RecordingStoreError, match="NoSuchBucket"):
        store.upload(local, "a/b/c")
    assert time.monotonic() - started < 5.0


def test_unreachable_endpoint_is_an_error_once_the_deadline_passes(tmp_path: Path) -> None:
    local = tmp_path / "input.000001.ts"
    _write(local, 100)
    store = S3RecordingStore(
        "some-bucket",
        endpoint_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        region="us-east-1",
        backoff=Backoff(0.1, 0.4, deadline_s=1.5),
        connect_timeout_s=0.5,
        read_timeout_s=0.5,
    )
    started = time.monotonic()
    with pytest.raises(RecordingStoreError, match=r"failed after \d+ attempt"):
        store.upload(local, "k")
    assert 1.0 <= time.monotonic() - started < 10.0


def test_endpoint_hung_for_3_s_is_outlasted(
    server: MotoServer, bucket: str, tmp_path: Path
) -> None:
    store = _store(
        server,
        bucket,
        backoff=Backoff(0.2, 1.0, deadline_s=30.0),
        connect_timeout_s=0.5,
        read_timeout_s=1.0,
    )
    local = tmp_path / "input.000001.ts"
    sha = _write(local, 300_000)
    key = store.key_for("uav-1", "r1", local.name)
    results: list[object] = []
    server.pause()
    try:
        uploader = threading.Thread(target=lambda: results.append(store.upload(local, key)))
        started = time.monotonic()
        uploader.start()
        time.sleep(3.0)
        assert results == []
    finally:
        server.resume()
    uploader.join(30.0)
    print(f"upload through a 3 s hang took {time.monotonic() - started:.1f} s")
    assert len(results) == 1
    head = server.client().head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == base64.b64encode(bytes.fromhex(sha)).decode()


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3://bucket/prefix/flight", ("bucket", "prefix/flight")),
        ("s3://bucket", ("bucket", "")),
        ("s3://bucket/prefix/", ("bucket", "prefix")),
    ],
    ids=["flight", "bucket-only", "trailing-slash"],
)
def test_s3_uri_is_split_into_bucket_and_path(uri: str, expected: tuple[str, str]) -> None:
    assert parse_s3_uri(uri) == expected


@pytest.mark.parametrize("uri", ["http://bucket/x", "s3://", "s3:///x", "bucket/x"])
def test_what_is_not_an_s3_uri_is_refused(uri: str) -> None:
    with pytest.raises(RecordingStoreError, match="an S3 URI expected"):
        parse_s3_uri(uri)

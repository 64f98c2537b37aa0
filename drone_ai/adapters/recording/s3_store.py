"""Recordings in S3 (or an S3-compatible store) through boto3.

Keys: `<prefix>/<flight_id>/<recording_id>/<file name>` (the recording contract). Every
object is written with an SHA-256 checksum S3 checks on receipt (ChecksumSHA256: of the whole
body for a single PUT, of each part for a multipart upload) and read back with HEAD before an
upload counts as done: the full-object checksum, or for multipart the composite S3 computes
(the SHA-256 of the parts' SHA-256 digests, concatenated), which we compute from our own part
boundaries. The whole file's SHA-256 (hex, as in manifest.json) also travels as the object's
metadata `sha256`, which downloads check and which is the fallback for servers without
checksums. Credentials come from boto3's standard chain (environment, profile, instance role).

Sizes are bytes, times seconds. boto3 types never leave this module.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from drone_ai.adapters.file_digest import file_sha256
from drone_ai.adapters.recording.s3_retry import Backoff, is_transient
from drone_ai.errors import RecordingStoreError

_log = logging.getLogger(__name__)

_MIB = 1024 * 1024
_MIN_PART_BYTES = 5 * _MIB  # S3's smallest part (all but the last)
_MAX_PARTS = 10_000  # S3's most parts in one upload
_READ_BLOCK = _MIB
_SHA256_METADATA = "sha256"
_STORE_BACKOFF = Backoff()
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RecordingRef:
    """One recording: `<flight_id>/<recording_id>` under the store's prefix."""

    flight_id: str
    recording_id: str


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object S3 holds with the SHA-256 (hex) we confirmed for it."""

    key: str
    size_bytes: int
    sha256: str


class _IntegrityMismatchError(Exception):
    """S3 holds something other than what was sent: the upload is made again."""


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/some/path` as (bucket, "some/path"); the path may be empty."""
    if not uri.startswith("s3://") or not uri[5:].split("/", 1)[0]:
        raise RecordingStoreError(f"an S3 URI expected (s3://bucket/prefix/...), got {uri!r}")
    bucket, _, path = uri[5:].partition("/")
    return bucket, path.strip("/")


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


class S3RecordingStore:
    """Uploads, lists and downloads recording files, each checked by SHA-256."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "recordings",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        multipart_threshold_bytes: int = 64 * _MIB,
        part_bytes: int = 16 * _MIB,
        backoff: Backoff = _STORE_BACKOFF,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 60.0,
        rng: random.Random | None = None,
    ) -> None:
        if not bucket or "/" in bucket:
            raise RecordingStoreError(f"S3 bucket: a bucket name expected, got {bucket!r}")
        if part_bytes < _MIN_PART_BYTES:
            raise RecordingStoreError(
                f"S3 part_bytes: at least {_MIN_PART_BYTES} (S3's minimum part) expected, "
                f"got {part_bytes}"
            )
        if multipart_threshold_bytes < 1:
            raise RecordingStoreError(
                f"S3 multipart_threshold_bytes: a positive size expected, "
                f"got {multipart_threshold_bytes}"
            )
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._threshold = multipart_threshold_bytes
        self._part_bytes = part_bytes
        self._backoff = backoff
        self._rng = rng or random.Random()
        config = Config(
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=connect_timeout_s,
            read_timeout=read_timeout_s,
        )
        session = boto3.session.Session()
        self._s3: Any = session.client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config
        )

    def key_for(self, flight_id: str, recording_id: str, name: str) -> str:
        for label, part in (("flight_id", flight_id), ("recording_id", recording_id)):
            if not part or "/" in part or part in (".", ".."):
                raise RecordingStoreError(f"S3 key: a {label} without '/' expected, got {part!r}")
        return "/".join(p for p in (self.prefix, flight_id, recording_id, name) if p)

    def upload(
        self, local_file: Path, key: str, *, stop: threading.Event | None = None
    ) -> StoredObject:
        """Puts the file at `key` and returns once S3 confirms its SHA-256. Transient failures
        are retried with backoff until the backoff's deadline (or `stop` is set); then, and for
        any other failure, RecordingStoreError."""
        return self._retrying(
            f"upload {local_file} to s3://{self.bucket}/{key}",
            lambda: self._put_verified(local_file, key),
            stop,
        )

    def upload_bytes(
        self, data: bytes, key: str, *, stop: threading.Event | None = None
    ) -> StoredObject:
        """Like `upload`, for a small body already in memory (a manifest's snapshot)."""
        sha = hashlib.sha256(data).digest()

        def put() -> StoredObject:
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=_b64(sha),
                Metadata={_SHA256_METADATA: sha.hex()},
            )
            return self._verify(key, len(data), sha.hex(), _b64(sha))

        return self._retrying(f"upload {len(data)} bytes to s3://{self.bucket}/{key}", put, stop)

    def list_recordings(self, flight_id: str | None = None) -> list[RecordingRef]:
        """The recordings under the prefix (of one flight, if given), sorted."""
        flights = [flight_id] if flight_id is not None else self._children(self._folder())
        found = []
        for flight in flights:
            for recording in self._children(self._folder(flight)):
                found.append(RecordingRef(flight, recording))
        return sorted(found, key=lambda ref: (ref.flight_id, ref.recording_id))

    def list_files(self, ref: RecordingRef) -> list[str]:
        """The file names S3 holds for a recording, sorted."""
        folder = self._folder(ref.flight_id, ref.recording_id)
        names: list[str] = []
        pages = self._call("list", lambda: list(self._paginate(Prefix=folder)))
        for page in pages:
            names.extend(item["Key"][len(folder) :] for item in page.get("Contents", []))
        return sorted(name for name in names if name and "/" not in name)

    def download(
        self, key: str, local_file: Path, *, stop: threading.Event | None = None
    ) -> StoredObject:
        """Fetches `key` into `local_file` (via a temporary name, so a partial download never
        stands as the file) and checks its SHA-256 against the one stored with it."""
        return self._retrying(
            f"download s3://{self.bucket}/{key} to {local_file}",
            lambda: self._get_verified(key, local_file),
            stop,
        )

    def fetch_recording(self, ref: RecordingRef, cache_dir: Path) -> Path:
        """The whole recording under `cache_dir/<flight_id>/<recording_id>/`, manifest last;
        files already there with the right SHA-256 are not fetched again."""
        folder = cache_dir / ref.flight_id / ref.recording_id
        folder.mkdir(parents=True, exist_ok=True)
        names = self.list_files(ref)
        if not names:
            raise RecordingStoreError(
                f"s3://{self.bucket}/{self._folder(ref.flight_id, ref.recording_id)}: "
                "a recording expected, found no files"
            )
        for name in sorted(names, key=lambda n: n == "manifest.json"):
            key = self.key_for(ref.flight_id, ref.recording_id, name)
            target = folder / name
            if target.exists() and file_sha256(target) == self._stored_sha256(key):
                continue
            self.download(key, target)
        return folder

    def fetch_flight(self, flight_id: str, cache_dir: Path) -> list[Path]:
        """Every recording of a flight (s3://bucket/prefix/flight), fetched to `cache_dir`."""
        refs = self.list_recordings(flight_id)
        if not refs:
            raise RecordingStoreError(
                f"s3://{self.bucket}/{self._folder(flight_id)}: recordings expected, found none"
            )
        return [self.fetch_recording(ref, cache_dir) for ref in refs]

    # -- the S3 calls ------------------------------------------------------------------------

    def _put_verified(self, path: Path, key: str) -> StoredObject:
        # Digest per attempt: a retry then sends exactly what the file holds now.
        size = path.stat().st_size
        sha = file_sha256(path)
        if size > self._threshold:
            expected = self._put_multipart(path, key, size, sha)
        else:
            with path.open("rb") as body:
                self._s3.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ContentLength=size,
                    ChecksumAlgorithm="SHA256",
                    ChecksumSHA256=_b64(bytes.fromhex(sha)),
                    Metadata={_SHA256_METADATA: sha},
                )
            expected = _b64(bytes.fromhex(sha))
        return self._verify(key, size, sha, expected)

    def _put_multipart(self, path: Path, key: str, size: int, sha: str) -> str:
        """Uploads in parts, each with its own SHA-256; returns the composite checksum S3
        should report. One part at a time is held in memory."""
        part_bytes = max(self._part_bytes, -(-size // _MAX_PARTS))
        upload = self._s3.create_multipart_upload(
            Bucket=self.bucket,
            Key=key,
            ChecksumAlgorithm="SHA256",
            Metadata={_SHA256_METADATA: sha},
        )
        upload_id = upload["UploadId"]
        parts: list[dict[str, Any]] = []
        digests: list[bytes] = []
        try:
            with path.open("rb") as stream:
                while chunk := stream.read(part_bytes):
                    digest = hashlib.sha256(chunk).digest()
                    number = len(parts) + 1
                    answer = self._s3.upload_part(
                        Bucket=self.bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=chunk,
                        ChecksumSHA256=_b64(digest),
                    )
                    parts.append(
                        {
                            "ETag": answer["ETag"],
                            "PartNumber": number,
                            "ChecksumSHA256": _b64(digest),
                        }
                    )
                    digests.append(digest)
            self._s3.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            # Left alone, an unfinished upload's parts are kept (and billed) by S3.
            try:
                self._s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            except (BotoCoreError, ClientError) as exc:
                _log.warning("could not abort multipart upload of %s: %s", key, exc)
            raise
        return _b64(hashlib.sha256(b"".join(digests)).digest())

    def _verify(self, key: str, size: int, sha: str, expected_checksum: str) -> StoredObject:
        head = self._s3.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        if int(head["ContentLength"]) != size:
            raise _IntegrityMismatchError(
                f"s3://{self.bucket}/{key}: {size} bytes expected, S3 holds {head['ContentLength']}"
            )
        reported = head.get("ChecksumSHA256")
        if reported is not None:
            # Real S3 writes a multipart composite as "<base64>-<parts>"; moto leaves it off.
            if str(reported).split("-", 1)[0] != expected_checksum:
                raise _IntegrityMismatchError(
                    f"s3://{self.bucket}/{key}: SHA-256 checksum {expected_checksum} expected, "
                    f"S3 reports {reported}"
                )
        elif head.get("Metadata", {}).get(_SHA256_METADATA) != sha:
            raise _IntegrityMismatchError(
                f"s3://{self.bucket}/{key}: metadata sha256 {sha} expected, "
                f"got {head.get('Metadata', {}).get(_SHA256_METADATA)!r}"
            )
        return StoredObject(key, size, sha)

    def _stored_sha256(self, key: str) -> str:
        head = self._call(key, lambda: self._s3.head_object(Bucket=self.bucket, Key=key))
        sha = head.get("Metadata", {}).get(_SHA256_METADATA)
        if not isinstance(sha, str) or len(sha) != 64:
            raise RecordingStoreError(
                f"s3://{self.bucket}/{key}: a sha256 metadata entry expected, got {sha!r}"
            )
        return sha

    def _get_verified(self, key: str, local_file: Path) -> StoredObject:
        expected = self._stored_sha256(key)
        partial = local_file.with_name(local_file.name + ".part")
        digest = hashlib.sha256()
        size = 0
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            with partial.open("wb") as out:
                for block in body.iter_chunks(_READ_BLOCK):
                    digest.update(block)
                    out.write(block)
                    size += len(block)
                out.flush()
                os.fsync(out.fileno())
        finally:
            body.close()
        if digest.hexdigest() != expected:
            partial.unlink(missing_ok=True)
            raise _IntegrityMismatchError(
                f"s3://{self.bucket}/{key}: SHA-256 {expected} expected, "
                f"downloaded {digest.hexdigest()}"
            )
        partial.replace(local_file)
        return StoredObject(key, size, expected)

    def _folder(self, *parts: str) -> str:
        return "".join(p + "/" for p in (self.prefix, *parts) if p)

    def _paginate(self, **arguments: Any) -> Any:
        return self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, **arguments)

    def _children(self, folder: str) -> list[str]:
        pages = self._call(folder, lambda: list(self._paginate(Prefix=folder, Delimiter="/")))
        return [
            entry["Prefix"][len(folder) :].rstrip("/")
            for page in pages
            for entry in page.get("CommonPrefixes", [])
        ]

    def _call(self, what: str, call: Callable[[], _T]) -> _T:
        return self._retrying(f"s3://{self.bucket}/{what}", call, None)

    def _retrying(self, what: str, call: Callable[[], _T], stop: threading.Event | None) -> _T:
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except (BotoCoreError, ClientError, _IntegrityMismatchError, OSError) as exc:
                failure: Exception = exc
            elapsed_s = time.monotonic() - started
            retry = isinstance(failure, _IntegrityMismatchError) or is_transient(failure)
            delay_s = self._backoff.delay_s(attempt, self._rng)
            if not retry or elapsed_s + delay_s > self._backoff.deadline_s:
                raise RecordingStoreError(
                    f"{what}: failed after {attempt} attempt(s) over {elapsed_s:.1f} s: {failure}"
                ) from failure
            _log.warning(
                "%s: attempt %d failed (%s); retrying in %.2f s", what, attempt, failure, delay_s
            )
            if stop is not None:
                if stop.wait(delay_s):
                    raise RecordingStoreError(f"{what}: stopped while retrying") from failure
            else:
                time.sleep(delay_s)

"""The artifact bucket: release wheels under `releases/<version>/<wheel file>`, each sent with
its SHA-256 for S3 to check and read back before it counts, and the release history beside
them. The bucket is made when missing: encrypted (SSE-S3), public access blocked, versioned
(so an overwritten history can be got back).

boto3 types never leave this module.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from drone_ai.adapters.aws.clients import AWS_ERRORS, aws_client, describe
from drone_ai.adapters.aws.release_history import HISTORY_KEY
from drone_ai.adapters.file_digest import file_sha256
from drone_ai.errors import DeployError

_SHA256_METADATA = "sha256"


class S3ArtifactBucket:
    def __init__(self, bucket: str, region: str, endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.region = region
        self._s3: Any = aws_client("s3", region, endpoint_url)

    def ensure(self) -> bool:
        """Make the bucket if it is missing (True when made); refuse one we may not use."""
        try:
            self._s3.head_bucket(Bucket=self.bucket)
            return False
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise DeployError(
                    f"artifact bucket {self.bucket}: ours to use expected, got {describe(exc)}"
                ) from exc
        except AWS_ERRORS as exc:
            raise DeployError(f"artifact bucket {self.bucket}: {describe(exc)}") from exc
        arguments: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":  # us-east-1 takes no location constraint
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self._s3.create_bucket(**arguments)
            self._s3.put_public_access_block(
                Bucket=self.bucket,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
            self._s3.put_bucket_encryption(
                Bucket=self.bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
            self._s3.put_bucket_versioning(
                Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"}
            )
        except AWS_ERRORS as exc:
            raise DeployError(
                f"artifact bucket {self.bucket}: could not be made: {describe(exc)}"
            ) from exc
        return True

    def upload(self, path: Path, key: str) -> str:
        """Put the file at `key`; its SHA-256 (hex) once S3 holds the same."""
        try:
            sha256 = file_sha256(path)
        except OSError as exc:
            raise DeployError(f"{path}: a readable wheel expected: {exc}") from exc
        checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
        try:
            with path.open("rb") as body:
                self._s3.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ChecksumSHA256=checksum,
                    Metadata={_SHA256_METADATA: sha256},
                )
            head = self._s3.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except (*AWS_ERRORS, OSError) as exc:  # type: ignore[misc]
            raise DeployError(f"s3://{self.bucket}/{key}: upload failed: {describe(exc)}") from exc
        held = head.get("ChecksumSHA256")
        if held is not None and held != checksum:
            raise DeployError(
                f"s3://{self.bucket}/{key}: SHA-256 {checksum} expected, S3 holds {held}"
            )
        return sha256

    def read_history(self) -> str | None:
        """The history's text; None when there is none yet."""
        try:
            answer = self._s3.get_object(Bucket=self.bucket, Key=HISTORY_KEY)
            body: bytes = answer["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise DeployError(f"s3://{self.bucket}/{HISTORY_KEY}: {describe(exc)}") from exc
        except AWS_ERRORS as exc:
            raise DeployError(f"s3://{self.bucket}/{HISTORY_KEY}: {describe(exc)}") from exc
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DeployError(f"s3://{self.bucket}/{HISTORY_KEY}: UTF-8 JSON expected") from exc

    def write_history(self, text: str) -> None:
        body = text.encode("utf-8")
        try:
            self._s3.put_object(
                Bucket=self.bucket,
                Key=HISTORY_KEY,
                Body=body,
                ContentType="application/json",
                ChecksumSHA256=base64.b64encode(hashlib.sha256(body).digest()).decode(),
            )
        except AWS_ERRORS as exc:
            raise DeployError(f"s3://{self.bucket}/{HISTORY_KEY}: {describe(exc)}") from exc

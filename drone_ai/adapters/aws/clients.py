"""boto3 clients for deploying, and AWS errors in words. Credentials and region come from
boto3's standard chain (environment, profile, SSO) unless given."""

from __future__ import annotations

from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
from botocore.parsers import ResponseParserError  # type: ignore[import-untyped]

from drone_ai.errors import DeployError

# What a call to AWS may raise: refused, unreachable, or an answer that is not AWS's (a
# proxy's or a broken server's error page).
AWS_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError, ResponseParserError)

# Bounded: a deploy that cannot reach AWS says so within minutes, never hangs.
_CONFIG = Config(
    connect_timeout=10, read_timeout=60, retries={"max_attempts": 5, "mode": "standard"}
)


def resolve_region(region: str | None) -> str:
    """The region given, else boto3's (AWS_REGION, AWS_DEFAULT_REGION, the profile's)."""
    found = region or boto3.session.Session().region_name
    if not found:
        raise DeployError("a region expected (--region, AWS_REGION or the profile's), got none")
    return str(found)


def aws_client(service: str, region: str, endpoint_url: str | None) -> Any:
    return boto3.session.Session().client(
        service, region_name=region, endpoint_url=endpoint_url, config=_CONFIG
    )


def account_id(region: str, endpoint_url: str | None) -> str:
    try:
        return str(aws_client("sts", region, endpoint_url).get_caller_identity()["Account"])
    except AWS_ERRORS as exc:
        raise DeployError(f"AWS credentials that work expected: {describe(exc)}") from exc


def describe(exc: BaseException) -> str:
    """An AWS error as `Code: message`, anything else as itself."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', '?')}: {error.get('Message', exc)}"
    return f"{type(exc).__name__}: {exc}"

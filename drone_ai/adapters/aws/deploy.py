"""`drone-ai deploy`: build the wheel, upload it as a release, roll the stack out to it and
record that; or roll the stack back to the release deployed before its current one.

The order keeps the history true to the stack: a release is recorded once S3 holds it, a
deployment once the stack's rollout completed. Times are microseconds since the Unix epoch.
"""

from __future__ import annotations

import ipaddress
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drone_ai.adapters.aws.artifacts import S3ArtifactBucket
from drone_ai.adapters.aws.clients import account_id, resolve_region
from drone_ai.adapters.aws.images import image_parameter_for, resolve_image
from drone_ai.adapters.aws.release_history import (
    Action,
    Deployment,
    Release,
    ReleaseHistory,
    release_version,
)
from drone_ai.adapters.aws.stack import CloudFormationStack, Outcome
from drone_ai.adapters.aws.wheel import build_wheel
from drone_ai.adapters.file_digest import file_sha256
from drone_ai.errors import DeployError

TEMPLATE_PATH = Path("infra/cloudformation/tower.yaml")
MAX_PARTNER_CIDRS = 4

Progress = Callable[[str], None]
Clock = Callable[[], int]


@dataclass(frozen=True, slots=True)
class DeployRequest:
    """What `drone-ai deploy` was asked. On an update, a value left None keeps the stack's;
    partner CIDRs given replace all four (the rest emptied)."""

    stack_name: str
    source: Path  # the repository's root: setup.cfg and infra/cloudformation/tower.yaml
    region: str | None = None
    endpoint_url: str | None = None
    artifact_bucket: str | None = None  # default: drone-ai-artifacts-<account>-<region>
    wheel: Path | None = None  # default: built from `source`
    vpc_id: str | None = None
    subnet_id: str | None = None
    partner_cidrs: tuple[str, ...] = ()
    admin_cidr: str | None = None
    instance_type: str | None = None
    key_name: str | None = None
    # The AMI: read from this SSM parameter (default: by instance type, images.py) when the
    # stack is made, when a parameter is given, or with refresh_image; else the stack's kept.
    image_parameter: str | None = None
    refresh_image: bool = False
    mutual_tls: bool | None = None  # partners show client certificates too (None: keep)
    poll_s: float = 15.0
    max_wait_s: float = 3600.0


@dataclass(frozen=True, slots=True)
class DeployResult:
    stack_name: str
    outcome: Outcome
    action: Action
    release: Release
    artifact_bucket: str
    endpoint: str


def deploy(request: DeployRequest, now_us: Clock, progress: Progress) -> DeployResult:
    """A new release on the stack (made if missing); what it came to and its endpoint."""
    region = resolve_region(request.region)
    template = _template(request.source)
    stack = _stack(request, region)
    exists = stack.status() is not None
    if exists:
        stack.require_updatable()
    settings = _stack_settings(request, creating=not exists)
    settings["ImageId"] = _image_id(request, region, stack if exists else None, progress)
    bucket = _artifact_bucket(request, region, stack if exists else None)
    if bucket.ensure():
        progress(f"made artifact bucket s3://{bucket.bucket} (encrypted, public access blocked)")
    history = _history(bucket)

    with tempfile.TemporaryDirectory(prefix="drone-ai-wheel-") as scratch:
        wheel = request.wheel
        if wheel is None:
            progress(f"building the wheel from {request.source}")
            wheel = build_wheel(request.source, Path(scratch))
        package_version = _package_version(wheel)
        sha256 = file_sha256(wheel)
        version = _unused_version(history, release_version(package_version, sha256, now_us()))
        key = f"releases/{version}/{wheel.name}"
        uploaded = bucket.upload(wheel, key)
        if uploaded != sha256:
            raise DeployError(f"{wheel}: changed while it was uploaded ({sha256} -> {uploaded})")
        release = Release(version, key, sha256, wheel.stat().st_size, now_us())
    progress(f"uploaded s3://{bucket.bucket}/{key} (sha256 {sha256})")
    history = history.with_release(release)
    bucket.write_history(history.to_json())

    rollout: dict[str, str | None] = {
        **settings,
        "ArtifactBucket": bucket.bucket,
        "WheelKey": key,
        "ReleaseVersion": version,
    }
    progress(f"{'updating' if exists else 'creating'} stack {stack.name} to release {version}")
    if exists:
        outcome = stack.update(template, rollout)
    else:
        outcome = stack.create(template, {k: v for k, v in rollout.items() if v is not None})
    return _record(stack, bucket, history, release, Action.DEPLOY, outcome, now_us)


def rollback(request: DeployRequest, now_us: Clock, progress: Progress) -> DeployResult:
    """The stack back on the release deployed before its current one, its template and other
    parameters as they are."""
    region = resolve_region(request.region)
    stack = _stack(request, region)
    bucket = _artifact_bucket(request, region, stack)
    history = _history(bucket)
    current = history.current(stack.name)
    running = stack.parameters().get("ReleaseVersion")
    if current is not None and running != current.version:
        # The history missed a deployment (or the stack was changed by hand): stepping back
        # from a release the stack does not run could land anywhere.
        raise DeployError(
            f"rollback: stack {stack.name} runs release {running}, the history says "
            f"{current.version}; deploy (or update the stack) to a known release first"
        )
    target = history.rollback_target(stack.name)
    progress(f"rolling stack {stack.name} back to release {target.version}")
    outcome = stack.update(None, {"WheelKey": target.wheel_key, "ReleaseVersion": target.version})
    return _record(stack, bucket, history, target, Action.ROLLBACK, outcome, now_us)


def _stack(request: DeployRequest, region: str) -> CloudFormationStack:
    return CloudFormationStack(
        request.stack_name,
        region,
        request.endpoint_url,
        poll_s=request.poll_s,
        max_wait_s=request.max_wait_s,
    )


def _record(
    stack: CloudFormationStack,
    bucket: S3ArtifactBucket,
    history: ReleaseHistory,
    release: Release,
    action: Action,
    outcome: Outcome,
    now_us: Clock,
) -> DeployResult:
    """The deployment in the history (the stack now runs the release), and the endpoint."""
    history = history.with_deployment(Deployment(stack.name, release.version, action, now_us()))
    bucket.write_history(history.to_json())
    outputs = stack.outputs()
    if outputs.get("ReleaseVersion", release.version) != release.version:
        raise DeployError(
            f"stack {stack.name}: release {release.version} expected in its outputs, got "
            f"{outputs['ReleaseVersion']}"
        )
    endpoint = outputs.get("Endpoint")
    if not endpoint:
        raise DeployError(f"stack {stack.name}: an Endpoint output expected, got {outputs}")
    return DeployResult(stack.name, outcome, action, release, bucket.bucket, endpoint)


def _stack_settings(request: DeployRequest, *, creating: bool) -> dict[str, str | None]:
    """The template's parameters from the request: checked, and complete when creating."""
    cidrs = tuple(_cidr(text, "--partner-cidr") for text in request.partner_cidrs)
    if len(cidrs) > MAX_PARTNER_CIDRS:
        raise DeployError(
            f"--partner-cidr: 1 to {MAX_PARTNER_CIDRS} expected, got {len(cidrs)}: {cidrs}"
        )
    settings: dict[str, str | None] = {
        "VpcId": request.vpc_id,
        "SubnetId": request.subnet_id,
        "AdminCidr": None
        if request.admin_cidr is None
        else _cidr(request.admin_cidr, "--admin-cidr"),
        "InstanceType": request.instance_type,
        "KeyName": request.key_name,
        "MutualTls": None if request.mutual_tls is None else str(request.mutual_tls).lower(),
    }
    for number in range(1, MAX_PARTNER_CIDRS + 1):
        given = cidrs[number - 1] if number <= len(cidrs) else ""
        settings[f"PartnerCidr{number}"] = given if cidrs else None
    if creating:
        missing = [
            option
            for option, value in (
                ("--vpc-id", request.vpc_id),
                ("--subnet-id", request.subnet_id),
                ("--partner-cidr", cidrs[0] if cidrs else None),
                ("--admin-cidr", request.admin_cidr),
            )
            if not value
        ]
        if missing:
            raise DeployError(
                f"stack {request.stack_name} is new: {', '.join(missing)} expected, not given"
            )
    return settings


def _image_id(
    request: DeployRequest,
    region: str,
    stack: CloudFormationStack | None,
    progress: Progress,
) -> str | None:
    """The AMI for a new stack, or on refresh; None to keep the stack's."""
    if stack is not None and request.image_parameter is None and not request.refresh_image:
        return None
    instance_type = request.instance_type
    if instance_type is None and stack is not None:
        instance_type = stack.parameters().get("InstanceType")
    parameter = request.image_parameter or image_parameter_for(instance_type or "")
    image_id = resolve_image(parameter, region, request.endpoint_url)
    progress(f"image {image_id} (from {parameter})")
    return image_id


def _cidr(text: str, option: str) -> str:
    try:
        return str(ipaddress.IPv4Network(text, strict=True))
    except ValueError as exc:
        raise DeployError(
            f"{option}: an IPv4 network such as 10.20.0.0/16 expected, got {text!r} ({exc})"
        ) from exc


def _template(source: Path) -> str:
    path = source / TEMPLATE_PATH
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DeployError(
            f"the template expected at {path} (is {source} the repository?): {exc}"
        ) from exc


def _artifact_bucket(
    request: DeployRequest, region: str, stack: CloudFormationStack | None
) -> S3ArtifactBucket:
    """The bucket asked for; else the one the stack's releases come from (its history is
    there); else the account's default."""
    name = request.artifact_bucket
    if name is None and stack is not None:
        name = stack.parameters().get("ArtifactBucket") or None
    if name is None:
        name = f"drone-ai-artifacts-{account_id(region, request.endpoint_url)}-{region}"
    return S3ArtifactBucket(name, region, request.endpoint_url)


def _history(bucket: S3ArtifactBucket) -> ReleaseHistory:
    text = bucket.read_history()
    return ReleaseHistory() if text is None else ReleaseHistory.from_json(text)


def _package_version(wheel: Path) -> str:
    # A wheel's name is {distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl.
    parts = wheel.name.removesuffix(".whl").split("-")
    if not wheel.name.endswith(".whl") or len(parts) < 5 or parts[0] != "drone_ai":
        raise DeployError(f"--wheel: a drone_ai-<version>-...whl file expected, got {wheel.name}")
    if not wheel.is_file():
        raise DeployError(f"--wheel: a wheel file expected, {wheel} is none")
    return parts[1]


def _unused_version(history: ReleaseHistory, version: str) -> str:
    """Two releases of the same wheel within one second get `.2`, `.3`, ... after the first."""
    known = {release.version for release in history.releases}
    candidate, number = version, 1
    while candidate in known:
        number += 1
        candidate = f"{version}.{number}"
    return candidate

"""The AMI a stack's instance runs, read by `drone-ai deploy` from a public SSM parameter when
the stack is made (or when asked to refresh it) and kept on every other update.

CloudFormation re-reads an SSM-typed template parameter at every update: the day AWS publishes
a newer image, an upgrade of the wheel alone would replace the instance (a new address, and
whatever its spool still held lost with its volume). Resolving here and keeping the id makes
an image change something an operator asks for (`--refresh-image`).
"""

from __future__ import annotations

import re

from drone_ai.adapters.aws.clients import AWS_ERRORS, aws_client, describe
from drone_ai.errors import DeployError

# AWS's public parameters for the latest images: Amazon Linux 2023, and its Deep Learning base
# image with NVIDIA's driver for the GPU families (the default image has no GPU driver).
CPU_IMAGE_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
GPU_IMAGE_PARAMETER = (
    "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/"
    "latest/ami-id"
)
GPU_FAMILIES = ("g4dn", "g5", "g6")
_AMI_ID = re.compile(r"ami-[0-9a-f]{8,17}")


def image_parameter_for(instance_type: str) -> str:
    """The public parameter naming the right image for an instance type."""
    return GPU_IMAGE_PARAMETER if instance_type.startswith(GPU_FAMILIES) else CPU_IMAGE_PARAMETER


def resolve_image(parameter: str, region: str, endpoint_url: str | None) -> str:
    """The AMI id the SSM parameter names now; DeployError if it names none."""
    try:
        found = aws_client("ssm", region, endpoint_url).get_parameter(Name=parameter)
    except AWS_ERRORS as exc:
        raise DeployError(
            f"image: the SSM parameter {parameter} expected to name an AMI: {describe(exc)}"
        ) from exc
    value = str(found["Parameter"]["Value"])
    if not _AMI_ID.fullmatch(value):
        raise DeployError(f"image: an AMI id expected in {parameter}, got {value!r}")
    return value

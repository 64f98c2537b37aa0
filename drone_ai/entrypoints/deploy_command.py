"""`drone-ai deploy`: the tower to EC2 through CloudFormation, from this repository.

    drone-ai deploy --stack-name N --vpc-id VPC --subnet-id SUBNET --partner-cidr CIDR
                    [--partner-cidr CIDR ...] --admin-cidr CIDR [--instance-type T]
                    [--key-name K] [--artifact-bucket B] [--wheel PATH] [--source DIR]
                    [--image-parameter SSM_PATH | --refresh-image] [--mutual-tls on|off]
                    [--region R] [--endpoint-url URL]
    drone-ai deploy --stack-name N --rollback [--region R] [--endpoint-url URL]

Progress goes to stderr; the stack's Endpoint output (host:port of the gRPC service) is the
one line on stdout. Exit 0 when the stack runs the release, 2 when it could not be done.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from drone_ai import bootstrap
from drone_ai.adapters.aws.deploy import MAX_PARTNER_CIDRS, DeployRequest
from drone_ai.config import Settings
from drone_ai.errors import DeployError

_EXIT_OK = 0
_EXIT_FAILED = 2


def add_deploy(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    deploy = commands.add_parser(
        "deploy",
        help="build, upload and roll the tower out to EC2 (CloudFormation), or roll it back",
        description=__doc__.split("\n\n")[0],
        parents=[common],
    )
    deploy.add_argument("--stack-name", required=True, help="the CloudFormation stack")
    deploy.add_argument("--vpc-id", help="the VPC (needed to create the stack)")
    deploy.add_argument("--subnet-id", help="the instance's subnet (needed to create the stack)")
    deploy.add_argument(
        "--partner-cidr",
        action="append",
        default=[],
        metavar="CIDR",
        help=f"a partner network allowed to the gRPC port (1 to {MAX_PARTNER_CIDRS} times; "
        "on an update, given ones replace all)",
    )
    deploy.add_argument("--admin-cidr", help="the network allowed to metrics (and SSH)")
    deploy.add_argument("--instance-type", help="default: the template's (c7i.xlarge)")
    deploy.add_argument("--key-name", help="an EC2 key pair for SSH from --admin-cidr")
    deploy.add_argument(
        "--artifact-bucket",
        help="where releases go (default: the stack's, else drone-ai-artifacts-ACCOUNT-REGION)",
    )
    deploy.add_argument("--wheel", type=Path, help="a built wheel instead of building one")
    deploy.add_argument(
        "--image-parameter",
        metavar="SSM_PATH",
        help="the SSM parameter naming the AMI (default: AWS's Amazon Linux 2023 one, its GPU "
        "image for g4dn/g5/g6); read when the stack is made or this is given",
    )
    deploy.add_argument(
        "--mutual-tls",
        choices=("on", "off"),
        help="partners must also show a client certificate signed by the CA in SSM at "
        "<secrets prefix>/tls/client_ca (default: off; an update keeps the stack's)",
    )
    deploy.add_argument(
        "--refresh-image",
        action="store_true",
        help="read the AMI again on this update (a newer image replaces the instance); "
        "otherwise an update keeps the stack's",
    )
    deploy.add_argument(
        "--source",
        type=Path,
        default=Path(),
        help="the repository (setup.cfg, infra/cloudformation/tower.yaml); default: here",
    )
    deploy.add_argument("--region", help="default: AWS_REGION / the profile's")
    deploy.add_argument("--endpoint-url", help="another AWS endpoint (tests: moto)")
    deploy.add_argument(
        "--rollback",
        action="store_true",
        help="put the stack back on the release deployed before its current one",
    )
    # Seconds between polls of the stack while it rolls out; tests against moto poll faster.
    deploy.add_argument("--poll-s", type=float, default=15.0, help=argparse.SUPPRESS)
    deploy.set_defaults(run=_deploy)


def _deploy(args: argparse.Namespace, settings: Settings, out: TextIO, err: TextIO) -> int:
    settings_given = (
        args.wheel,
        args.partner_cidr,
        args.vpc_id,
        args.subnet_id,
        args.admin_cidr,
        args.instance_type,
        args.key_name,
        args.image_parameter,
        args.refresh_image,
        args.mutual_tls,
    )
    if args.rollback and any(settings_given):
        print(
            "drone-ai: deploy --rollback: only --stack-name, --artifact-bucket, --region and "
            "--endpoint-url expected with it",
            file=err,
        )
        return _EXIT_FAILED
    request = DeployRequest(
        stack_name=args.stack_name,
        source=args.source.resolve(),
        region=args.region,
        endpoint_url=args.endpoint_url,
        artifact_bucket=args.artifact_bucket,
        wheel=args.wheel,
        vpc_id=args.vpc_id,
        subnet_id=args.subnet_id,
        partner_cidrs=tuple(args.partner_cidr),
        admin_cidr=args.admin_cidr,
        instance_type=args.instance_type,
        key_name=args.key_name,
        image_parameter=args.image_parameter,
        refresh_image=args.refresh_image,
        mutual_tls=None if args.mutual_tls is None else args.mutual_tls == "on",
        poll_s=args.poll_s,
    )

    def progress(line: str) -> None:
        print(f"deploy: {line}", file=err, flush=True)

    try:
        result = bootstrap.deploy_tower(request, args.rollback, progress)
    except DeployError as exc:
        print(f"drone-ai: deploy: {exc}", file=err)
        return _EXIT_FAILED
    progress(
        f"stack {result.stack_name} {result.outcome.value}: release {result.release.version} "
        f"({result.action.value}), artifacts in s3://{result.artifact_bucket}"
    )
    print(result.endpoint, file=out)
    return _EXIT_OK

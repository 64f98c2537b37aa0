"""`drone-ai deploy` against moto's server on 127.0.0.1 (CloudFormation, EC2, IAM, S3, STS
on one port): the real wheel built and uploaded, the stack made from
infra/cloudformation/tower.yaml, updated by a second deploy and rolled back.

moto falls short in three places, worked around or checked otherwise here, never by changing
the template: it cannot update an EC2 instance in a stack (tests/moto_cloudformation.py adds
the in-place update CloudFormation makes); it does not apply a launch template named by
AWS::EC2::Instance (IMDSv2 is checked on the launch template the instance names); its S3
bucket resource keeps only encryption, and it has no AWS::S3::BucketPolicy (the recordings
bucket's other settings are checked in the template, in tests/unit/infra).
"""

from __future__ import annotations

import ast
import base64
import contextlib
import email
import io
import json
import shlex
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from drone_ai.adapters.aws.release_history import HISTORY_KEY, ReleaseHistory
from drone_ai.adapters.aws.stack import CloudFormationStack, Outcome
from drone_ai.config import Settings
from drone_ai.entrypoints.cli import main
from tests.moto_server import MotoServer, moto_server

REPO = Path(__file__).resolve().parents[2]
MOTO_WITH_INSTANCE_UPDATES = (str(Path(__file__).parents[1] / "moto_cloudformation.py"),)
STACK = "tower-test"
PARTNERS = ("10.20.0.0/16", "192.0.2.0/24")
ADMIN = "203.0.113.7/32"
INSTANCE_TYPE = "c7i.large"
_TOWER = "/opt/drone-ai/venv/bin/drone-ai"  # the contract: the venv on the host
ARTIFACTS = "drone-ai-artifacts-123456789012-us-east-1"  # moto's account, the default name
IMAGE_PARAMETER = "/tower-test/image"  # AWS's own /aws/service/ names cannot be written

pytestmark = pytest.mark.slow


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Deployed:
    server: MotoServer
    vpc_id: str
    subnet_id: str
    runs: dict[str, Run] = field(default_factory=dict)
    stacks: dict[str, dict[str, Any]] = field(default_factory=dict)
    user_data: dict[str, str] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)  # the image parameter's first and later

    def client(self, service: str) -> Any:
        return boto3.session.Session().client(
            service, endpoint_url=self.server.endpoint_url, region_name="us-east-1"
        )

    def outputs(self, step: str) -> dict[str, str]:
        return {item["OutputKey"]: item["OutputValue"] for item in self.stacks[step]["Outputs"]}

    def parameters(self, step: str) -> dict[str, str]:
        return {
            item["ParameterKey"]: item["ParameterValue"] for item in self.stacks[step]["Parameters"]
        }


def _deploy(*arguments: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["deploy", "--stack-name", STACK, "--poll-s", "1", *arguments])
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    """One stack's life: made by a first deploy, updated by a second, rolled back; the stack
    and its instance's user data kept after each step."""
    with pytest.MonkeyPatch.context() as patch:
        offline_index = Path("/opt/pypi/simple")
        if offline_index.is_dir():
            # This machine's package mirror: the wheel's isolated build gets setuptools from
            # it instead of the internet. Elsewhere pip's own configuration applies.
            patch.setenv("PIP_INDEX_URL", offline_index.as_uri())
        with moto_server(MOTO_WITH_INSTANCE_UPDATES) as server:
            ec2 = boto3.session.Session().client(
                "ec2", endpoint_url=server.endpoint_url, region_name="us-east-1"
            )
            vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"][
                "SubnetId"
            ]
            world = Deployed(server, vpc_id, subnet_id)
            ssm = world.client("ssm")
            images = [image["ImageId"] for image in ec2.describe_images()["Images"][:2]]
            world.images = images
            ssm.put_parameter(Name=IMAGE_PARAMETER, Value=images[0], Type="String")
            ssm.put_parameter(Name="/tower-test/not-an-image", Value="latest", Type="String")
            common = ("--endpoint-url", server.endpoint_url, "--source", str(REPO))
            steps = {
                "first": (
                    "--vpc-id",
                    vpc_id,
                    "--subnet-id",
                    subnet_id,
                    "--partner-cidr",
                    PARTNERS[0],
                    "--partner-cidr",
                    PARTNERS[1],
                    "--admin-cidr",
                    ADMIN,
                    "--instance-type",
                    INSTANCE_TYPE,
                    "--image-parameter",
                    IMAGE_PARAMETER,
                    *common,
                ),
                "second": ("--mutual-tls", "on", *common),
                "rollback": ("--rollback", "--endpoint-url", server.endpoint_url),
            }
            cfn = world.client("cloudformation")
            for step, arguments in steps.items():
                if step == "second":  # a newer image published: an upgrade must not take it
                    ssm.put_parameter(
                        Name=IMAGE_PARAMETER, Value=images[1], Type="String", Overwrite=True
                    )
                world.runs[step] = _deploy(*arguments)
                assert world.runs[step].code == 0, world.runs[step].err
                stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
                world.stacks[step] = stack
                instance_id = world.outputs(step)["InstanceId"]
                encoded = ec2.describe_instance_attribute(
                    InstanceId=instance_id, Attribute="userData"
                )["UserData"]["Value"]
                world.user_data[step] = base64.b64decode(encoded).decode()
            yield world


def _history(world: Deployed) -> ReleaseHistory:
    body = world.client("s3").get_object(Bucket=ARTIFACTS, Key=HISTORY_KEY)["Body"].read()
    return ReleaseHistory.from_json(body.decode())


def _script(user_data: str) -> str:
    """The shell script part of the cloud-init MIME multipart user data."""
    message = email.message_from_string(user_data)
    assert message.is_multipart()
    scripts = [
        part.get_payload()
        for part in message.walk()
        if part.get_content_type() == "text/x-shellscript"
    ]
    assert len(scripts) == 1
    return str(scripts[0])


def _host_setup_arguments(script: str) -> list[str]:
    joined = script.replace("\\\n", " ")
    [line] = [line for line in joined.splitlines() if line.startswith(f"{_TOWER} host-setup ")]
    words = shlex.split(line)
    assert words[0] == _TOWER
    return words[1:]


def test_first_deploy_creates_the_stack_and_prints_its_endpoint(deployed: Deployed) -> None:
    stack = deployed.stacks["first"]
    outputs = deployed.outputs("first")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    ec2 = deployed.client("ec2")
    [reservation] = ec2.describe_instances(InstanceIds=[outputs["InstanceId"]])["Reservations"]
    private_ip = reservation["Instances"][0]["PrivateIpAddress"]
    assert outputs["Endpoint"] == f"{private_ip}:50051"
    assert deployed.runs["first"].out.strip().splitlines() == [outputs["Endpoint"]]
    assert "created" in deployed.runs["first"].err


def test_the_instance_has_the_type_asked_for_an_encrypted_gp3_root_and_the_role(
    deployed: Deployed,
) -> None:
    ec2 = deployed.client("ec2")
    outputs = deployed.outputs("first")
    [reservation] = ec2.describe_instances(InstanceIds=[outputs["InstanceId"]])["Reservations"]
    [instance] = reservation["Instances"]
    assert instance["InstanceType"] == INSTANCE_TYPE
    assert instance["SubnetId"] == deployed.subnet_id
    [root] = instance["BlockDeviceMappings"]
    [volume] = ec2.describe_volumes(VolumeIds=[root["Ebs"]["VolumeId"]])["Volumes"]
    assert (volume["Encrypted"], volume["VolumeType"], volume["Size"]) == (True, "gp3", 100)
    profile_name = instance["IamInstanceProfile"]["Arn"].rsplit("/", 1)[1]
    profile = deployed.client("iam").get_instance_profile(InstanceProfileName=profile_name)
    assert [role["RoleName"] for role in profile["InstanceProfile"]["Roles"]] == [
        outputs["RoleName"]
    ]


def test_the_instance_requires_imdsv2_through_its_launch_template(deployed: Deployed) -> None:
    cfn = deployed.client("cloudformation")
    template = cfn.get_template(StackName=STACK)["TemplateBody"]
    resources = {
        item["LogicalResourceId"]: item["PhysicalResourceId"]
        for item in cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    }
    launch_template_id = resources["MetadataOptions"]
    versions = deployed.client("ec2").describe_launch_template_versions(
        LaunchTemplateId=launch_template_id
    )["LaunchTemplateVersions"]
    options = [version["LaunchTemplateData"]["MetadataOptions"] for version in versions]
    assert options and all(option["HttpTokens"] == "required" for option in options)
    assert all(option["HttpPutResponseHopLimit"] == 1 for option in options)
    # The instance names it (moto does not apply it to the instance itself).
    assert "LaunchTemplateId: !Ref MetadataOptions" in template


def test_only_the_given_cidrs_reach_only_the_given_ports(deployed: Deployed) -> None:
    group_id = deployed.outputs("first")["SecurityGroupId"]
    [group] = deployed.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    assert group["VpcId"] == deployed.vpc_id
    rules = {
        (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], cidr["CidrIp"])
        for rule in group["IpPermissions"]
        for cidr in rule["IpRanges"]
    }
    assert rules == {
        ("tcp", 50051, 50051, PARTNERS[0]),
        ("tcp", 50051, 50051, PARTNERS[1]),
        ("tcp", 9464, 9464, ADMIN),
    }
    assert not any(
        rule["UserIdGroupPairs"] or rule["Ipv6Ranges"] for rule in group["IpPermissions"]
    )


def test_the_role_policy_reaches_s3_only_in_its_bucket_prefix_and_the_releases(
    deployed: Deployed,
) -> None:
    outputs = deployed.outputs("first")
    iam = deployed.client("iam")
    [name] = iam.list_role_policies(RoleName=outputs["RoleName"])["PolicyNames"]
    document = iam.get_role_policy(RoleName=outputs["RoleName"], PolicyName=name)["PolicyDocument"]
    if isinstance(document, str):
        # moto keeps a CloudFormation inline policy as Python's repr of the dict, not JSON.
        document = ast.literal_eval(document)
    s3 = [
        statement
        for statement in document["Statement"]
        if any(str(action).startswith("s3:") for action in _listed(statement["Action"]))
    ]
    bucket_arn = f"arn:aws:s3:::{outputs['RecordingsBucket']}"
    by_sid = {statement["Sid"]: statement for statement in s3}
    assert set(by_sid) == {"ListRecordings", "ReadWriteRecordings", "ReadReleases"}
    assert by_sid["ListRecordings"]["Resource"] == bucket_arn
    assert by_sid["ListRecordings"]["Condition"]["StringLike"]["s3:prefix"] == [
        "recordings",
        "recordings/*",
    ]
    assert by_sid["ReadWriteRecordings"]["Resource"] == f"{bucket_arn}/recordings/*"
    assert set(_listed(by_sid["ReadWriteRecordings"]["Action"])) == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
    }
    assert by_sid["ReadReleases"]["Resource"] == f"arn:aws:s3:::{ARTIFACTS}/releases/*"
    assert by_sid["ReadReleases"]["Action"] == "s3:GetObject"
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "*" not in _listed(statement["Action"])
        if statement["Resource"] == "*":  # only PutMetricData, held to its namespace
            assert statement["Action"] == "cloudwatch:PutMetricData"
            assert statement["Condition"] == {
                "StringEquals": {"cloudwatch:namespace": "DroneAI/Tower"}
            }


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_the_recordings_bucket_is_encrypted(deployed: Deployed) -> None:
    bucket = deployed.outputs("first")["RecordingsBucket"]
    rules = deployed.client("s3").get_bucket_encryption(Bucket=bucket)[
        "ServerSideEncryptionConfiguration"
    ]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_the_artifact_bucket_is_made_encrypted_private_and_versioned(deployed: Deployed) -> None:
    s3 = deployed.client("s3")
    block = s3.get_public_access_block(Bucket=ARTIFACTS)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
        True,
    )
    rules = s3.get_bucket_encryption(Bucket=ARTIFACTS)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_bucket_versioning(Bucket=ARTIFACTS)["Status"] == "Enabled"


def test_the_user_data_installs_the_uploaded_wheel_and_starts_the_tower(
    deployed: Deployed,
) -> None:
    parameters = deployed.parameters("first")
    outputs = deployed.outputs("first")
    message = email.message_from_string(deployed.user_data["first"])
    parts = {part.get_content_type(): part.get_payload() for part in message.walk()}
    # cloud-init runs the script at every boot, so a changed wheel is installed at restart.
    assert "- [scripts-user, always]" in parts["text/cloud-config"]
    script = _script(deployed.user_data["first"])
    assert subprocess.run(["bash", "-n"], input=script, text=True, check=False).returncode == 0
    [dnf] = [line for line in script.splitlines() if line.startswith("dnf install")]
    assert "amazon-cloudwatch-agent" in dnf.split()
    wheel_key = parameters["WheelKey"]
    assert f"'s3://{ARTIFACTS}/{wheel_key}'" in script
    assert '/opt/drone-ai/venv/bin/pip install -q "$wheel"' in script
    arguments = _host_setup_arguments(script)
    assert arguments[0] == "host-setup" and arguments[-1] == "--start"
    assert _option(arguments, "--bucket") == outputs["RecordingsBucket"]
    assert _option(arguments, "--release") == parameters["ReleaseVersion"]
    assert _option(arguments, "--grpc-port") == "50051"
    assert _option(arguments, "--log-group") == outputs["LogGroupName"] == f"/drone-ai/{STACK}"
    assert _option(arguments, "--metrics-namespace") == "DroneAI/Tower"
    # The object it fetches is the wheel that was built and uploaded.
    head = deployed.client("s3").head_object(Bucket=ARTIFACTS, Key=wheel_key)
    history = _history(deployed)
    assert head["Metadata"]["sha256"] == history.release(parameters["ReleaseVersion"]).sha256
    assert wheel_key.endswith("-py3-none-any.whl") and "/drone_ai-" in wheel_key


def _option(arguments: list[str], name: str) -> str:
    return arguments[arguments.index(name) + 1]


def test_the_user_data_host_setup_command_writes_a_valid_config(
    deployed: Deployed, tmp_path: Path
) -> None:
    """The line the instance runs, run here against a temporary root without --start: the
    user data and `drone-ai host-setup` agree, and the tower would load what it writes."""
    arguments = _host_setup_arguments(_script(deployed.user_data["first"]))
    arguments = [tmp_path.as_posix() if word == "/" else word for word in arguments[:-1]]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(arguments) == 0
    config = tmp_path / "etc" / "drone-ai" / "tower.toml"
    settings = Settings.load({}, config)
    assert settings.s3_bucket == deployed.outputs("first")["RecordingsBucket"]
    assert settings.listen.endswith(":50051")
    # The CloudWatch agent ships the file serve writes to the stack's group.
    agent = json.loads((tmp_path / "etc" / "drone-ai" / "cloudwatch-agent.json").read_text())
    [shipped] = agent["logs"]["logs_collected"]["files"]["collect_list"]
    assert Path(shipped["file_path"]) == settings.log_file
    assert shipped["log_group_name"] == deployed.outputs("first")["LogGroupName"]
    assert agent["metrics"]["namespace"] == "DroneAI/Tower"


def test_a_second_deploy_uploads_a_new_wheel_and_updates_the_stack(deployed: Deployed) -> None:
    first, second = deployed.parameters("first"), deployed.parameters("second")
    assert deployed.stacks["second"]["StackStatus"] == "UPDATE_COMPLETE"
    assert second["ReleaseVersion"] != first["ReleaseVersion"]
    assert second["WheelKey"] != first["WheelKey"]
    assert deployed.outputs("second")["ReleaseVersion"] == second["ReleaseVersion"]
    # What the first deploy set and the second did not name is kept.
    for kept in ("VpcId", "SubnetId", "PartnerCidr1", "PartnerCidr2", "AdminCidr", "InstanceType"):
        assert second[kept] == first[kept], kept
    assert deployed.outputs("second")["InstanceId"] == deployed.outputs("first")["InstanceId"]
    assert f"s3://{ARTIFACTS}/{second['WheelKey']}" in deployed.user_data["second"]
    assert first["WheelKey"] not in deployed.user_data["second"]
    s3 = deployed.client("s3")
    for key in (first["WheelKey"], second["WheelKey"]):
        assert s3.head_object(Bucket=ARTIFACTS, Key=key)["ContentLength"] > 10_000


def test_mutual_tls_is_off_until_a_deploy_turns_it_on_and_then_kept(deployed: Deployed) -> None:
    flags = {
        step: _host_setup_arguments(_script(user_data))
        for step, user_data in deployed.user_data.items()
    }
    assert "--mutual-tls" not in flags["first"]
    assert "--mutual-tls" in flags["second"] and "--mutual-tls" in flags["rollback"]
    assert deployed.parameters("second")["MutualTls"] == "true"


def test_the_image_is_read_when_the_stack_is_made_and_kept_on_upgrades(
    deployed: Deployed,
) -> None:
    first, later = deployed.images
    assert deployed.parameters("first")["ImageId"] == first
    assert f"image {first} (from {IMAGE_PARAMETER})" in deployed.runs["first"].err
    # The parameter moved on before the second deploy: the instance keeps its image (and so
    # is not replaced), through the upgrade and the rollback.
    assert deployed.parameters("second")["ImageId"] == first != later
    assert deployed.parameters("rollback")["ImageId"] == first
    assert deployed.outputs("second")["InstanceId"] == deployed.outputs("first")["InstanceId"]


def test_rollback_brings_the_first_release_back_and_the_history_says_so(
    deployed: Deployed,
) -> None:
    first, rolled = deployed.parameters("first"), deployed.parameters("rollback")
    assert (rolled["WheelKey"], rolled["ReleaseVersion"]) == (
        first["WheelKey"],
        first["ReleaseVersion"],
    )
    assert f"s3://{ARTIFACTS}/{first['WheelKey']}" in deployed.user_data["rollback"]
    assert deployed.runs["rollback"].out.strip() == deployed.outputs("rollback")["Endpoint"]
    history = _history(deployed)
    assert [(d.version, d.action.value) for d in history.deployments] == [
        (first["ReleaseVersion"], "deploy"),
        (deployed.parameters("second")["ReleaseVersion"], "deploy"),
        (first["ReleaseVersion"], "rollback"),
    ]
    current = history.current(STACK)
    assert current is not None and current.version == first["ReleaseVersion"]


def test_a_second_rollback_with_nothing_before_is_refused_and_changes_nothing(
    deployed: Deployed,
) -> None:
    run = _deploy("--rollback", "--endpoint-url", deployed.server.endpoint_url)
    assert run.code == 2
    assert "before" in run.err and "there is none" in run.err
    stack = deployed.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}[
        "ReleaseVersion"
    ] == deployed.parameters("first")["ReleaseVersion"]


def test_an_update_with_nothing_new_is_no_error(deployed: Deployed) -> None:
    stack = CloudFormationStack(STACK, "us-east-1", deployed.server.endpoint_url, poll_s=1)
    assert stack.update(None, {}) is Outcome.UNCHANGED


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        pytest.param(("--stack-name", "new-one"), "--vpc-id, --subnet-id", id="new-stack-bare"),
        pytest.param(
            ("--stack-name", "new-one", "--partner-cidr", "10.0.0.1/16"),
            "an IPv4 network such as",
            id="host-bits-in-cidr",
        ),
        pytest.param(
            ("--stack-name", "new-one", *("--partner-cidr", "10.0.0.0/16") * 5),
            "1 to 4 expected",
            id="five-partners",
        ),
        pytest.param(
            ("--stack-name", "new-one", "--rollback"),
            "a stack by that name expected, there is none",
            id="rollback-of-unknown-stack",
        ),
        pytest.param(
            ("--stack-name", STACK, "--rollback", "--instance-type", "c7i.2xlarge"),
            "--rollback: only --stack-name",
            id="rollback-with-settings",
        ),
        pytest.param(
            ("--stack-name", STACK, "--rollback", "--refresh-image"),
            "--rollback: only --stack-name",
            id="rollback-with-a-new-image",
        ),
        pytest.param(
            ("--stack-name", STACK, "--image-parameter", "/tower-test/none"),
            "the SSM parameter /tower-test/none expected to name an AMI: ParameterNotFound",
            id="image-parameter-unknown",
        ),
        pytest.param(
            ("--stack-name", STACK, "--image-parameter", "/tower-test/not-an-image"),
            "an AMI id expected in /tower-test/not-an-image, got 'latest'",
            id="image-parameter-not-an-ami",
        ),
        pytest.param(
            (
                *("--stack-name", "gpu-one", "--vpc-id", "vpc-1", "--subnet-id", "subnet-1"),
                *("--partner-cidr", "10.0.0.0/16", "--admin-cidr", "10.1.0.0/16"),
                *("--instance-type", "g5.xlarge"),
            ),
            "base-oss-nvidia-driver-gpu-amazon-linux-2023",  # moto has no GPU image parameter
            id="gpu-type-takes-the-gpu-image",
        ),
    ],
)
def test_a_deploy_it_cannot_do_exits_2_saying_why(
    deployed: Deployed, arguments: tuple[str, ...], expected: str
) -> None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(
            ["deploy", *arguments, "--endpoint-url", deployed.server.endpoint_url, "--poll-s", "1"]
        )
    assert code == 2
    assert expected in err.getvalue()
    assert out.getvalue() == ""


@pytest.fixture
def stand_in_wheel(tmp_path: Path) -> Path:
    """A file named as the wheel is (deploy checks the name; what it holds is the host's pip's
    business), for the tests that need no real build."""
    path = tmp_path / "drone_ai-0.1.0-py3-none-any.whl"
    path.write_bytes(b"not really a wheel")
    return path


def test_a_subnet_aws_does_not_know_is_refused_with_its_reason(
    deployed: Deployed, stand_in_wheel: Path
) -> None:
    run = _deploy_to(
        "unknown-subnet", deployed, "--vpc-id", deployed.vpc_id, "--subnet-id",
        "subnet-0000000000", "--partner-cidr", PARTNERS[0], "--admin-cidr", ADMIN,
        "--wheel", str(stand_in_wheel),
    )  # fmt: skip
    assert run.code == 2
    assert "InvalidSubnetID.NotFound" in run.err and "subnet-0000000000" in run.err


def test_rollback_refuses_a_stack_that_runs_another_release_than_the_history_says(
    deployed: Deployed, stand_in_wheel: Path
) -> None:
    creating = ("--vpc-id", deployed.vpc_id, "--subnet-id", deployed.subnet_id,
                "--partner-cidr", PARTNERS[0], "--admin-cidr", ADMIN)  # fmt: skip
    assert _deploy_to("drifted", deployed, *creating, "--wheel", str(stand_in_wheel)).code == 0
    assert _deploy_to("drifted", deployed, "--wheel", str(stand_in_wheel)).code == 0
    cfn = deployed.client("cloudformation")
    listed = cfn.describe_stacks(StackName="drifted")["Stacks"][0]["Parameters"]
    cfn.update_stack(
        StackName="drifted",
        UsePreviousTemplate=True,
        Capabilities=["CAPABILITY_IAM"],
        Parameters=[
            {"ParameterKey": item["ParameterKey"], "ParameterValue": "changed-by-hand"}
            if item["ParameterKey"] == "ReleaseVersion"
            else {"ParameterKey": item["ParameterKey"], "UsePreviousValue": True}
            for item in listed
        ],
    )
    run = _deploy_to("drifted", deployed, "--rollback")
    assert run.code == 2
    assert "runs release changed-by-hand, the history says" in run.err


def _deploy_to(stack: str, world: Deployed, *arguments: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(
            ["deploy", "--stack-name", stack, "--poll-s", "1", "--source", str(REPO),
             "--endpoint-url", world.server.endpoint_url, *arguments]
        )  # fmt: skip
    return Run(code, out.getvalue(), err.getvalue())

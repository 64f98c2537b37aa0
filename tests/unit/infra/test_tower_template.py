"""infra/cloudformation/tower.yaml read as CloudFormation reads it (cfn-lint's decoder): what
moto's CloudFormation does not apply, checked in the template itself, and the names the
other pieces rely on (drone-ai deploy, the user data's host-setup, the README)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode

from drone_ai.entrypoints.host_setup import DEFAULT_METRICS_NAMESPACE

TEMPLATE = Path(__file__).resolve().parents[3] / "infra" / "cloudformation" / "tower.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded, problems = decode(str(TEMPLATE))
    assert not problems
    return dict(loaded)


def _properties(template: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(template["Resources"][name]["Properties"])


def test_parameters_and_outputs_have_the_contract_names(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    assert set(parameters) == {
        "VpcId", "SubnetId", "InstanceType", "ImageId", "KeyName", "PartnerCidr1",
        "PartnerCidr2", "PartnerCidr3", "PartnerCidr4", "AdminCidr", "GrpcPort", "MetricsPort",
        "ArtifactBucket", "WheelKey", "ReleaseVersion", "SecretsPrefix", "RecordingsPrefix",
        "RootVolumeGiB", "MutualTls",
    }  # fmt: skip
    # An AMI id, not an SSM-typed parameter: CloudFormation would re-read that at every update
    # and replace the instance whenever AWS had published a newer image (deploy reads it).
    assert parameters["ImageId"]["Type"] == "AWS::EC2::Image::Id"
    assert "Default" not in parameters["ImageId"]
    assert parameters["InstanceType"]["Default"] == "c7i.xlarge"
    assert {
        "c7i.large",
        "c7i.2xlarge",
        "m7i.xlarge",
        "g5.xlarge",
        "g6.xlarge",
        "g4dn.xlarge",
    } <= set(parameters["InstanceType"]["AllowedValues"])
    assert {name: parameters[name]["Default"] for name in ("GrpcPort", "MetricsPort")} == {
        "GrpcPort": 50051,
        "MetricsPort": 9464,
    }
    assert set(template["Outputs"]) >= {
        "Endpoint", "InstanceId", "RecordingsBucket", "ReleaseVersion", "SecurityGroupId",
        "RoleName",
    }  # fmt: skip


def test_the_optional_partner_and_ssh_rules_exist_only_when_asked_for(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    rules = {
        name: resource
        for name, resource in resources.items()
        if resource["Type"] == "AWS::EC2::SecurityGroupIngress"
    }
    assert {name: rule.get("Condition") for name, rule in rules.items()} == {
        "GrpcFromPartner1": None,
        "GrpcFromPartner2": "HasPartner2",
        "GrpcFromPartner3": "HasPartner3",
        "GrpcFromPartner4": "HasPartner4",
        "MetricsFromAdmin": None,
        "SshFromAdmin": "HasKeyName",
    }
    assert rules["SshFromAdmin"]["Properties"]["CidrIp"] == {"Ref": "AdminCidr"}
    assert template["Conditions"]["HasPartner2"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "PartnerCidr2"}, ""]}]
    }
    assert "SecurityGroupIngress" not in _properties(template, "SecurityGroup")


def test_the_instance_may_go_out_only_on_https(template: dict[str, Any]) -> None:
    egress = _properties(template, "SecurityGroup")["SecurityGroupEgress"]
    assert [(rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) for rule in egress] == [
        ("tcp", 443, 443)
    ]


def test_the_recordings_bucket_is_private_versioned_and_moves_to_cheaper_storage(
    template: dict[str, Any],
) -> None:
    bucket = _properties(template, "RecordingsBucket")
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"),
        True,
    )
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    [encryption] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    rules = bucket["LifecycleConfiguration"]["Rules"]
    transitions = [
        (transition["StorageClass"], transition["TransitionInDays"])
        for rule in rules
        for transition in rule.get("Transitions", [])
    ]
    assert transitions == [("STANDARD_IA", 30), ("GLACIER_IR", 90)]
    assert any(rule.get("NoncurrentVersionExpiration") for rule in rules)
    assert any(rule.get("AbortIncompleteMultipartUpload") for rule in rules)
    assert all(rule["Status"] == "Enabled" for rule in rules)
    assert template["Resources"]["RecordingsBucket"]["DeletionPolicy"] == "Retain"


def test_the_recordings_bucket_refuses_requests_without_tls(template: dict[str, Any]) -> None:
    policy = _properties(template, "RecordingsBucketPolicy")
    assert policy["Bucket"] == {"Ref": "RecordingsBucket"}
    [statement] = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == (
        "Deny",
        "*",
        "s3:*",
    )
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert statement["Resource"] == [
        {"Fn::GetAtt": ["RecordingsBucket", "Arn"]},
        {"Fn::Sub": "${RecordingsBucket.Arn}/*"},
    ]


def test_the_instance_requires_imdsv2_and_an_encrypted_gp3_root(template: dict[str, Any]) -> None:
    options = _properties(template, "MetadataOptions")["LaunchTemplateData"]["MetadataOptions"]
    assert options == {
        "HttpEndpoint": "enabled",
        "HttpTokens": "required",
        "HttpPutResponseHopLimit": 1,
    }
    instance = _properties(template, "Instance")
    assert instance["LaunchTemplate"]["LaunchTemplateId"] == {"Ref": "MetadataOptions"}
    [root] = instance["BlockDeviceMappings"]
    assert root["Ebs"]["Encrypted"] is True
    assert root["Ebs"]["VolumeType"] == "gp3"
    assert root["Ebs"]["VolumeSize"] == {"Ref": "RootVolumeGiB"}


def test_the_logs_have_a_retention_and_the_secrets_a_path(template: dict[str, Any]) -> None:
    assert _properties(template, "LogGroup")["RetentionInDays"] > 0
    [policy] = _properties(template, "Role")["Policies"]
    by_sid = {statement["Sid"]: statement for statement in policy["PolicyDocument"]["Statement"]}
    assert by_sid["ReadSecrets"]["Resource"][1] == {
        "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
        "${SecretsPrefix}/*"
    }
    assert by_sid["DecryptSecretsThroughSsm"]["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"}}
    }


@pytest.mark.parametrize(
    ("parameter", "good"),
    [
        ("WheelKey", "releases/0.1.0-20261127T085340Z-e6ddbc1b.2/drone_ai-0.1.0-py3-none-any.whl"),
        ("ReleaseVersion", "0.1.0-20261127T085340Z-e6ddbc1b.2"),
        ("ArtifactBucket", "drone-ai-artifacts-123456789012-us-east-1"),
        ("RecordingsPrefix", "fleet/recordings"),
        ("SecretsPrefix", "/drone-ai/tower"),
    ],
)
def test_values_quoted_into_the_user_data_cannot_break_out_of_their_quotes(
    template: dict[str, Any], parameter: str, good: str
) -> None:
    """CloudFormation refuses a value its AllowedPattern does not match (moto does not check):
    deploy's own values pass, and none with a quote, space or shell character does."""
    pattern = re.compile(template["Parameters"][parameter]["AllowedPattern"])
    assert pattern.fullmatch(good)
    for bad in ("'", " ", "$(", ";", "`", "\n"):
        assert not pattern.fullmatch(good + bad + "x"), (parameter, bad)


def _statements(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    [policy] = _properties(template, "Role")["Policies"]
    return {statement["Sid"]: statement for statement in policy["PolicyDocument"]["Statement"]}


def _user_data_script(template: dict[str, Any]) -> str:
    script, _variables = _properties(template, "Instance")["UserData"]["Fn::Base64"]["Fn::Sub"]
    return str(script)


def test_the_role_may_write_only_streams_of_its_own_log_group_and_never_make_groups(
    template: dict[str, Any],
) -> None:
    """What the CloudWatch agent calls with the group already there: no CreateLogGroup, no
    PutRetentionPolicy, nothing beyond the stack's group."""
    logs = [
        statement
        for statement in _statements(template).values()
        if any(action.startswith("logs:") for action in _listed(statement["Action"]))
    ]
    assert [statement["Sid"] for statement in logs] == ["WriteLogs"]
    [write] = logs
    assert sorted(write["Action"]) == [
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
    ]
    assert write["Resource"] == [
        {
            "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
            "${LogGroup}"
        },
        {"Fn::GetAtt": ["LogGroup", "Arn"]},
    ]
    assert "Condition" not in write


def test_the_user_data_installs_the_cloudwatch_agent_and_gives_host_setup_the_group(
    template: dict[str, Any],
) -> None:
    script = _user_data_script(template)
    [dnf] = [line for line in script.splitlines() if line.startswith("dnf install")]
    assert "amazon-cloudwatch-agent" in dnf.split()
    assert "--log-group '${LogGroup}'" in script
    # The namespace the agent is told is the one PutMetricData is held to.
    condition = _statements(template)["PutMetrics"]["Condition"]["StringEquals"]
    assert f"--metrics-namespace '{condition['cloudwatch:namespace']}'" in script
    assert condition["cloudwatch:namespace"] == DEFAULT_METRICS_NAMESPACE  # host-setup's default
    assert _statements(template)["PutMetrics"]["Action"] == "cloudwatch:PutMetricData"


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)

"""The tower's CloudFormation stack: created or updated from infra/cloudformation/tower.yaml,
waited for with bounded waiters, read back as outputs. A failed rollout is reported with the
resources that failed and why. Times are seconds.

boto3 types never leave this module.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError, WaiterError  # type: ignore[import-untyped]

from drone_ai.adapters.aws.clients import AWS_ERRORS, aws_client, describe
from drone_ai.errors import DeployError

# The template makes an IAM role (its name generated): CloudFormation asks for this
# acknowledgement before it makes IAM resources.
_CAPABILITIES = ["CAPABILITY_IAM"]
_NO_UPDATES = "No updates are to be performed"
_UPDATABLE = frozenset(
    {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"}
)
_FAILED_EVENTS_SHOWN = 5


class Outcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class CloudFormationStack:
    def __init__(
        self,
        name: str,
        region: str,
        endpoint_url: str | None = None,
        *,
        poll_s: float = 15.0,
        max_wait_s: float = 3600.0,
    ) -> None:
        if not (poll_s > 0 and max_wait_s >= poll_s):
            raise DeployError(
                f"stack waits: poll_s > 0 and max_wait_s >= poll_s expected, got {poll_s}, "
                f"{max_wait_s}"
            )
        self.name = name
        self._cfn: Any = aws_client("cloudformation", region, endpoint_url)
        self._waiter_config = {
            "Delay": max(1, round(poll_s)),
            "MaxAttempts": max(1, math.ceil(max_wait_s / poll_s)),
        }

    def status(self) -> str | None:
        """The stack's status; None when there is no such stack."""
        stack = self._describe()
        return None if stack is None else str(stack["StackStatus"])

    def parameters(self) -> dict[str, str]:
        stack = self._require()
        return {
            item["ParameterKey"]: item.get("ParameterValue", "")
            for item in stack.get("Parameters", [])
        }

    def outputs(self) -> dict[str, str]:
        stack = self._require()
        return {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}

    def create(self, template_body: str, parameters: Mapping[str, str]) -> Outcome:
        # Every parameter is given, its default where none is asked for, so that updates can
        # keep any of them (UsePreviousValue): the same stack to CloudFormation, and moto
        # keeps previous values only of parameters given at creation.
        summary = self._call("get_template_summary", TemplateBody=template_body)
        values = {
            item["ParameterKey"]: str(item["DefaultValue"])
            for item in summary.get("Parameters", [])
            if item.get("DefaultValue") is not None
        }
        values.update(parameters)
        self._call(
            "create_stack",
            StackName=self.name,
            TemplateBody=template_body,
            Parameters=[
                {"ParameterKey": key, "ParameterValue": value} for key, value in values.items()
            ],
            Capabilities=_CAPABILITIES,
            OnFailure="ROLLBACK",
        )
        self._wait("stack_create_complete")
        return Outcome.CREATED

    def update(self, template_body: str | None, parameters: Mapping[str, str | None]) -> Outcome:
        """Update with these values (None, or not given: keep the stack's value) and this
        template (None: keep the stack's). UNCHANGED when CloudFormation finds nothing to do."""
        self.require_updatable()
        # Every parameter the stack lists and the caller does not set keeps its value (left
        # out, CloudFormation would put the template's default back); one the stack does not
        # list (a newer template's) takes its default.
        listed = self.parameters()
        parameters = {**dict.fromkeys(listed), **parameters}
        template: dict[str, Any] = (
            {"UsePreviousTemplate": True}
            if template_body is None
            else {"TemplateBody": template_body}
        )
        try:
            self._cfn.update_stack(
                StackName=self.name,
                Parameters=[
                    {"ParameterKey": key, "UsePreviousValue": True}
                    if value is None
                    else {"ParameterKey": key, "ParameterValue": value}
                    for key, value in parameters.items()
                    if value is not None or key in listed
                ],
                Capabilities=_CAPABILITIES,
                **template,
            )
        except ClientError as exc:
            if _NO_UPDATES in str(exc.response.get("Error", {}).get("Message", "")):
                return Outcome.UNCHANGED
            raise DeployError(f"stack {self.name}: update refused: {describe(exc)}") from exc
        except AWS_ERRORS as exc:
            raise DeployError(f"stack {self.name}: update: {describe(exc)}") from exc
        self._wait("stack_update_complete")
        return Outcome.UPDATED

    def require_updatable(self) -> None:
        """Refuse a stack that is busy, failed or missing, before anything is uploaded."""
        status = self.status()
        if status not in _UPDATABLE:
            hint = (
                f" (delete it first: aws cloudformation delete-stack --stack-name {self.name})"
                if status == "ROLLBACK_COMPLETE"
                else ""
            )
            raise DeployError(
                f"stack {self.name}: one of {sorted(_UPDATABLE)} expected before an update, "
                f"got {status}{hint}"
            )

    def _describe(self) -> dict[str, Any] | None:
        try:
            stacks = self._cfn.describe_stacks(StackName=self.name)["Stacks"]
        except ClientError as exc:
            if "does not exist" in str(exc.response.get("Error", {}).get("Message", "")):
                return None
            raise DeployError(f"stack {self.name}: {describe(exc)}") from exc
        except AWS_ERRORS as exc:
            raise DeployError(f"stack {self.name}: {describe(exc)}") from exc
        return dict(stacks[0]) if stacks else None

    def _require(self) -> dict[str, Any]:
        stack = self._describe()
        if stack is None:
            raise DeployError(f"stack {self.name}: a stack by that name expected, there is none")
        return stack

    def _call(self, operation: str, **arguments: Any) -> Any:
        try:
            return getattr(self._cfn, operation)(**arguments)
        except AWS_ERRORS as exc:
            raise DeployError(f"stack {self.name}: {operation}: {describe(exc)}") from exc

    def _wait(self, waiter: str) -> None:
        try:
            self._cfn.get_waiter(waiter).wait(StackName=self.name, WaiterConfig=self._waiter_config)
        except WaiterError as exc:
            raise DeployError(
                f"stack {self.name}: {waiter.removeprefix('stack_')} expected, got "
                f"{self.status()}; {self._failures()}"
            ) from exc
        except AWS_ERRORS as exc:
            raise DeployError(f"stack {self.name}: waiting: {describe(exc)}") from exc

    def _failures(self) -> str:
        """The latest failed resources and CloudFormation's reasons, newest first."""
        try:
            events = self._cfn.describe_stack_events(StackName=self.name)["StackEvents"]
        except AWS_ERRORS as exc:
            return f"its events could not be read: {describe(exc)}"
        failed = [
            f"{event['LogicalResourceId']} {event['ResourceStatus']}: "
            f"{event.get('ResourceStatusReason', '')}"
            for event in events
            if str(event.get("ResourceStatus", "")).endswith("FAILED")
        ][:_FAILED_EVENTS_SHOWN]
        return "failed: " + " | ".join(failed) if failed else "no failed resource reported"

"""What was released and deployed when: `releases/history.json` in the artifact bucket.

A release is one uploaded wheel; a deployment puts a release on a stack, as a deploy (a new
release) or a rollback. A stack's current release is its last deployment's. A rollback goes
back one step along the releases deployed to that stack as deploys (so rolling back twice goes
two releases back, never forth again). Times are microseconds since the Unix epoch, UTC.

    {"format": 1,
     "current": {"<stack>": "<version>"},          written for people; derived on reading
     "releases": [{"version", "wheel_key", "sha256", "size_bytes", "uploaded_us"}, ...],
     "deployments": [{"stack", "version", "action": "deploy"|"rollback", "at_us"}, ...]}
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from dataclasses import dataclass
from typing import Any

from drone_ai.errors import DeployError

HISTORY_KEY = "releases/history.json"
FORMAT = 1


class Action(enum.Enum):
    DEPLOY = "deploy"
    ROLLBACK = "rollback"


@dataclass(frozen=True, slots=True)
class Release:
    version: str
    wheel_key: str
    sha256: str
    size_bytes: int
    uploaded_us: int


@dataclass(frozen=True, slots=True)
class Deployment:
    stack: str
    version: str
    action: Action
    at_us: int


@dataclass(frozen=True, slots=True)
class ReleaseHistory:
    releases: tuple[Release, ...] = ()
    deployments: tuple[Deployment, ...] = ()

    def release(self, version: str) -> Release:
        for release in self.releases:
            if release.version == version:
                return release
        raise DeployError(f"history: a release {version!r} expected, none by that version")

    def current(self, stack: str) -> Release | None:
        """The release the stack's last deployment put there; None before its first."""
        for deployment in reversed(self.deployments):
            if deployment.stack == stack:
                return self.release(deployment.version)
        return None

    def rollback_target(self, stack: str) -> Release:
        """The release deployed to the stack (by a deploy) just before its current one."""
        current = self.current(stack)
        if current is None:
            raise DeployError(f"rollback: stack {stack!r} has no deployment in the history")
        line: list[str] = []
        for deployment in self.deployments:
            if (
                deployment.stack == stack
                and deployment.action is Action.DEPLOY
                and deployment.version not in line
            ):
                line.append(deployment.version)
        where = line.index(current.version) if current.version in line else 0
        if where == 0:
            raise DeployError(
                f"rollback: a release deployed to {stack!r} before {current.version} expected, "
                f"there is none"
            )
        return self.release(line[where - 1])

    def with_release(self, release: Release) -> ReleaseHistory:
        if any(known.version == release.version for known in self.releases):
            raise DeployError(f"history: release {release.version!r} is there already")
        return dataclasses.replace(self, releases=(*self.releases, release))

    def with_deployment(self, deployment: Deployment) -> ReleaseHistory:
        self.release(deployment.version)
        return dataclasses.replace(self, deployments=(*self.deployments, deployment))

    def to_json(self) -> str:
        stacks = dict.fromkeys(deployment.stack for deployment in self.deployments)
        current = {stack: self.current(stack) for stack in stacks}
        document = {
            "format": FORMAT,
            "current": {stack: release.version for stack, release in current.items() if release},
            "releases": [dataclasses.asdict(release) for release in self.releases],
            "deployments": [
                {**dataclasses.asdict(deployment), "action": deployment.action.value}
                for deployment in self.deployments
            ],
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ReleaseHistory:
        try:
            document = json.loads(text)
            if not isinstance(document, dict) or document.get("format") != FORMAT:
                raise DeployError(
                    f"{HISTORY_KEY}: an object of format {FORMAT} expected, got {_sample(document)}"
                )
            releases = tuple(
                Release(
                    version=_text(item, "version"),
                    wheel_key=_text(item, "wheel_key"),
                    sha256=_text(item, "sha256"),
                    size_bytes=_count(item, "size_bytes"),
                    uploaded_us=_count(item, "uploaded_us"),
                )
                for item in _list(document, "releases")
            )
            deployments = tuple(
                Deployment(
                    stack=_text(item, "stack"),
                    version=_text(item, "version"),
                    action=Action(_text(item, "action")),
                    at_us=_count(item, "at_us"),
                )
                for item in _list(document, "deployments")
            )
        except (ValueError, TypeError) as exc:
            raise DeployError(f"{HISTORY_KEY}: malformed: {exc}") from exc
        history = cls()
        for release in releases:
            history = history.with_release(release)
        for deployment in deployments:
            history = history.with_deployment(deployment)
        return history


def release_version(package_version: str, sha256: str, now_us: int) -> str:
    """`<package version>-<UTC time>-<first 8 hex of the wheel's SHA-256>`: two deploys
    differ by time, and two builds in one second by their content."""
    when = datetime.datetime.fromtimestamp(now_us / 1e6, tz=datetime.UTC)
    return f"{package_version}-{when:%Y%m%dT%H%M%SZ}-{sha256[:8]}"


def _sample(value: object) -> str:
    return repr(value)[:80]


def _list(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = document.get(name)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"{name!r}: a list of objects expected, got {_sample(value)}")
    return value


def _text(item: dict[str, Any], name: str) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name!r}: a non-empty string expected, got {_sample(value)}")
    return value


def _count(item: dict[str, Any], name: str) -> int:
    value = item.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name!r}: a whole number >= 0 expected, got {_sample(value)}")
    return value

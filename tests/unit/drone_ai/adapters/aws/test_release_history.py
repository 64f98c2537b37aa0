"""The release history's rules: the current release, rollback targets, the JSON it keeps."""

from __future__ import annotations

import datetime
import json

import pytest

from drone_ai.adapters.aws.release_history import (
    Action,
    Deployment,
    Release,
    ReleaseHistory,
    release_version,
)
from drone_ai.errors import DeployError


def _release(version: str) -> Release:
    return Release(version, f"releases/{version}/drone_ai-0.1.0-py3-none-any.whl", "ab" * 32, 9, 1)


def _history(*steps: tuple[str, str, Action]) -> ReleaseHistory:
    history = ReleaseHistory()
    for version in dict.fromkeys(version for _, version, _ in steps):
        history = history.with_release(_release(version))
    for at_us, (stack, version, action) in enumerate(steps):
        history = history.with_deployment(Deployment(stack, version, action, at_us))
    return history


DEPLOY, ROLLBACK = Action.DEPLOY, Action.ROLLBACK


def test_the_current_release_is_the_stacks_last_deployment() -> None:
    history = _history(("prod", "a", DEPLOY), ("prod", "b", DEPLOY), ("test", "c", DEPLOY))
    assert history.current("prod") == _release("b")
    assert history.current("test") == _release("c")
    assert history.current("other") is None


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        pytest.param([("a", DEPLOY), ("b", DEPLOY)], "a", id="one-back"),
        pytest.param([("a", DEPLOY), ("b", DEPLOY), ("c", DEPLOY), ("b", ROLLBACK)], "a",
                     id="twice-goes-two-back"),
        pytest.param([("a", DEPLOY), ("b", DEPLOY), ("a", ROLLBACK), ("c", DEPLOY)], "b",
                     id="after-a-new-deploy"),
    ],
)  # fmt: skip
def test_rollback_steps_back_along_the_stacks_deploys(
    steps: list[tuple[str, Action]], expected: str
) -> None:
    history = _history(*(("prod", version, action) for version, action in steps))
    assert history.rollback_target("prod").version == expected


def test_rollback_with_nothing_before_the_current_release_is_refused() -> None:
    history = _history(("prod", "a", DEPLOY), ("prod", "b", DEPLOY), ("prod", "a", ROLLBACK))
    with pytest.raises(DeployError, match="before a expected, there is none"):
        history.rollback_target("prod")
    with pytest.raises(DeployError, match="no deployment"):
        history.rollback_target("test")


def test_another_stacks_deploys_are_no_rollback_target() -> None:
    history = _history(("test", "a", DEPLOY), ("prod", "b", DEPLOY))
    with pytest.raises(DeployError, match="there is none"):
        history.rollback_target("prod")


def test_the_json_round_trips_and_names_the_current_release_per_stack() -> None:
    history = _history(("prod", "a", DEPLOY), ("prod", "b", DEPLOY), ("prod", "a", ROLLBACK))
    text = history.to_json()
    assert ReleaseHistory.from_json(text) == history
    document = json.loads(text)
    assert document["current"] == {"prod": "a"}
    assert document["deployments"][-1] == {
        "stack": "prod",
        "version": "a",
        "action": "rollback",
        "at_us": 2,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("not json", "malformed", id="not-json"),
        pytest.param('{"format": 2, "releases": [], "deployments": []}', "format 1",
                     id="other-format"),
        pytest.param('{"format": 1, "releases": {}, "deployments": []}', "a list of objects",
                     id="releases-not-a-list"),
        pytest.param('{"format": 1, "releases": [{"version": "a"}], "deployments": []}',
                     "'wheel_key': a non-empty string", id="release-without-key"),
        pytest.param('{"format": 1, "releases": [], "deployments": [{"stack": "s", '
                     '"version": "a", "action": "deploy", "at_us": 1}]}',
                     "a release 'a' expected", id="deployment-of-unknown-release"),
        pytest.param('{"format": 1, "releases": [], "deployments": [{"stack": "s", '
                     '"version": "a", "action": "redeploy", "at_us": 1}]}', "redeploy",
                     id="unknown-action"),
    ],
)  # fmt: skip
def test_a_malformed_history_is_refused_saying_what_is_wrong(text: str, expected: str) -> None:
    with pytest.raises(DeployError, match=expected):
        ReleaseHistory.from_json(text)


def test_a_release_version_is_the_package_version_the_utc_time_and_the_wheels_digest() -> None:
    when = datetime.datetime(2026, 11, 18, 9, 46, 40, 123456, tzinfo=datetime.UTC)
    now_us = round(when.timestamp() * 1e6)
    assert release_version("0.1.0", "0123456789abcdef" * 4, now_us) == (
        "0.1.0-20261118T094640Z-01234567"
    )


def test_the_same_version_cannot_be_released_twice() -> None:
    history = ReleaseHistory().with_release(_release("a"))
    with pytest.raises(DeployError, match="there already"):
        history.with_release(_release("a"))

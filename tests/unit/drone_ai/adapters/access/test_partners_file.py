"""Partners read from their JSON file; a bad file is refused with what was expected, and a
token pasted where its digest belongs is never repeated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.access import token_digest
from drone_ai.adapters.access.partners_file import load_partners
from drone_ai.errors import ConfigError, PermissionDeniedError, UnauthenticatedError
from drone_ai.services.access import AccessPolicy

DIGEST = token_digest("s3cret").hex()


def written(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "partners.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_partners_are_read_and_tokens_checked_against_their_digests(tmp_path: Path) -> None:
    path = written(
        tmp_path, {"partners": [{"name": "acme", "token_sha256": DIGEST, "flights": ["ops-*"]}]}
    )
    policy = AccessPolicy(load_partners(path))
    acme = policy.authenticate("s3cret")
    assert acme.name == "acme" and acme.may_see("ops-7") and not acme.may_see("lab-1")
    with pytest.raises(UnauthenticatedError):
        policy.authenticate("guess")
    with pytest.raises(PermissionDeniedError, match="may not see flight 'lab-1'"):
        policy.require(acme, "lab-1")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "readable JSON"),
        ({"partners": []}, "at least one"),
        ({"partners": [{"name": "", "token_sha256": DIGEST, "flights": []}]}, "'name'"),
        ({"partners": [{"name": "a", "token_sha256": "s3cret-token", "flights": []}]}, "64 hex"),
        ({"partners": [{"name": "a", "token_sha256": DIGEST, "flights": "ops"}]}, "'flights'"),
        (
            {
                "partners": [
                    {"name": "a", "token_sha256": DIGEST, "flights": ["*"]},
                    {"name": "a", "token_sha256": DIGEST, "flights": ["*"]},
                ]
            },
            "names must differ",
        ),
    ],
    ids=["not json", "no partner", "no name", "a token not a digest", "flights", "same name"],
)
def test_a_bad_partners_file_is_refused(tmp_path: Path, content: object, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as error:
        load_partners(written(tmp_path, content))
    assert "s3cret-token" not in str(error.value)


def test_a_missing_partners_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PARTNERS_PATH"):
        load_partners(tmp_path / "none.json")

"""The domain's exception tree.

DomainError
 └── InvalidValueError   a value object refused a field (names the field, the expectation
                         and what arrived); also a ValueError for callers that expect one
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises."""


class InvalidValueError(DomainError, ValueError):
    """A value object refused one of its fields."""

    def __init__(self, field: str, expected: str, got: object) -> None:
        super().__init__(f"{field}: expected {expected}, got {got!r}")
        self.field = field
        self.expected = expected
        self.got = got

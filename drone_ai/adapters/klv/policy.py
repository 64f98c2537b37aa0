"""What a decoder does with bytes it cannot read: the caller's choice, made once.

STRICT raises the `KlvError` that names the reason. LENIENT counts the refusal by reason and
goes on with the next item or packet, so that one bad packet never stops a flight.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from drone_ai.errors import KlvError, KlvRejectReason


class DecodePolicy(enum.Enum):
    STRICT = "strict"
    LENIENT = "lenient"


@dataclass(slots=True)
class RejectCounts:
    """Refusals by reason, and how many input bytes were skipped to find the next packet."""

    by_reason: Counter[KlvRejectReason] = field(default_factory=Counter)
    skipped_bytes: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_reason.values())

    def as_dict(self) -> dict[str, int]:
        return {
            reason.value: count
            for reason, count in sorted(self.by_reason.items(), key=lambda pair: pair[0].value)
        }


@dataclass(slots=True)
class DecodeContext:
    """The policy in force and the counts it keeps; passed down through every decoder."""

    policy: DecodePolicy = DecodePolicy.LENIENT
    counts: RejectCounts = field(default_factory=RejectCounts)

    @property
    def strict(self) -> bool:
        return self.policy is DecodePolicy.STRICT

    def refuse(self, error: KlvError) -> None:
        """Raise `error` under STRICT; count it under LENIENT."""
        if self.policy is DecodePolicy.STRICT:
            raise error
        self.counts.by_reason[error.reason] += 1

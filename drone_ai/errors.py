"""The application's exception tree. Third-party errors are translated into it at the adapter
boundary (`raise X from exc`); the domain's own tree is `domain.errors.DomainError`.

    DroneAIError
     ├── KlvError                 a KLV packet or item was refused; `.reason` says why
     │    ├── KlvFramingError     no sound key/length/value triplet (garbage, bad or huge length,
     │    │                       truncated packet)
     │    ├── KlvChecksumError    the packet's checksum is missing or does not match
     │    ├── KlvUnknownKeyError  a well-framed packet whose universal key we do not decode
     │    └── KlvValueError       an item's bytes break its format (length, range, text, ...)
     ├── SourceError              an input could not be opened or read at all
     ├── DeployError              `drone-ai deploy` could not build, upload or roll out a
     │                            release (AWS refused, the stack failed, no earlier release)
     ├── GeoidUnavailableError    no geoid model to convert MSL and HAE: never guessed
     ├── DetectionPoolError       the detection workers cannot take or do the work
     │    ├── PoolCapacityError   a new flight refused: admitting it would starve the others
     │    ├── FrameRejectedError  a frame the pool cannot carry (type, shape, size)
     │    └── WorkerStartError    a worker process could not build its detector
     ├── SubscriberBehindError    a subscriber lost events to the log's bounds too often
     ├── FlightExistsError        a new flight with an id in use
     ├── UnknownFlightError       a flight id the tower does not know
     ├── InvalidRequestError      a request with a malformed field (INVALID_ARGUMENT)
     ├── UnauthenticatedError     no bearer token, or one no partner has
     ├── PermissionDeniedError    a partner asked for a flight it may not see
     ├── DetectorInputError       a detector was handed what it cannot use (an image that
     │                            is not 8-bit BGR, a ground sample distance that is not
     │                            a positive number of metres)
     ├── ConfigError              a setting is missing or malformed
     ├── HostSetupError           the host's files or systemd could not be set up
     ├── SecretsError             the tower's TLS material or partners could not be fetched
                                  (store unreachable, a certificate without its key, ...)
     └── RecordingError           a recording cannot be written, read or recovered
          ├── RecordingFormatError a manifest or segment that breaks the recording format
          │                        (malformed JSON, another format version, a bad index)
          ├── RecordingBusyError   a recording a live writer still holds
          └── RecordingStoreError  the recording store (S3) refused or could not be reached
                                   in time, or holds other bytes than were sent

Every KLV refusal carries a `KlvRejectReason`, so that a lenient decoder can count what it
skipped by reason, and a strict one can raise the same fact as an exception.
"""

from __future__ import annotations

import enum


class KlvRejectReason(enum.Enum):
    """Why a KLV packet, item or run of bytes was refused. Values are stable report keys."""

    GARBAGE = "garbage"  # bytes between packets that start no packet
    BAD_LENGTH = "bad_length"  # a BER length that is malformed (indefinite, > 8 bytes)
    LENGTH_OVER_LIMIT = "length_over_limit"  # a length above the configured maximum
    TRUNCATED = "truncated"  # the input ended inside a packet or an item ran past its set
    UNKNOWN_KEY = "unknown_key"  # a well-framed packet of a standard we do not decode
    CHECKSUM_MISSING = "checksum_missing"  # ST 0601: item 1 is not the packet's last item
    CHECKSUM_MISMATCH = "checksum_mismatch"
    MISSING_TIMESTAMP = "missing_timestamp"  # no precision time stamp: a sample needs a time
    ITEM_BAD_LENGTH = "item_bad_length"  # an item whose length its format does not allow
    ITEM_OUT_OF_RANGE = "item_out_of_range"  # a value outside the standard's range
    ITEM_BAD_TEXT = "item_bad_text"  # a text item that is not valid UTF-8
    ITEM_MALFORMED = "item_malformed"  # a structured item whose inner layout is broken
    DUPLICATE_ITEM = "duplicate_item"  # a tag that appears twice in one set


class DroneAIError(Exception):
    """Base of every error the application raises on purpose."""


class KlvError(DroneAIError):
    """A KLV packet, item or run of bytes was refused."""

    def __init__(self, reason: KlvRejectReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


class KlvFramingError(KlvError):
    """The bytes do not form a sound key/length/value triplet."""


class KlvChecksumError(KlvError):
    """A packet's checksum is missing or wrong."""


class KlvUnknownKeyError(KlvError):
    """A well-framed packet whose universal key no configured decoder reads."""


class KlvValueError(KlvError):
    """An item's bytes break the format its standard defines."""


class SourceError(DroneAIError):
    """An input could not be opened or read at all (missing file, unknown container, ...)."""


class DeployError(DroneAIError):
    """`drone-ai deploy` could not build the wheel, reach or be allowed by AWS, or roll the
    stack out (its failed resources and reasons are in the message), or a rollback has no
    earlier release to go to."""


class DetectorInputError(DroneAIError):
    """A detector was handed an image or a value it cannot use; the message says what it
    expected and what arrived."""


class ConfigError(DroneAIError):
    """A setting is missing or malformed; the message names the variable."""


class HostSetupError(DroneAIError):
    """`drone-ai host-setup` was given a value it cannot write into the host's files, could
    not write them, or systemd refused a command; the message names which and why."""


class SecretsError(DroneAIError):
    """The tower's secrets could not be fetched or kept: the store could not be reached in
    time or refused, a parameter is incomplete (a certificate without its key), or the
    folder they go to cannot be written; the message says what was expected and what arrived."""


class GeoidUnavailableError(DroneAIError):
    """The geoid model cannot answer (not installed, no data there): heights above sea level
    cannot be turned into heights above the ellipsoid, and no ballpark value stands in."""


class DetectionPoolError(DroneAIError):
    """The detection worker pool cannot take or do the work."""


class PoolCapacityError(DetectionPoolError):
    """A new flight was refused: the pool cannot serve it without starving the open ones."""


class FrameRejectedError(DetectionPoolError):
    """A frame the pool cannot carry to its workers (not 8-bit, wrong shape, too large)."""


class WorkerStartError(DetectionPoolError):
    """A detection worker process could not start or build its detector."""


class SubscriberBehindError(DroneAIError):
    """A subscriber lost events to its flight log's bounds too often: it cannot keep up, and
    is ended (RESOURCE_EXHAUSTED over gRPC) rather than fed a trickle of gap notices."""


class NotAvailableError(DroneAIError):
    """A capability the request asks for that this tower does not offer yet (UNIMPLEMENTED)."""


class RateLimitedError(DroneAIError):
    """A caller sent requests faster than its configured rate (RESOURCE_EXHAUSTED)."""


class FlightExistsError(DroneAIError):
    """A flight was started with an id another flight has (ALREADY_EXISTS over gRPC)."""


class UnknownFlightError(DroneAIError):
    """A flight id the tower does not know (NOT_FOUND over gRPC)."""


class UnauthenticatedError(DroneAIError):
    """No token, or one no partner has (UNAUTHENTICATED over gRPC)."""


class PermissionDeniedError(DroneAIError):
    """A known partner asked for a flight it may not see (PERMISSION_DENIED over gRPC)."""


class InvalidRequestError(DroneAIError):
    """A request with a malformed field; the message names it, what was expected and what
    arrived (INVALID_ARGUMENT over gRPC)."""


class RecordingError(DroneAIError):
    """A recording cannot be written, read or recovered (disk full, missing files, misuse)."""


class RecordingFormatError(RecordingError):
    """A manifest or segment breaks the recording format; the message names the file, what
    was expected and what it holds."""


class RecordingBusyError(RecordingError):
    """A recording still held by a live writer: it is not interrupted, and not to be recovered."""


class RecordingStoreError(RecordingError):
    """The recording store refused a file, could not be reached before the retry deadline, or
    does not hold the checksum that was sent; the message names the object and the cause."""

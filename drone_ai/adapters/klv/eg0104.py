"""placeholder"""

from collections.abc import Mapping

from domain.telemetry import TelemetrySample
from drone_ai.adapters.klv.local_set import LocalSetTable
from drone_ai.adapters.klv.policy import DecodeContext

EG0104_KEY = bytes.fromhex("060e2b34020101010e01010201010000")
EG0104_ITEMS = LocalSetTable("MISB EG 0104", ())


def decode_packet(buf: bytes, s: int, e: int, ctx: DecodeContext) -> dict[int, object]:
    return {}


def sample_from_items(items: Mapping[int, object]) -> TelemetrySample:
    raise NotImplementedError

"""Seeded fuzzing of the KLV decoders: `python -m bench.klv_fuzz [--inputs N] [--seed S]`.

Mutates real packets (ST 0601 from h264_klv.ts, EG 0104 from the aphill flight, encoder-made
typical packets) in eight ways and checks, for every input:
  * LENIENT decoding raises nothing; STRICT decoding raises nothing but a KlvError;
  * the bytes held back for an incomplete packet never exceed the configured maximum;
  * every intact packet placed between runs of garbage is still found, with its items.
The test suite runs a smaller campaign of the same function (tests/unit/.../test_fuzz.py).
"""

from __future__ import annotations

import argparse
import random
import time
import traceback
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bench.packets import APHILL, H264_KLV, file_packets, typical_packet
from drone_ai.adapters.klv.ber import decode_length
from drone_ai.adapters.klv.policy import DecodeContext, DecodePolicy
from drone_ai.adapters.klv.reader import CODECS, KlvTelemetryDecoder
from drone_ai.adapters.klv.st0601 import ST0601, ST0601_KEY, checksum
from drone_ai.adapters.klv.stream import KlvStream
from drone_ai.errors import KlvError

MAX_PACKET_BYTES = 8192
# A held-back packet is at most its key, a 9-byte BER length and MAX_PACKET_BYTES of value.
MAX_BUFFERED_BYTES = MAX_PACKET_BYTES + 16 + 9


def corpus() -> list[bytes]:
    """Intact packets to mutate: real ST 0601 and EG 0104 packets, and typical ones."""
    packets = file_packets(H264_KLV)[:12] + file_packets(APHILL)[:12]
    return packets + [typical_packet(index) for index in range(8)]


@dataclass
class Campaign:
    inputs: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    planted: int = 0
    found: int = 0
    max_buffered: int = 0
    slowest_s: float = 0.0
    refusals: Counter[str] = field(default_factory=Counter)


def _reference(packet: bytes) -> Mapping[int, object]:
    [decoded] = KlvStream(CODECS, DecodeContext(DecodePolicy.STRICT)).feed(packet)
    return decoded.items


def _with_checksum(packet: bytearray) -> bytes:
    """Recompute an ST 0601 packet's checksum, so that damage reaches the item decoders."""
    if packet[:16] == ST0601_KEY and len(packet) >= 20:
        packet[-2:] = checksum(packet, 0, len(packet) - 2).to_bytes(2, "big")
    return bytes(packet)


def _flip_bits(rng: random.Random, packet: bytes) -> bytearray:
    damaged = bytearray(packet)
    for _ in range(rng.randint(1, 8)):
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
    return damaged


def _huge_length(rng: random.Random, packet: bytes) -> bytes:
    forms = [b"\x80", b"\x84\xff\xff\xff\xff", b"\x88" + rng.randbytes(8), b"\x89" + b"\x01" * 9]
    form = rng.choice(forms)
    if rng.random() < 0.5:  # the packet's own length
        _, value_start = decode_length(packet, 16, len(packet))
        return packet[:16] + form + packet[value_start:]
    at = rng.randrange(17, len(packet))  # somewhere inside: an item's length, most likely
    return packet[:at] + form + packet[at + 1 :]


def _garbage(rng: random.Random) -> bytes:
    return rng.randbytes(rng.randint(0, 300))


MUTATIONS: dict[str, Callable[[random.Random, list[bytes]], bytes]] = {
    "random_bytes": lambda rng, c: rng.randbytes(rng.randint(0, 2048)),
    "truncated": lambda rng, c: (p := rng.choice(c))[: rng.randrange(len(p))],
    "bit_flips": lambda rng, c: bytes(_flip_bits(rng, rng.choice(c))),
    "bit_flips_valid_checksum": lambda rng, c: _with_checksum(_flip_bits(rng, rng.choice(c))),
    "huge_lengths": lambda rng, c: _huge_length(rng, rng.choice(c)),
    "inserted_deleted_bytes": lambda rng, c: _insert_delete(rng, rng.choice(c)),
    "spliced": lambda rng, c: (
        (a := rng.choice(c))[: rng.randrange(len(a))]
        + (b := rng.choice(c))[rng.randrange(len(b)) :]
    ),
}


def _insert_delete(rng: random.Random, packet: bytes) -> bytes:
    data = bytearray(packet)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data) + 1)
        if rng.random() < 0.5 and at < len(data):
            del data[at : at + rng.randint(1, 8)]
        else:
            data[at:at] = rng.randbytes(rng.randint(1, 8))
    return _with_checksum(data) if rng.random() < 0.5 else bytes(data)


def _decode(
    data: bytes, policy: DecodePolicy, rng: random.Random, campaign: Campaign
) -> list[Mapping[int, object]]:
    """Feed `data` in random chunks; return the items of every packet decoded."""
    decoder = KlvTelemetryDecoder(DecodeContext(policy), MAX_PACKET_BYTES)
    found = []
    pos = 0
    while pos < len(data):
        step = rng.choice((1, 7, 64, 1500, len(data)))
        found += decoder.feed(data[pos : pos + step])
        campaign.max_buffered = max(campaign.max_buffered, decoder.buffered_bytes)
        pos += step
    found += decoder.close()
    if policy is DecodePolicy.LENIENT:
        campaign.refusals.update(decoder.counts.as_dict())
    return [d.packet.items for d in found]


def run_campaign(inputs: int, seed: int) -> Campaign:
    rng = random.Random(seed)
    packets = corpus()
    references = [_reference(p) for p in packets]
    campaign = Campaign()
    kinds = [*MUTATIONS, "garbage_between_packets"]
    for index in range(inputs):
        kind = kinds[index % len(kinds)]
        planted: list[Mapping[int, object]] = []
        if kind == "garbage_between_packets":
            chosen = rng.sample(range(len(packets)), rng.randint(1, 4))
            data = _garbage(rng) + b"".join(packets[i] + _garbage(rng) for i in chosen)
            planted = [references[i] for i in chosen]
        else:
            data = MUTATIONS[kind](rng, packets)
        campaign.inputs += 1
        campaign.by_kind[kind] += 1
        began = time.perf_counter()
        try:
            found = _decode(data, DecodePolicy.LENIENT, rng, campaign)
        except Exception:  # any exception at all is the finding
            campaign.unexpected.append(f"{kind} #{index} lenient: {traceback.format_exc()}")
            continue
        try:
            _decode(data, DecodePolicy.STRICT, rng, campaign)
        except KlvError:
            pass
        except Exception:
            campaign.unexpected.append(f"{kind} #{index} strict: {traceback.format_exc()}")
        campaign.slowest_s = max(campaign.slowest_s, time.perf_counter() - began)
        campaign.planted += len(planted)
        campaign.found += sum(1 for items in planted if items in found)
    campaign.unexpected += _fuzz_items(rng, max(1, inputs // 10))
    return campaign


def _fuzz_items(rng: random.Random, rounds: int) -> list[str]:
    """Random bytes straight into every ST 0601 item decoder (no checksum in the way)."""
    problems: list[str] = []
    for _ in range(rounds):
        for tag, spec in ST0601.specs.items():
            data = rng.randbytes(rng.choice((1, 2, 3, 4, 8, rng.randint(0, 300))))
            try:
                spec.fmt.decode(data)
            except KlvError:
                pass
            except Exception:
                problems.append(f"item {tag} <- {data.hex()}: {traceback.format_exc()}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20260601)
    args = parser.parse_args()
    began = time.perf_counter()
    campaign = run_campaign(args.inputs, args.seed)
    elapsed = time.perf_counter() - began
    print(f"klv_fuzz: {campaign.inputs} inputs (seed {args.seed}) in {elapsed:.1f} s")
    for kind, count in sorted(campaign.by_kind.items()):
        print(f"  {kind:28s} {count:7d}")
    print(f"  unexpected exceptions        {len(campaign.unexpected):7d}")
    print(f"  planted packets found        {campaign.found:7d} / {campaign.planted}")
    print(f"  most bytes held back         {campaign.max_buffered:7d} (bound {MAX_BUFFERED_BYTES})")
    print(f"  slowest input                {campaign.slowest_s * 1e3:7.1f} ms")
    print("  refusals counted (lenient), by reason:")
    for reason, count in sorted(campaign.refusals.items()):
        print(f"    {reason:26s} {count:7d}")
    for problem in campaign.unexpected[:5]:
        print(problem)
    if campaign.unexpected or campaign.found != campaign.planted:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

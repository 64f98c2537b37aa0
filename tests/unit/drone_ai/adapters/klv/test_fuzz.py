"""A small, seeded sample of the fuzzing campaign of bench/klv_fuzz.py (which runs 100,000
inputs under `make bench`): damaged input of every kind raises nothing unexpected, never
holds back more than the bound, and hides no intact packet placed between garbage."""

from __future__ import annotations

import pytest

from bench.klv_fuzz import MAX_BUFFERED_BYTES, MUTATIONS, run_campaign


@pytest.mark.parametrize("seed", [1, 2])
def test_damaged_input_of_every_kind_is_refused_cleanly(seed: int) -> None:
    campaign = run_campaign(inputs=2_000, seed=seed)
    assert campaign.unexpected == []
    assert set(campaign.by_kind) == {*MUTATIONS, "garbage_between_packets"}
    assert campaign.planted > 400
    assert campaign.found == campaign.planted
    assert campaign.max_buffered <= MAX_BUFFERED_BYTES
    # The campaign reaches the item decoders, not only the framing.
    for reason in ("item_bad_length", "item_malformed", "checksum_mismatch", "garbage"):
        assert campaign.refusals[reason] > 0, reason

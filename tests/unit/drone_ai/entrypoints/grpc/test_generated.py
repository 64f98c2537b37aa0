"""The gRPC code in drone_ai/entrypoints/grpc/generated is exactly what protos/generate.py
makes from protos/*.proto with the pinned grpcio-tools: never edited by hand, never stale."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from drone_ai.entrypoints.grpc.generated import tower_pb2

ROOT = Path(__file__).resolve().parents[5]
COMMITTED = ROOT / "drone_ai" / "entrypoints" / "grpc" / "generated"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "protos" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_code_is_what_the_protos_generate(tmp_path: Path) -> None:
    made = _generator().generate(tmp_path)
    names = sorted(p.name for p in made)
    assert names == sorted(p.name for p in COMMITTED.iterdir() if p.is_file())
    for name in names:
        assert (tmp_path / name).read_bytes() == (COMMITTED / name).read_bytes(), (
            f"{name} is stale: run `python protos/generate.py`"
        )


def test_the_tower_service_offers_the_flight_and_subscription_calls() -> None:
    service = tower_pb2.DESCRIPTOR.services_by_name["Tower"]
    methods = {m.name: m for m in service.methods}
    assert set(methods) == {
        "StartFlight",
        "StopFlight",
        "ListFlights",
        "GetFlight",
        "Subscribe",
        "ReplayFlight",
    }
    assert methods["Subscribe"].server_streaming
    assert service.full_name == "drone_ai.tower.v1.Tower"

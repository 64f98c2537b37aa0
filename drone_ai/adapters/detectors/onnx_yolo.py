"""Any YOLO-family ONNX model a customer brings, through onnxruntime.

The input size and batch come from the model (a fixed batch is filled by padding; a dynamic
one takes the whole batch at once). Labels come from the model's metadata ("names", as
Ultralytics exports write it) or from a labels file, one per line. The execution providers
are the caller's choice, in order of preference, among those this onnxruntime has.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from domain.detections import Detection
from drone_ai.adapters.detectors.yolo import decode, letterbox, recognise_layout
from drone_ai.errors import ConfigError, SourceError


class OnnxYoloDetector:
    def __init__(
        self,
        model_path: Path,
        labels_path: Path | None = None,
        providers: Sequence[str] = ("CPUExecutionProvider",),
        min_score: float = 0.25,
        nms_iou: float = 0.45,
        intra_op_threads: int = 0,
    ) -> None:
        """`intra_op_threads` 0 lets onnxruntime use every core; a pool worker asks its share."""
        available = ort.get_available_providers()
        chosen = [p for p in providers if p in available]
        if not chosen:
            raise ConfigError(
                f"ONNX: one of {list(providers)} expected, this runtime has {available}"
            )
        try:
            options = ort.SessionOptions()
            options.intra_op_num_threads = intra_op_threads
            self._session = ort.InferenceSession(
                str(model_path), sess_options=options, providers=chosen
            )
        except Exception as exc:  # onnxruntime raises its own, untyped, exceptions
            raise SourceError(f"{model_path}: a loadable ONNX model expected: {exc}") from exc
        model_input = self._session.get_inputs()[0]
        self._input_name = model_input.name
        shape = model_input.shape
        if len(shape) != 4 or not isinstance(shape[2], int) or not isinstance(shape[3], int):
            raise ConfigError(
                f"{model_path}: an NCHW input with a fixed size expected, got {shape}"
            )
        self._batch = shape[0] if isinstance(shape[0], int) else None
        self._size = (shape[3], shape[2])
        self.labels = _labels(self._session, labels_path)
        self._min_score = min_score
        self._nms_iou = nms_iou
        self.providers = chosen

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[list[Detection]]:
        results: list[list[Detection]] = []
        step = self._batch or max(1, len(images))
        for start in range(0, len(images), step):
            chunk = images[start : start + step]
            fitted = [letterbox(image, self._size) for image in chunk]
            tensors = [tensor for tensor, _ in fitted]
            while len(tensors) < step and self._batch is not None:
                tensors.append(np.zeros_like(tensors[0]))  # pad a fixed batch
            output = self._session.run(None, {self._input_name: np.stack(tensors)})[0]
            layout = recognise_layout(tuple(output.shape), len(self.labels))
            decoded = decode(
                output,
                layout,
                [fit for _, fit in fitted],
                self.labels,
                self._min_score,
                self._nms_iou,
            )
            results += decoded[: len(chunk)]
        return results


def _labels(session: ort.InferenceSession, labels_path: Path | None) -> list[str]:
    if labels_path is not None:
        try:
            return [line.strip() for line in labels_path.read_text().splitlines() if line.strip()]
        except OSError as exc:
            raise SourceError(f"{labels_path}: a readable labels file expected: {exc}") from exc
    names = session.get_modelmeta().custom_metadata_map.get("names")
    if names is None:
        raise ConfigError("ONNX: labels expected in the model's metadata ('names') or a file")
    try:
        parsed = ast.literal_eval(names)
    except (ValueError, SyntaxError) as exc:
        raise ConfigError(f"ONNX: 'names' metadata is not a dict or list: {names[:80]!r}") from exc
    if isinstance(parsed, dict):
        return [str(parsed[k]) for k in sorted(parsed)]
    return [str(name) for name in parsed]

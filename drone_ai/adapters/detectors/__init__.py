"""Detector backends: ONNX YOLO-family models (and, next, motion and HOG)."""

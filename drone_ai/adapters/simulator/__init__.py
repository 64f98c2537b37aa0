"""A simulated drone: flights with ground truth, rendered frames, and ST 0601 telemetry."""

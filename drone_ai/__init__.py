"""Drone video AI control tower: application services, ports and adapters (see DESIGN.md)."""

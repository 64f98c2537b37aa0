"""Terrain elevation models."""

"""Geoid models: mean sea level above the WGS-84 ellipsoid."""

"""Driven adapters, one package per technology."""

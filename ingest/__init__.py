"""Reads corpus/ and writes the store: parsing (pure functions) and the ingest pipeline."""

from ingest.ensure import ensure_store

__all__ = ["ensure_store"]

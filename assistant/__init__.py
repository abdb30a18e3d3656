"""Retrieval assistant over the report "Klastry przemysłowe w Polsce" and its sources."""

from .core import Assistant
from .errors import QuestionError
from .settings import Settings
from .store import StoreError

__all__ = ["Assistant", "QuestionError", "Settings", "StoreError"]

"""Retrieval assistant over the report "Klastry przemysłowe w Polsce" and its sources.

Exports are lazy: `import assistant.lemmas` (as ingest's parser does) must not load the query
stack, Chroma or LangChain.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

_EXPORTS = {
    "Assistant": "assistant.answer.assistant",
    "QuestionError": "assistant.errors",
    "StoreError": "assistant.errors",
    "Settings": "assistant.settings",
}

if TYPE_CHECKING:
    from assistant.answer.assistant import Assistant
    from assistant.errors import QuestionError, StoreError
    from assistant.settings import Settings

__all__ = ["Assistant", "QuestionError", "Settings", "StoreError"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)

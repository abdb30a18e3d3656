"""Grant-justification drafts, split by job (no module imports one that imports it back):

- tables: the word tables of assistant/data/draft_facets.toml (facets, headings, framing words), checked
- model: the draft objects (Draft, DraftParagraph, DraftCitation, DraftGrounding), topic check, errors
- bibliography: references parsed and formatted in one style, endnote texts
- compose: choosing the quotes and paragraphs (`draft_justification`)
- rewrite: the optional LLM rewrite of each paragraph under the grounding check
- export: Markdown and DOCX
- command: `python -m assistant draft`

The names below are importable from `assistant.drafts` directly; each loads its module on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "draft_justification": "compose", "Draft": "model", "DraftCitation": "model", "DraftParagraph": "model",
    "DraftGrounding": "model", "ParagraphCheck": "model", "DraftInputError": "model", "DraftOutputError": "model",
    "validate_topic": "model", "rewrite_draft": "rewrite", "to_markdown": "export", "write_draft": "export",
    "write_draft_files": "export", "add_draft_arguments": "command", "draft_command": "command",
}
__all__ = ["Draft", "DraftCitation", "DraftGrounding", "DraftInputError", "DraftOutputError", "DraftParagraph",
           "ParagraphCheck", "add_draft_arguments", "draft_command", "draft_justification", "rewrite_draft",
           "to_markdown", "validate_topic", "write_draft", "write_draft_files"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)

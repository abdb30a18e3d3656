"""The draft objects every drafts module passes around, the input check and the drafts' errors.

A `Draft` holds `DraftParagraph`s of `DraftCitation`s (a `Citation` with its figures and bibliography
entries). After an LLM rewrite its `grounding` is a `DraftGrounding`: one `ParagraphCheck` (heading
plus the shared `assistant.types.Grounding`) per paragraph. Dicts exist only in `to_dict` (the JSON
of `python -m assistant draft --json`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.drafts.tables import WORDS
from assistant.errors import QuestionError
from assistant.types import Citation, Grounding, Mode

MAX_TOPIC_CHARS = 500


class DraftInputError(QuestionError):
    """A topic the drafter cannot take (empty, too long, control characters, unknown language)."""


class DraftOutputError(OSError):
    """The draft cannot be written where asked (unknown format, missing or unwritable folder)."""


def validate_topic(topic: Any, lang: str = "pl") -> str:
    if lang not in WORDS:
        raise DraftInputError(f"unknown language {lang!r}: use pl or en")
    if not isinstance(topic, str) or not topic.strip():
        raise DraftInputError("the topic is empty: describe the project in a few words")
    if len(topic) > MAX_TOPIC_CHARS:
        raise DraftInputError(f"the topic is too long ({len(topic)} characters, at most {MAX_TOPIC_CHARS}): "
                              "describe the project in one sentence")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in topic):
        raise DraftInputError("the topic contains control characters: paste it as plain text")
    return re.sub(r"\s+", " ", topic).strip()


@dataclass
class DraftCitation(Citation):
    """One `[n]` endnote: the verbatim quote, where it is, its figures, and its bibliography entries."""

    figures: list[str] = field(default_factory=list)
    references: list[int] = field(default_factory=list)  # numbers in Draft.bibliography (1 = the report)


@dataclass
class DraftParagraph:
    heading: str
    facet: str            # a FACETS key, "recommendations", or "section-N" for sentences no facet claims
    text: str             # framing plus „quotes” with [n] markers; framing carries no figures
    citations: list[DraftCitation] = field(default_factory=list)

    @property
    def figures(self) -> list[str]:
        return [f for c in self.citations for f in c.figures]


@dataclass
class ParagraphCheck:
    """The grounding check of one paragraph's rewrite, under that paragraph's heading."""

    heading: str
    grounding: Grounding

    def to_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, **self.grounding.to_dict()}


@dataclass
class DraftGrounding:
    """What the LLM rewrite did: how many paragraphs it rewrote, of how many, and each one's check."""

    rewritten: int
    paragraphs: int
    checks: list[ParagraphCheck] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"rewritten": self.rewritten, "paragraphs": self.paragraphs,
                "checks": [c.to_dict() for c in self.checks]}


@dataclass
class Draft:
    topic: str
    language: str
    refused: bool
    message: str = ""
    need: str = ""
    paragraphs: list[DraftParagraph] = field(default_factory=list)
    recommendations: DraftParagraph | None = None
    bibliography: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""
    mode: Mode = Mode.EXTRACTIVE  # LLM / LLM_PARTIAL / FALLBACK when an LLM rewrote (or tried to rewrite) the prose
    grounding: DraftGrounding | None = None  # after an LLM rewrite: per paragraph, rewritten or why not

    @property
    def parts(self) -> list[DraftParagraph]:
        """The evidence paragraphs, then the recommendations paragraph (when there is one)."""
        return self.paragraphs + ([self.recommendations] if self.recommendations else [])

    @property
    def citations(self) -> list[DraftCitation]:
        return [c for p in self.parts for c in p.citations]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for paragraph, original in zip(data["paragraphs"], self.paragraphs):
            paragraph["figures"] = original.figures
        data["mode"] = str(self.mode)
        data["grounding"] = self.grounding.to_dict() if self.grounding is not None else {}
        return data

"""The few typed objects every part of the project passes around.

Parsing produces Page, Footnote, Source and Chunk; retrieval produces Context;
answering produces Answer with Citation and CitedSource. Everything serialises
to plain dicts (the JSON contract in DESIGN.md) through `to_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Page:
    """One printed page of a document, text as extracted (markers still glued)."""

    doc: str
    number: int
    text: str


@dataclass(frozen=True)
class Footnote:
    """A numbered footnote entry from the bottom of a report page."""

    number: int
    page: int
    text: str
    urls: tuple[str, ...] = ()
    doi: str | None = None
    same_as: int | None = None  # "tamże" (ibid.) points at the previous footnote


@dataclass
class Source:
    """A cited work: footnotes that cite the same reference collapse into one."""

    id: str
    reference: str
    authors: str | None = None
    year: str | None = None
    url: str | None = None
    doi: str | None = None
    footnotes: list[int] = field(default_factory=list)
    kind: str = "reference"  # "note" for an explanatory footnote that cites no work

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Sentence:
    """A sentence of body text with its markers removed and the footnotes it cites."""

    text: str
    footnotes: tuple[int, ...] = ()


@dataclass
class Chunk:
    """The unit that is embedded and retrieved; never crosses a section."""

    id: str
    doc: str
    title: str
    page: int
    section: str
    text: str
    sentences: list[Sentence]
    start: int = 0  # character span in the page's cleaned text
    end: int = 0
    kind: str = "report"  # "report" for document text, "source" for a bibliography entry

    @property
    def footnotes(self) -> list[int]:
        return sorted({n for s in self.sentences for n in s.footnotes})

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["footnotes"] = self.footnotes
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chunk":
        sentences = [Sentence(s["text"], tuple(s.get("footnotes", ()))) for s in data["sentences"]]
        fields = {k: data[k] for k in ("id", "doc", "title", "page", "section", "text", "start", "end", "kind")}
        return cls(sentences=sentences, **fields)


@dataclass
class Context:
    """A retrieved chunk with its fused retrieval score."""

    chunk_id: str
    doc: str
    page: int
    section: str
    text: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CitedSource:
    footnote: int
    id: str
    reference: str
    url: str | None = None
    doi: str | None = None


@dataclass
class Citation:
    """What a reader needs to check one `[n]` marker: where, the verbatim quote, and its sources."""

    marker: int
    doc: str
    title: str
    page: int
    section: str
    quote: str
    footnotes: list[int] = field(default_factory=list)
    sources: list[CitedSource] = field(default_factory=list)


@dataclass
class Answer:
    """The answer object of the JSON contract (DESIGN.md)."""

    question: str
    language: str
    answer: str
    refused: bool
    mode: str = "extractive"
    citations: list[Citation] = field(default_factory=list)
    contexts: list[Context] = field(default_factory=list)
    see_also: list[Citation] = field(default_factory=list)
    latency_ms: float = 0.0
    grounding: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

"""The draft objects every drafts module passes around, the input check and the drafts' errors.

A `Draft` holds `DraftParagraph`s of `DraftCitation`s (a `Citation` with its figures and bibliography
entries), each paragraph in one of the application's sections (`SECTIONS`: the need, the alignment with
recommendations and policies; the third, the data and indicators, is drawn from the need's quotes on
export), and the `FigureCandidate`s the coordinator chooses from (check boxes in the web chat's draft
tab). After an LLM rewrite its `grounding` is a `DraftGrounding`: one `ParagraphCheck` (heading plus
the shared `assistant.types.Grounding`) per paragraph. Dicts exist only in `to_dict` (the JSON
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
SECTIONS = ("need", "policy", "data")  # "Diagnoza i uzasadnienie potrzeby", "Zgodność z rekomendacjami...", "Dane..."


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
    damage: str = ""  # the piece of the quote that looks damaged by extraction ("14,2y"), flagged wherever shown


@dataclass
class FigureCandidate:
    """One report sentence the draft may quote, as the coordinator sees it: ticked when relevant to the topic."""

    id: str                 # "<chunk id>#<sentence index>": what the tab's check boxes send back
    quote: str
    page: int
    section: str            # the report section it is in
    footnotes: tuple[int, ...]
    figures: list[str]
    part: str               # "need" (evidence with figures) or "policy" (a recommendation or policy area)
    facet: str              # the paragraph it goes to (a FACETS key, "recommendations", "partner", "section-N")
    relevance: float        # the answerability ranker's margin for the topic (higher: more relevant)
    relevant: bool          # ticked by default: relevant, undamaged and sure
    damage: str = ""        # see DraftCitation.damage; a damaged quote is never ticked by default
    confidence: float | None = None  # the chat's judge: probability that it answers the subject (None: no model)
    check: bool = False     # relevant but not sure (below the judge's sure level): offered unticked, "to check"
    number: int = 0         # its place in the list (1, 2, ...): what `--pick 3,5,9` names
    limited: bool = False   # relevant and sure, but over the draft's limits (per paragraph, section, draft): unticked


@dataclass
class Shortened:
    """A section cut to its length limit (`--max-chars`): said under the section, in every format."""

    section: str   # one of SECTIONS
    limit: int     # characters with spaces
    dropped: int   # whole quotes (or data rows) left out from the section's end


@dataclass
class DraftParagraph:
    heading: str
    facet: str            # a FACETS key, "recommendations", "partner", or "section-N" for sentences no facet claims
    text: str             # framing plus „quotes” with [n] markers; framing carries no figures
    citations: list[DraftCitation] = field(default_factory=list)
    section: str = "need"  # one of SECTIONS

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
    paragraphs: list[DraftParagraph] = field(default_factory=list)  # the need's paragraphs, then the policy ones
    bibliography: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""
    mode: Mode = Mode.EXTRACTIVE  # LLM / LLM_PARTIAL / FALLBACK when an LLM rewrote (or tried to rewrite) the prose
    grounding: DraftGrounding | None = None  # after an LLM rewrite: per paragraph, rewritten or why not
    subject: str = ""     # the project's subject read from the topic (an instruction's words removed)
    candidates: list[FigureCandidate] = field(default_factory=list)  # what the coordinator may choose from
    chosen: list[str] = field(default_factory=list)  # ids of the candidates quoted
    author: str = ""      # the .docx author (setting `draft_author`, KLASTRY_DRAFT_AUTHOR)
    limits: dict[str, int] = field(default_factory=dict)  # characters per section (`--max-chars`)
    shortened: list[Shortened] = field(default_factory=list)  # the sections cut to their limits

    @property
    def parts(self) -> list[DraftParagraph]:
        """The prose paragraphs in reading order (what an LLM rewrites)."""
        return self.paragraphs

    def section(self, name: str) -> list[DraftParagraph]:
        return [p for p in self.paragraphs if p.section == name]

    @property
    def damaged(self) -> list[DraftCitation]:
        return [c for c in self.citations if c.damage]

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

"""The few typed objects every part of the project passes around.

Parsing produces Page, Footnote, Source and Chunk; retrieval produces Context (which holds
its Chunk); answering produces Answer with Citation (chunk id and sentence refs, so any quote
can be re-checked against the store) and CitedSource; the LLM path and drafts record a
Grounding. Dicts exist only at the JSON edges (`to_dict` / `from_dict`, docs/contracts.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, Iterator, NamedTuple


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


class SentenceRef(NamedTuple):
    """One sentence of the store: the chunk it is in and its position there."""

    chunk_id: str
    index: int


@dataclass
class Context:
    """A retrieved chunk with its fused retrieval score (the chunk itself, not a copy of its fields)."""

    chunk: Chunk
    score: float

    @property
    def chunk_id(self) -> str:
        return self.chunk.id

    @property
    def doc(self) -> str:
        return self.chunk.doc

    @property
    def page(self) -> int:
        return self.chunk.page

    @property
    def section(self) -> str:
        return self.chunk.section

    @property
    def text(self) -> str:
        return self.chunk.text

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk.id,
            "doc": self.chunk.doc,
            "page": self.chunk.page,
            "section": self.chunk.section,
            "text": self.chunk.text,
            "score": self.score,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Context":
        """A context read back from JSON: the chunk is rebuilt from what the JSON keeps."""
        chunk = Chunk(
            id=data["chunk_id"],
            doc=data["doc"],
            title=data.get("title", data["doc"]),
            page=data["page"],
            section=data["section"],
            text=data["text"],
            sentences=[Sentence(data["text"])],
        )
        return cls(chunk, data.get("score", 0.0))


@dataclass
class SourceCheck:
    """The claim check of one cited source (issue 16): does the source's own text support the quoted sentence?

    Computed at ingest (ingest.claims) and looked up at answer time (assistant.claims). `state` is
    "confirmed", "figure_differs" (`figure` in the report, `source_figure` in the source) or "not_found";
    `doc` is the source's file, `page` and `quote` the best supporting passage (None when not found)."""

    state: str
    doc: str
    page: int | None = None
    quote: str | None = None
    figure: str | None = None
    source_figure: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "SourceCheck | None":
        if data is None:
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class CitedSource:
    footnote: int
    id: str
    reference: str
    url: str | None = None
    doi: str | None = None
    check: SourceCheck | None = None  # None: the source's own text is not indexed (corpus/sources/)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CitedSource":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["check"] = SourceCheck.from_dict(data.get("check"))
        return cls(**values)


@dataclass
class Citation:
    """What a reader needs to check one `[n]` marker: where, the verbatim quote, and its sources.

    `chunk_id` and `sentences` say where the quote came from in the store, so it can be checked by id.
    """

    marker: int
    doc: str
    title: str
    page: int
    section: str
    quote: str
    footnotes: list[int] = field(default_factory=list)
    sources: list[CitedSource] = field(default_factory=list)
    chunk_id: str = ""
    sentences: list[SentenceRef] = field(default_factory=list)
    damaged: str = ""  # the piece of the quote that looks damaged by PDF extraction ("14,2y"); "" when whole

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Citation":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["sources"] = [CitedSource.from_dict(s) for s in data.get("sources") or []]
        values["sentences"] = [SentenceRef(*s) for s in data.get("sentences") or []]
        return cls(**values)


@dataclass
class OtherValue:
    """Another indexed document stating what the answer's quote states, with another figure (issue 26).

    Shown under the answer ("Inna wartość w dokumencie X: ..."), never instead of it."""

    doc: str
    page: int
    quote: str
    figures: list[str] = field(default_factory=list)  # its figures the answer's quotes do not hold
    chunk_id: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "OtherValue":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class Mode(StrEnum):
    """How an answer or a draft was written."""

    EXTRACTIVE = "extractive"  # verbatim quotes chosen by the extractive answerer
    LLM = "llm"  # written by the model, every sentence passed the grounding check
    LLM_PARTIAL = "llm-partial"  # drafts: some paragraphs by the model, the rest extractive
    FALLBACK = "extractive-fallback"  # the model's text failed the check (or the model was down)


class Outcome(StrEnum):
    """How sure an answer is (issue 25): what the reader is shown, the CLI's exit code, what the evaluation counts.

    The judged probability of the answer's passage against two levels chosen on dev (`python -m eval train`,
    settings `answer.sure_above` / `answer.check_above`)."""

    SURE = "sure"  # at or above the sure level: an answer ("Według raportu: ...")
    CHECK = "check"  # between the levels: the closest passage, shown for the reader to check, never as an answer
    REFUSED = "refused"  # below the refusal level: not in the report (`refused` is true only for this one)


@dataclass
class Grounding:
    """The grounding check's record for one LLM answer (chat) or one rewritten paragraph (drafts)."""

    llm_called: bool = True
    ok: bool = False
    reason: str = ""  # why it failed, one line; empty when ok
    failure: str | None = None  # "ungrounded", "timeout", "unreachable", "config", "error"
    backend: str = ""
    model: str = ""
    invented_markers: list[int] = field(default_factory=list)
    unsupported_numbers: list[str] = field(default_factory=list)
    uncited_sentences: list[str] = field(default_factory=list)
    dropped_markers: list[int] = field(default_factory=list)  # drafts: markers of the original the rewrite lost
    cited: list[int] = field(default_factory=list)
    llm_ms: float = 0.0

    def get(self, key: str, default: Any = None) -> Any:
        """Dict-style read, for callers written against the JSON form."""
        return getattr(self, key, default)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Grounding | None":
        if data is None:
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Answer:
    """The answer object of the JSON contract (docs/contracts.md)."""

    question: str
    language: str
    answer: str
    refused: bool
    mode: Mode = Mode.EXTRACTIVE
    citations: list[Citation] = field(default_factory=list)
    contexts: list[Context] = field(default_factory=list)
    see_also: list[Citation] = field(default_factory=list)
    latency_ms: float = 0.0
    grounding: Grounding | None = None
    missing: str = ""  # for a refusal: what the report lacks, in one line (empty when answered)
    confidence: float | None = None  # answerability of the best candidate (0-1), None without a model
    outcome: Outcome | None = None  # sure / check / refused; None at construction means "from `refused`"
    other_values: list[OtherValue] = field(default_factory=list)  # other documents' figures for the same thing

    def __post_init__(self) -> None:
        """`refused` and `outcome` never disagree: a refusal is REFUSED; an answer without one is SURE."""
        if self.refused:
            self.outcome = Outcome.REFUSED
        elif self.outcome is None or self.outcome == Outcome.REFUSED:
            self.outcome = Outcome.SURE
        else:
            self.outcome = Outcome(self.outcome)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["mode"] = str(self.mode)
        data["outcome"] = str(self.outcome)
        data["citations"] = [asdict(c) for c in self.citations]
        data["see_also"] = [asdict(c) for c in self.see_also]
        data["other_values"] = [asdict(v) for v in self.other_values]
        data["contexts"] = [c.to_dict() for c in self.contexts]
        data["grounding"] = self.grounding.to_dict() if self.grounding is not None else None
        for citation in data["citations"] + data["see_also"]:
            citation["sentences"] = [list(s) for s in citation["sentences"]]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Answer":
        return cls(
            question=data["question"],
            language=data["language"],
            answer=data["answer"],
            refused=bool(data["refused"]),
            mode=Mode(data.get("mode", "extractive")),
            citations=[Citation.from_dict(c) for c in data.get("citations") or []],
            contexts=[Context.from_dict(c) for c in data.get("contexts") or []],
            see_also=[Citation.from_dict(c) for c in data.get("see_also") or []],
            latency_ms=float(data.get("latency_ms", 0.0)),
            grounding=Grounding.from_dict(data.get("grounding")),
            missing=data.get("missing", ""),
            confidence=data.get("confidence"),
            outcome=Outcome(data["outcome"]) if data.get("outcome") else None,
            other_values=[OtherValue.from_dict(v) for v in data.get("other_values") or []],
        )


class AnswerStream:
    """An answer as it is written: iterate for text pieces; `.answer` is the final Answer afterwards.

    The pieces are only ever text, so no consumer has to tell text from the result. `.answer`
    drains what is left of the stream. `replaced` is true when the final answer is not the text that
    was streamed (an LLM answer rejected by the grounding check): the consumer shows `.answer.answer`.
    """

    def __init__(self, pieces: Iterator[str | Answer]) -> None:
        self._pieces = pieces
        self._answer: Answer | None = None
        self.streamed: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for item in self._pieces:
            if isinstance(item, Answer):
                self._answer = item
                return
            self.streamed.append(item)
            yield item

    @property
    def answer(self) -> Answer:
        if self._answer is None:
            for _ in self:
                pass
        if self._answer is None:
            raise RuntimeError("the answer stream ended without an answer")
        return self._answer

    @property
    def replaced(self) -> bool:
        return "".join(self.streamed).strip() != self.answer.answer.strip()



@dataclass(frozen=True)
class UploadState:
    """The web chat's document upload (issue 26 item 5) as its panel shows it; one at a time per chat."""
    phase: str = "idle"  # "idle", "checking" (reading the file), "indexing", "done" or "failed"
    file: str = ""  # the uploaded file's name, then the stored one ("sources/memo.md")
    user: str = ""  # who added it ("" without a login)
    stage: str = ""  # the ingest's stage as the CLI shows it ("parse", "embed", "writing the index"), or "loading"
    done: int = 0  # the stage's work done (files parsed, texts embedded) and to do (0: a step without a count)
    total: int = 0
    seconds_left: float | None = None  # the embedding's ETA, as the CLI's bar computes it
    message: str = ""  # done / failed: the one line (English); `kind` and `details` let the panel word it in Polish
    kind: str = ""
    details: dict[str, str] = field(default_factory=dict)
    busy = property(lambda self: self.phase in ("checking", "indexing"))

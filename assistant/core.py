"""The Assistant: question in, grounded answer with checkable citations out."""

from __future__ import annotations

import re
import time
import unicodedata
from typing import Iterator

import numpy as np

from .citations import make_citation
from .embeddings import embedder_name, make_embedder
from .errors import QuestionError
from .conditions import NEGATION, MONEY, Needs, counts, edition_years, has_phrase, keys_satisfied, mostly_unknown, year_terms
from .extractive import (HAS_FIGURE, YEAR, SentenceIndex, leaning_sentence, pick_sentences, question_terms,
                         score_sentences, sourced_original)
from .glossary import ACRONYMS, expand_query
from .language import detect_language, resolve_follow_up
from .lexical import LexicalIndex, load_lemma_cache, tokenize, warm_lemmatizer
from .retrieval import HybridRetriever, HybridSearch
from .settings import Settings
from .store import StoreError, check_embedder, chroma_client, get_collection, load_snapshot
from .types import Answer, Citation

REFUSE_BELOW = 0.15  # best sentence's question coverage; calibrated on eval/questions.yaml (see README)
ANSWER_ABOVE = 1.1  # ...unless the sentence fits the question well by meaning (combined score)
FRAMING = {"pl": "Według raportu:", "en": "According to the report:"}
REFUSAL = {
    "pl": "Raport nie podaje tej informacji.",
    "en": "The report does not say.",
    "de": "Ich beantworte Fragen auf Polnisch und Englisch. / Odpowiadam na pytania po polsku i angielsku. "
          "/ I answer questions in Polish and English.",
}


class Assistant:
    def __init__(self, settings: Settings, search: HybridSearch, sentences: SentenceIndex) -> None:
        self.settings = settings
        self.search = search
        self.sentences = sentences
        self.snapshot = search.snapshot

    @classmethod
    def load(cls, settings: Settings | None = None) -> "Assistant":
        """Open the store once: Chroma collection, lexical index, bibliography, embedder."""
        settings = settings or Settings.load()
        snapshot = load_snapshot(settings)
        check_embedder(snapshot.manifest, embedder_name(settings.embedder))
        try:
            collection = get_collection(chroma_client(settings), settings, snapshot.manifest["embedder"])
        except Exception as error:  # missing collection or unreachable server
            raise StoreError(f"cannot open the Chroma collection {settings.collection!r}: "
                             f"{str(error).splitlines()[0]}; run `python -m ingest`") from error
        lexical = LexicalIndex.load(snapshot.generation_dir / "lexical")
        reranker = None
        if settings.reranker:
            from sentence_transformers import CrossEncoder

            reranker = CrossEncoder(settings.reranker, device="cpu")
        search = HybridSearch(snapshot, collection, make_embedder(settings.embedder), lexical, reranker)
        load_lemma_cache(snapshot.generation_dir / "lemmas.json")
        warm_lemmatizer()  # words outside the report's vocabulary need simplemma's dictionary
        vectors, keys = None, None
        if (snapshot.generation_dir / "sentence_vectors.npy").exists():
            import json

            import numpy as np

            vectors = np.load(snapshot.generation_dir / "sentence_vectors.npy")
            keys = json.loads((snapshot.generation_dir / "sentence_keys.json").read_text("utf-8"))
        return cls(settings, search, SentenceIndex(snapshot.chunks, vectors, keys))

    def retriever(self, k: int | None = None) -> HybridRetriever:
        return HybridRetriever(search_engine=self.search, k=k or self.settings.top_k)

    def validate(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("Puste pytanie: wpisz pytanie o raport. / The question is empty: type a question about the report.")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(f"Pytanie jest za długie ({len(question)} znaków, najwyżej {self.settings.max_question_chars}). "
                                f"/ The question is too long ({len(question)} characters, at most "
                                f"{self.settings.max_question_chars}): ask about one thing at a time.")
        if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in question):
            raise QuestionError("Pytanie zawiera znaki sterujące: wklej je jako zwykły tekst. "
                                "/ The question contains control characters: paste it as plain text.")
        return re.sub(r"\s+", " ", question).strip()

    def ask(self, question: str, history: list[str] | None = None, k: int | None = None) -> Answer:
        started = time.perf_counter()
        question = self.validate(question)
        language = detect_language(question)
        k = k or self.settings.top_k
        if language == "de":
            return Answer(question, "de", REFUSAL["de"], True, latency_ms=_ms(started))
        query = resolve_follow_up(question, history)
        expanded = expand_query(query, language)
        contexts = self.search.search(query, k, lexical_query=expanded)
        query_vector = np.asarray(self.search.last_query_vector, dtype=np.float32)
        scored = score_sentences(query, expanded, contexts, self.snapshot.chunks, self.sentences, language, query_vector,
                                 include_all=True, follow_up=question if query != question else None)
        needs = Needs.read(question, query, language, self.sentences)
        if needs.noun:  # prefer sentences where a figure counts what was asked about
            scored = sorted(scored, key=lambda s: -(s.score + (0.1 if counts(s.text, needs.noun) else 0.0)))
        eligible = [s for s in scored[:15] if self._satisfies(s, needs)]
        chosen = pick_sentences(eligible, question)
        original = sourced_original(chosen[0], self.sentences, self.snapshot.chunks) if chosen else None
        if original is not None and original.text not in [s.text for s in chosen]:
            chosen = [chosen[0], original] + chosen[1:2]
        answerable = any(s.coverage >= REFUSE_BELOW or s.score >= ANSWER_ABOVE for s in chosen)
        if language == "pl" and mostly_unknown(question, self.sentences):
            answerable = False
        terms = question_terms(expanded)
        if not answerable:
            see_also = [make_citation(i + 1, s.chunk, s.text, list(s.footnotes), self.snapshot)
                        for i, s in enumerate(scored[:3])]
            return Answer(question, language, REFUSAL[language], True, contexts=contexts, see_also=see_also,
                          latency_ms=_ms(started))
        citations: list[Citation] = []
        parts = [FRAMING[language]]
        for marker, sentence in enumerate(chosen, start=1):
            quote, footnotes = sentence.text, list(sentence.footnotes)
            lean = leaning_sentence(sentence, terms, self.sentences)
            if lean is not None:
                previous = lean[0].sentences[lean[1]]
                if previous.text not in [c.quote for c in citations]:
                    quote = f"{previous.text} {quote}"
                    footnotes = sorted(set(footnotes) | set(previous.footnotes))
            if sentence.chunk.kind == "source":
                quote = quote.split("\nCytowane przy:")[0]
            citations.append(make_citation(marker, sentence.chunk, quote, footnotes, self.snapshot))
            parts.append(f"„{quote}” [{marker}]")
        return Answer(question, language, " ".join(parts), False, citations=citations, contexts=contexts,
                      latency_ms=_ms(started))

    def _satisfies(self, sentence, needs: Needs) -> bool:
        """The hard conditions. On the passage: the question's names and years (years as reported, not
        as a baseline; the edition it names). On the sentence and what it leans on: a figure when one is
        asked for, one that counts what was asked about ("ile klastrów"), a year, an amount, a negation.
        Multi-word names as written."""
        if sentence.chunk.kind != "report" and not needs.source:
            return False
        if not keys_satisfied(needs.keys, self._answer_terms(sentence)):
            return False
        text = self._answer_text(sentence)
        if needs.figure and not HAS_FIGURE.search(text):
            return False
        if needs.noun and not counts(text, needs.noun):
            return False
        if needs.money and not MONEY.search(text):
            return False
        if needs.year and not YEAR.search(text):
            return False
        if needs.negative and not NEGATION.search(text):
            return False
        passage = sentence.chunk.text if sentence.chunk.kind == "report" else sentence.text
        if needs.years and not needs.years <= year_terms(passage):
            return False
        if needs.editions and not needs.editions <= edition_years(passage):
            return False  # "the 2022 edition" is not answered from the 2024 edition
        return all(has_phrase(p, sentence.chunk.text) for p in needs.phrases)

    def _answer_text(self, sentence) -> str:
        lean = leaning_sentence(sentence, set(), self.sentences)
        return sentence.text if lean is None else f"{lean[0].sentences[lean[1]].text} {sentence.text}"

    def _answer_terms(self, sentence, section: bool = True) -> set[str]:
        """What a sentence can vouch for: its terms, the sentence it leans on, its section title."""
        terms = set(self.sentences.tokens[(sentence.chunk.id, sentence.index)])
        if section:  # names and years may be set a few sentences earlier in the same passage
            for i in range(len(sentence.chunk.sentences)):
                terms |= self.sentences.tokens[(sentence.chunk.id, i)]
        previous = self.sentences.context_of((sentence.chunk.id, sentence.index))
        if previous is not None:
            terms |= self.sentences.tokens[(previous[0].id, previous[1])]
        if section:  # ...or in the two sentences before it, across a chunk boundary
            before = self.sentences.previous.get((sentence.chunk.id, sentence.index))
            for _ in range(2):
                if before is None:
                    break
                terms |= self.sentences.tokens[(before[0].id, before[1])]
                before = self.sentences.previous.get((before[0].id, before[1]))
        for acronym, expansion in ACRONYMS.items():
            if acronym in terms:
                terms |= set(tokenize(expansion))
        return terms | set(tokenize(sentence.chunk.section)) if section else terms

    def ask_stream(self, question: str, history: list[str] | None = None, k: int | None = None) -> Iterator:
        """Yield the answer text in pieces, then the final Answer object."""
        answer = self.ask(question, history=history, k=k)
        for piece in re.findall(r"\S+\s*", answer.answer):
            yield piece
        yield answer

    def answer(self, question: str, history: list[str] | None = None, k: int | None = None,
               stream: bool = False, llm: bool | None = None):
        """`ask` in the configured mode: extractive, or an LLM answer that must pass the grounding check.

        `llm=None` follows settings (`KLASTRY_LLM_BACKEND`); with `stream=True` it yields text
        pieces and then the final Answer.
        """
        use_llm = self.settings.llm_backend != "none" if llm is None else llm
        if use_llm:
            from .llm import answer_with_llm

            return answer_with_llm(self, question, history=history, stream=stream)
        return self.ask_stream(question, history=history, k=k) if stream else self.ask(question, history=history, k=k)

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

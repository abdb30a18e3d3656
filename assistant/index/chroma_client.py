"""Chroma, embedded or a server (`chroma run`), behind one client whose failures are one-line StoreErrors.

A lost server (connection refused, reset, timed out) becomes a StoreError that says how to start it
again; the same `Collection` answers again as soon as the server is back (the HTTP client reconnects
per request). A collection deleted and created again by a re-ingest (new embedder) is looked up
again by name once. Any other Chroma failure (a damaged store, a full disk) is a StoreError naming
Chroma's own reason and the rebuild command. Chroma's default embedding function is never used: it
downloads a model, so every collection is opened with `embedding_function=None`.
"""

from __future__ import annotations

from typing import Any

from assistant.errors import StoreError
from assistant.settings import Settings

REBUILD = "rebuild the index with `python -m ingest --rebuild`"
FULL_DISK = ("disk is full", "no space left")


def server_url(settings: Settings) -> str:
    return f"http://{settings.chroma_host}:{settings.chroma_port}"


def server_down(settings: Settings, reason: object) -> StoreError:
    first = str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
    return StoreError(f"the Chroma server at {server_url(settings)} is not answering ({first}): start it "
                      f"(`chroma run --path DIR --host {settings.chroma_host} --port {settings.chroma_port}`); "
                      f"questions are answered again as soon as it is back")


def _is_connection_error(error: BaseException) -> bool:
    import httpx

    if isinstance(error, httpx.TransportError):
        return True
    return isinstance(error, ValueError) and "could not connect to a chroma server" in str(error).lower()


def translate(settings: Settings, error: BaseException, doing: str) -> StoreError:
    """The one-line StoreError for a Chroma failure while `doing` something."""
    if settings.chroma_host and _is_connection_error(error):
        return server_down(settings, error)
    if isinstance(error, StoreError):
        return error
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    where = server_url(settings) if settings.chroma_host else "the embedded store"
    if any(words in first.lower() for words in FULL_DISK):
        return StoreError(f"the disk is full ({where}: {first[:200]}): free some space and run `python -m ingest` "
                          f"again; the published index was not changed")
    return StoreError(f"Chroma ({where}) failed while {doing}: {first[:300]}; {REBUILD}")


def connect(settings: Settings, fresh: bool = False):
    """The Chroma client: `HttpClient` when KLASTRY_CHROMA_HOST is set, else `PersistentClient` under the store.
    `fresh`: not the process's cached embedded system. Chroma keeps one per path, with the vector segments it
    loaded; after another process (`python -m ingest`, an upload in a worker) wrote the store, that system fails
    on the new ids ("Error finding id", measured with chromadb 1.5.9), so a reload must not reuse it."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_host:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
        from assistant.index.layout import StoreLayout

        path = StoreLayout(settings.store_dir).chroma_dir
        path.mkdir(parents=True, exist_ok=True)
        if fresh:  # dropped from the cache, not stopped: questions in flight still use it; it goes with them
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient._identifier_to_system.pop(str(path), None)
            SharedSystemClient._identifier_to_refcount.pop(str(path), None)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as error:  # noqa: BLE001 - every way of failing to connect is one line
        raise translate(settings, error, "connecting") from error


class Collection:
    """A Chroma collection by name: StoreErrors instead of transport errors, looked up again when recreated."""

    def __init__(self, client, settings: Settings, name: str, embedder: str = "", create: bool = False,
                 metadata: dict | None = None) -> None:
        self.client, self.settings, self.name = client, settings, name
        self._metadata = metadata if metadata is not None else {"embedder": embedder, "hnsw:space": "cosine"}
        self._create = create
        self._inner = self._call(self._open, "opening the collection")

    def _open(self):
        if self._create:
            return self.client.get_or_create_collection(self.name, embedding_function=None, metadata=self._metadata)
        return self.client.get_collection(self.name, embedding_function=None)

    def _call(self, function, doing: str, *args: Any, **kwargs: Any):
        from chromadb.errors import NotFoundError

        try:
            return function(*args, **kwargs)
        except NotFoundError as error:
            raise StoreError(f"the Chroma collection {self.name!r} is missing "
                             f"({server_url(self.settings) if self.settings.chroma_host else 'embedded store'}): "
                             f"run `python -m ingest`") from error
        except Exception as error:  # noqa: BLE001 - translated into one line
            raise translate(self.settings, error, doing) from error

    def _run(self, method: str, doing: str, *args: Any, **kwargs: Any):
        from chromadb.errors import NotFoundError

        try:
            return getattr(self._inner, method)(*args, **kwargs)
        except NotFoundError:  # deleted and created again by a re-ingest: the same name, a new id
            self._inner = self._call(self._open, "opening the collection again")
            return self._call(getattr(self._inner, method), doing, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - translated into one line
            raise translate(self.settings, error, doing) from error

    @property
    def metadata(self) -> dict | None:
        return self._inner.metadata

    def query(self, **kwargs: Any):
        return self._run("query", "searching", **kwargs)

    def get(self, **kwargs: Any):
        return self._run("get", "reading", **kwargs)

    def upsert(self, **kwargs: Any):
        return self._run("upsert", "writing", **kwargs)

    def delete(self, **kwargs: Any):
        return self._run("delete", "deleting", **kwargs)

    def count(self) -> int:
        return self._run("count", "counting")


def delete_collection(client, settings: Settings, name: str) -> None:
    try:
        client.delete_collection(name)
    except Exception as error:  # noqa: BLE001 - translated into one line
        raise translate(settings, error, "deleting the collection") from error

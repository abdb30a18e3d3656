from assistant.errors import StoreError


class IngestError(Exception):
    """A file that cannot be ingested; the message is one line naming the reason."""


class NothingToIngest(StoreError):
    """The corpus has no file that can be indexed (empty, or every file skipped); the store is left as it was."""


class StoreBusy(StoreError):
    """Another ingest (the CLI, a web upload, another chat) is writing the same store; nothing was changed."""

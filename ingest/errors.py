class IngestError(Exception):
    """A file that cannot be ingested; the message is one line naming the reason."""

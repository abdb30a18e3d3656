"""Errors a user may see: each message is one line that says what to do."""


class KlastryError(Exception):
    """Base of the errors the CLI, the web chat and the evaluation print as one line."""


class QuestionError(KlastryError, ValueError):
    """A question the assistant cannot take (empty, too long, control characters)."""


class StoreError(KlastryError):
    """The store is missing or unusable; the message tells the user what to run."""


class LLMConfigError(KlastryError, ValueError):
    """The LLM settings cannot work (unknown backend, missing GGUF file)."""


class SettingsError(KlastryError, ValueError):
    """A setting that cannot be read (unknown name, wrong type, unreadable config file)."""

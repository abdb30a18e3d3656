class QuestionError(ValueError):
    """A question the assistant cannot take (empty, too long, control characters)."""

"""The Question: everything read from what the user typed, once per ask.

Cleaned text, language, the conversation it continues, the lexical expansion and what the
answer must contain (`Needs`). Scoring, selection, the LLM path and drafts read it; none of
them re-parses the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.answer.language import detect_language, resolve_follow_up
from assistant.answer.needs import Needs
from assistant.errors import QuestionError
from assistant.glossary import expand_query
from assistant.strings import message

if TYPE_CHECKING:
    from assistant.answer.scoring import SentenceIndex


def clean_question(text: object, max_chars: int) -> str:
    """The question with whitespace collapsed, or a QuestionError that says what to fix."""
    if not isinstance(text, str) or not text.strip():
        raise QuestionError(message("question_empty"))
    if len(text) > max_chars:
        raise QuestionError(message("question_too_long", chars=len(text), limit=max_chars))
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in text):
        raise QuestionError(message("question_control_chars"))
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Question:
    text: str  # as typed, whitespace collapsed
    language: str  # "pl", "en" or "de" (German only to say which languages we answer)
    history: tuple[str, ...]  # earlier questions of the conversation
    query: str  # the text with the conversation it continues (equal to `text` for a standalone question)
    expanded: str  # `query` plus glossary terms in the other language, for lexical matching
    needs: Needs  # what an answer must contain

    @property
    def is_follow_up(self) -> bool:
        return self.query != self.text

    @property
    def follow_up(self) -> str | None:
        """The short question that continues the conversation, when it does."""
        return self.text if self.is_follow_up else None

    @classmethod
    def read(cls, text: object, history: list[str] | None, index: "SentenceIndex", max_chars: int = 2000) -> "Question":
        cleaned = clean_question(text, max_chars)
        language = detect_language(cleaned)
        history_items = tuple(h for h in history or [] if isinstance(h, str) and h.strip())
        query = resolve_follow_up(cleaned, list(history_items))
        expanded = expand_query(query, language)
        needs = Needs.read(cleaned, query, language, index)
        return cls(cleaned, language, history_items, query, expanded, needs)

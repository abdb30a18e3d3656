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
    """The question with whitespace collapsed and invisible format characters (bidi overrides, zero-width
    spaces, BOM) dropped, or a QuestionError that says what to fix."""
    if text is not None and not isinstance(text, str):
        raise QuestionError(message("question_not_text", kind=type(text).__name__))
    if text is None or not text.strip():
        raise QuestionError(message("question_empty"))
    if len(text) > max_chars:
        raise QuestionError(message("question_too_long", chars=len(text), limit=max_chars))
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t\r" for ch in text):
        raise QuestionError(message("question_control_chars"))
    if any(unicodedata.category(ch) == "Cs" for ch in text):  # lone surrogates: bytes that were not UTF-8
        raise QuestionError(message("question_not_unicode"))
    cleaned = re.sub(r"\s+", " ", "".join(ch for ch in text if unicodedata.category(ch) != "Cf")).strip()
    if not cleaned:
        raise QuestionError(message("question_empty"))
    return cleaned


def clean_history(history: object, max_chars: int) -> tuple[str, ...]:
    """The earlier questions of a conversation, each cleaned like a question; blank ones are left out."""
    if history is None:
        return ()
    if isinstance(history, (str, bytes)) or not isinstance(history, (list, tuple)):
        raise QuestionError(message("history_not_list", kind=type(history).__name__))
    items = [h for h in history if h is not None and not (isinstance(h, str) and not h.strip())]
    wrong = next((h for h in items if not isinstance(h, str)), None)
    if wrong is not None:
        raise QuestionError(message("history_not_list", kind=f"{type(history).__name__} of {type(wrong).__name__}"))
    return tuple(clean_question(h, max_chars) for h in items)


def check_k(k: object, limit: int = 50) -> int | None:
    """The number of passages asked for (None: the configured default), or a QuestionError."""
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= limit:
        raise QuestionError(message("k_out_of_range", limit=limit, got=repr(k)[:40]))
    return k


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
    def read(cls, text: object, history: object, index: "SentenceIndex", max_chars: int = 2000) -> "Question":
        cleaned = clean_question(text, max_chars)
        language = detect_language(cleaned)
        history_items = clean_history(history, max_chars)
        query = resolve_follow_up(cleaned, list(history_items))
        expanded = expand_query(query, language)
        if language == "pl":
            expanded = with_synonyms(expanded, index)
        needs = Needs.read(cleaned, query, language, index)
        return cls(cleaned, language, history_items, query, expanded, needs)


def with_synonyms(text: str, index: "SentenceIndex") -> str:
    """The lexical query plus the report's synonyms of the words it never uses ("przeciętnie": "średnio"):
    those words match nothing in the report, so only their synonyms can find the passage."""
    from assistant.lemmas import shares_stem, tokenize
    from assistant.synonyms import synonym_lemmas

    extra = [" ".join(sorted(synonym_lemmas(t))) for t in dict.fromkeys(tokenize(text))
             if not t[0].isdigit() and not shares_stem(t, index.df) and synonym_lemmas(t)]
    return f"{text} {' '.join(extra)}" if extra else text

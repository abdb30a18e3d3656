"""One visitor's conversation in the web chat, typed: no gradio here.

A ChatSession lives in the view's per-tab state. It keeps what follow-up questions need (the
questions asked so far), what the thumbs need (each answered turn, by the position of its message
in the chat), what "show page" needs (each card's Citation, by the card's key) and the interface
language. Feedback records are built here, so the view only hands over the click.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

from assistant.types import Answer, Citation
from assistant.web import render


@dataclass
class Turn:
    """One answered question: the question as the assistant read it and its answer (without contexts)."""

    number: int  # 0 for the first answered question of the session; part of its cards' keys
    question: str
    answer: Answer


@dataclass
class ChatSession:
    history: list[str] = field(default_factory=list)  # answered questions, oldest first
    turns: dict[int, Turn] = field(default_factory=dict)  # by the chat position of the answer's message
    citations: dict[str, Citation] = field(default_factory=dict)  # by card key (render.cite_key)
    language: str = "pl"  # of the last answered question: the interface follows it
    docs: list[str] | None = None  # the chat's document selector (issue 26): None is the report and its sources

    def record(self, answer: Answer, message_index: int) -> Turn:
        """Remember an answer shown at `message_index` of the chat; returns its turn."""
        kept = dataclasses.replace(answer, contexts=[])  # the passages are not needed again: state stays small
        turn = Turn(len(self.turns), answer.question, kept)
        self.turns[message_index] = turn
        self.history.append(answer.question)
        if answer.language in render.LABELS:
            self.language = answer.language
        self.citations.update(render.cite_keys(answer, turn.number))
        return turn

    def citation(self, key: str | None) -> Citation | None:
        """The citation behind a card's "show page" key (a `|nonce` suffix from the page is ignored)."""
        return self.citations.get((key or "").split("|")[0])

    def feedback_record(self, message_index: int, liked: object) -> dict[str, Any] | None:
        """The feedback line for a thumbs click on the message at `message_index`; None for no answer there."""
        turn = self.turns.get(message_index)
        if turn is None:
            return None
        answer = turn.answer
        rating = "up" if liked is True else "down" if liked is False else str(liked)
        return {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "rating": rating, "question": turn.question,
                "language": answer.language, "refused": answer.refused, "outcome": str(answer.outcome),
                "confidence": answer.confidence, "mode": str(answer.mode),
                "answer": answer.answer,
                "citations": [{"marker": c.marker, "doc": c.doc, "page": c.page, "footnotes": list(c.footnotes)}
                              for c in answer.citations],
                "history": list(self.history)}

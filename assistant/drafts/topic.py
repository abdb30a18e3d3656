"""What the coordinator typed, understood: the project's subject and the draft's language.

A bare topic ("szkolenia i staże w klastrze ICT") is the subject as it is. An instruction ("Napisz
krótkie uzasadnienie wniosku o dofinansowanie programu szkoleń i staży w klastrze, powołując się na
dane z raportu.", "Draft a justification for a training programme, citing the report") loses its
instruction words (assistant/data/draft_instructions.toml), so the project is never named after the
instruction; a Polish head noun left in the genitive ("programu") is put in the nominative.

    request = read_topic("Napisz uzasadnienie projektu eksportowego ...")   # DraftRequest
    request.subject, request.language, request.instruction
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.drafts.model import DraftInputError, validate_topic

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "draft_instructions.toml"
PUNCTUATION = " \t.,;:!?–-\"'„”“"


@dataclass(frozen=True)
class DraftRequest:
    """The coordinator's text, its subject (what the draft is about, what it is named after) and language."""

    text: str          # as typed, whitespace collapsed
    subject: str       # the project's subject, capitalised ("Program szkoleń i staży w klastrze")
    language: str      # "pl" or "en": the framing and headings of the draft
    instruction: bool  # the text was an instruction around the subject, not a bare topic


@dataclass(frozen=True)
class _Patterns:
    lead: tuple[re.Pattern, ...]
    tail: tuple[re.Pattern, ...]
    language: str
    asks: dict[str, str]


@lru_cache(maxsize=1)
def project_words(path: Path = DATA_FILE) -> frozenset[str]:
    """Words naming the kind of undertaking ("program", "project"), lower-case: not matched against the report."""
    return frozenset(tomllib.loads(Path(path).read_text(encoding="utf-8"))["project_words"])


@lru_cache(maxsize=1)
def load_patterns(path: Path = DATA_FILE) -> dict[str, _Patterns]:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    data.pop("project_words", None)
    return {lang: _Patterns(tuple(re.compile("^" + p, re.IGNORECASE) for p in table["lead"]),
                            tuple(re.compile(p + r"[\s.!?]*$", re.IGNORECASE) for p in table["tail"]),
                            table["language"], dict(table["asks"]))
            for lang, table in data.items()}


def read_topic(text: object, lang: str | None = None) -> DraftRequest:
    """The subject and language of a bare topic or an instruction; `lang` ("pl"/"en") overrides the language.

    Raises DraftInputError (one line) for empty, too long or control-character input, and for an
    instruction with no subject left ("Napisz uzasadnienie.")."""
    cleaned = validate_topic(text, lang or "pl")
    subject, asked, instruction, polish = _strip_instruction(cleaned)
    if not subject:
        raise DraftInputError("the instruction names no project: add its subject, e.g. "
                              "'Napisz uzasadnienie projektu szkoleń i staży w klastrze'")
    if polish:
        subject = _nominative_head(subject)
    if lang is None:
        lang = asked or draft_language(subject)
    return DraftRequest(cleaned, subject[:1].upper() + subject[1:], lang, instruction)


def _strip_instruction(text: str) -> tuple[str, str | None, bool, bool]:
    """(subject, the language the instruction is in or asks for, whether there was an instruction,
    whether it was a Polish one)."""
    subject, asked, instruction, polish = text.strip(PUNCTUATION), None, False, False
    for patterns in load_patterns().values():
        stripped = _strip(subject, patterns)
        if stripped != subject:
            subject, instruction = stripped, True
            asked = asked or patterns.language
            polish = polish or patterns.language == "pl"
    for patterns in load_patterns().values():
        for phrase, language in patterns.asks.items():
            if re.search(rf"\b{re.escape(phrase)}\b", text, re.IGNORECASE):
                asked = language
    return subject, asked, instruction, polish


def _strip(subject: str, patterns: _Patterns) -> str:
    changed = True
    while changed and subject:
        changed = False
        for pattern in patterns.lead + patterns.tail:
            match = pattern.search(subject)
            if match and match.group().strip():
                subject = (subject[match.end():] if pattern in patterns.lead else subject[:match.start()])
                subject, changed = subject.strip(PUNCTUATION), True
    return subject


def _nominative_head(subject: str) -> str:
    """"programu szkoleń ..." -> "program szkoleń ...": after "uzasadnienie"/"dofinansowanie" the project's head
    noun is in the genitive; only that first word changes, the words it governs stay as written."""
    first, _, rest = subject.partition(" ")
    if not first.isalpha() or not first.islower():
        return subject
    import simplemma

    from assistant.lemmas import _SIMPLEMMA_LOCK

    with _SIMPLEMMA_LOCK:
        lemma = simplemma.lemmatize(first, lang="pl")
    genitive = re.search(r"(u|a|i|y|ii|ji|ów)$", first) and lemma != first and lemma[:3] == first[:3]
    return f"{lemma} {rest}".strip() if genitive and re.search(r"[^aeiouyąęó]$|ie$|a$", lemma) else subject


def draft_language(topic: str) -> str:
    """"pl" or "en": the language the topic is written in ("alpaca farming" -> en, "hodowla alpak" -> pl).

    Polish letters decide at once; otherwise simplemma's word lists for Polish and English (the ones the
    lemmatizer already loads), and for a topic neither knows (acronyms) the question detector; Polish
    when still undecided."""
    from assistant.answer.language import POLISH_CHARS, detect_language

    if any(ch in POLISH_CHARS for ch in topic):
        return "pl"
    import simplemma

    from assistant.lemmas import _SIMPLEMMA_LOCK

    with _SIMPLEMMA_LOCK:
        scores = dict(simplemma.langdetect(topic, lang=("pl", "en")))
    pl, en = scores.get("pl", 0.0), scores.get("en", 0.0)
    if pl != en:
        return "pl" if pl > en else "en"
    return "en" if detect_language(topic) == "en" else "pl"

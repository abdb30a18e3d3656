"""Question language and follow-up detection (Polish first, English too)."""

from __future__ import annotations

import re

POLISH_CHARS = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
POLISH_WORDS = {
    "ile",
    "jaki",
    "jaka",
    "jakie",
    "czy",
    "w",
    "z",
    "na",
    "jest",
    "są",
    "się",
    "klastrów",
    "klastry",
    "co",
    "kto",
    "który",
    "która",
    "które",
    "dla",
    "oraz",
    "o",
    "do",
    "raport",
    "raportu",
    "według",
    "ilu",
    "gdzie",
    "jak",
    "podaj",
    "wymień",
    "napisz",
    "uzasadnienie",
    "a",
    "nich",
    "tym",
    "ma",
    "mają",
    "źródło",
}
ENGLISH_WORDS = {
    "the",
    "what",
    "how",
    "many",
    "much",
    "which",
    "is",
    "are",
    "does",
    "do",
    "of",
    "in",
    "and",
    "share",
    "report",
    "clusters",
    "cluster",
    "according",
    "who",
    "where",
    "why",
    "source",
    "sources",
    "did",
    "was",
    "were",
    "about",
    "and",
    "for",
    "with",
    "by",
    "percent",
    "average",
    "number",
    "write",
    "justification",
}
GERMAN_WORDS = {
    "wie",
    "viele",
    "der",
    "die",
    "das",
    "und",
    "ist",
    "gibt",
    "es",
    "welche",
    "im",
    "nicht",
    "wieviele",
    "warum",
    "sind",
    "auf",
    "mit",
    "ein",
    "eine",
    "den",
    "dem",
    "des",
}
FOLLOW_UP = re.compile(
    r"^(a|i|oraz|and|what about|how about)\b"
    r"|\b(z nich|ich|tego|tej|tych|tam|them|those|these|it|its|their|they|that one)\b",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


def detect_language(text: str) -> str:
    """'pl', 'en' or 'de' (German is detected only to say we answer in Polish and English)."""
    tokens = words(text)
    if any(ch in POLISH_CHARS for ch in text):
        return "pl"
    scores = {
        "pl": sum(t in POLISH_WORDS for t in tokens),
        "en": sum(t in ENGLISH_WORDS for t in tokens),
        "de": sum(t in GERMAN_WORDS for t in tokens) + 2 * any(ch in "äöüß" for ch in text.lower()),
    }
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        return "pl"
    if best == "de" and scores["de"] <= scores["en"]:
        return "en"
    return best


def is_follow_up(question: str) -> bool:
    return len(words(question)) <= 12 and bool(FOLLOW_UP.search(question.strip()))


def resolve_follow_up(question: str, history: list[str] | None) -> str:
    """The question with the conversation it continues: back to the last self-contained question."""
    if not history or not is_follow_up(question):
        return question
    start = len(history) - 1
    while start > 0 and is_follow_up(history[start]):
        start -= 1
    return " ".join([*history[start:], question])

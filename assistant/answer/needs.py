"""What an answer must contain, read from the question: the hard conditions of a grounded answer.

Names, acronyms, regions and years of the question; for "ile X" a figure that counts X; for a
budget an amount; for "which have no X" a negation; a named edition's year. A sentence that
fails them is never offered as the answer, however well it scores (extractive.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.lemmas import WORD, _lemma, shares_stem, tokenize
from assistant.numbers import NUMBER_TOKEN, edition_years, normalize_number

STARTS_WITH_DIGIT = re.compile(r"^\d")

if TYPE_CHECKING:
    from assistant.answer.scoring import SentenceIndex

COUNTED = re.compile(
    r"(?<!\bo )(?<!\bna )\b(?:ile|ilu|how many)\s+"
    r"(?:(?:jest|było|są|było|ma|mają|had|have|are|were|is|did|do|the)\s+)*([^\W\d_]+)",
    re.IGNORECASE,
)


def counted_noun(question: str, language: str) -> str | None:
    """The lemma of what a how-many question counts ("Ile klastrów..." -> "klaster").

    English: the head of the noun phrase ("how many business support institutions" ->
    institutions), translated through the glossary; a word it cannot translate is not checked.
    """
    match = COUNTED.search(question)
    if not match:
        return None
    following = re.findall(r"[^\W\d_]+", question[match.start(1) :])
    if language == "en":
        return _english_head(following)
    for word in following[:3]:  # skip "Polish" in "ile polskich klastrów": the report's scope, not the noun
        word = word.lower()
        if word in PRONOUNS or word in NOT_COUNTED or word.endswith(("ł", "ła", "ło", "ły", "li", "ć")):
            return None  # "ile ich", "ile wyniosły", "ile razy", "o ile procent": not a count of named things
        lemmas = tokenize(word)
        if lemmas and lemmas[0] not in ("polska", "polski"):
            return lemmas[0]
    return None


EN_PHRASE_END = {
    "are",
    "is",
    "was",
    "were",
    "did",
    "do",
    "does",
    "have",
    "has",
    "had",
    "in",
    "of",
    "on",
    "at",
    "by",
    "for",
    "with",
    "from",
    "does",
    "that",
    "which",
    "and",
    "or",
    "to",
    "there",
    "took",
    "can",
    "will",
    "would",
    "according",
    "per",
    "out",
    "across",
    "among",
    "between",
    "during",
}


def _english_head(words: list[str]) -> str | None:
    from assistant.glossary import EN_TO_PL

    phrase = []
    for word in words[:5]:
        if word.lower() in EN_PHRASE_END:
            break
        phrase.append(word.lower())
    if not phrase or phrase[-1] in NOT_COUNTED or phrase[-1] in ("them", "they", "these", "those"):
        return None
    translated = EN_TO_PL.get(phrase[-1])
    if translated is None:
        return None
    lemmas = tokenize(translated.split()[0])
    return lemmas[0] if lemmas and lemmas[0] not in ("polska", "polski") else None


PRONOUNS = {"ich", "nich", "on", "one", "oni", "ona"}
NOT_COUNTED = {"razy", "procent", "procentowo", "lat", "wynosi", "jest", "było", "są", "times", "percent", "years"}
UNITS = {"mld", "mln", "tys", "zł", "euro", "eur", "usd", "proc", "procent", "rok", "lata", "lat", "r"}


def counts(sentence: str, noun: str) -> bool:
    """Whether a figure in the sentence counts `noun`: "84 ... klastry", "członków: 274", "było ich 18".

    Amounts (`2,3 mld`, `27 mln zł`, `14%`) and years count nothing.
    """
    tokens = tokenize_with_numbers(sentence)
    for i, token in enumerate(tokens):
        if not STARTS_WITH_DIGIT.match(token) or (len(token) == 4 and token[:2] in ("19", "20")):
            continue
        after = tokens[i + 1 : i + 2]
        if after and (after[0] in UNITS or after[0] == "%"):
            continue
        if noun in tokens[i + 1 : i + 4] or noun in tokens[max(0, i - 7) : i] or (i > 0 and tokens[i - 1] in PRONOUNS):
            return True
    return False


TOKEN = re.compile(f"{NUMBER_TOKEN.pattern}|{WORD.pattern}")


def tokenize_with_numbers(text: str) -> list[str]:
    """Every word's lemma and every number in order, stop words kept (for "było ich 18")."""
    out = []
    for match in TOKEN.finditer(text):
        token = match.group()
        out.append(normalize_number(token) if token[0].isdigit() else _lemma(token.lower()).lower())
        if token[0].isdigit() and text[match.end() : match.end() + 1] == "%":
            out.append("%")
    return out


REGION_ADJECTIVE = re.compile(
    r"\b(?:województw\w*|regionie|w)\s+([a-ząćęłńóśźż]+(?:skim|ckim|skiego|ckiego|skie|ckie))\b"
)


SCOPE_WORDS = {"polska", "polski", "polsce", "poland", "polish", "raport", "report", "klaster", "cluster"}


def hard_keys(question: str, language: str, index: "SentenceIndex") -> list[set[str]]:
    """Distinctive terms an answer must contain, each as a set of acceptable lemmas.

    Rare names (capitalised words inside a sentence), acronyms, years and regions
    ("w województwie śląskim"): a passage about Poland does not answer a question about
    Germany, nor a 2025 figure a question about 2020. Common words never become keys.
    """
    from assistant.glossary import ACRONYMS, EN_NAMES, EN_TO_PL

    keys: list[set[str]] = []
    for sentence in re.split(r"[.?!]\s+", question):
        tokens = re.findall(r"[\w+&-]+", sentence)
        for position, token in enumerate(tokens):
            lower = token.lower()
            if token.isdigit() and len(token) == 4 and token[:2] in ("19", "20"):
                keys.append({token})
            elif language == "en" and token[:1].isupper() and lower in EN_NAMES:
                keys.append({lower} | set(tokenize(EN_NAMES[lower])))  # Germany -> niemcy, niemiecki
            elif language == "en" and token.isupper() and lower in EN_TO_PL:
                keys.append({lower} | set(tokenize(EN_TO_PL[lower])))  # GDP -> pkb
            elif token.isupper() and lower in ACRONYMS:
                keys.append({lower, "&" + "&".join(tokenize(ACRONYMS[lower])[:3])})
            elif token.isupper() and len(token) >= 3:
                parts = tokenize(token)  # a rare acronym or programme name (FENG, ŚKL, SA&AM)
                if parts:
                    keys.append({"&" + "&".join(parts)})
            elif position > 0 and token[:1].isupper() and len(token) > 2 and not token.isupper():
                if language == "en":
                    if lower in EN_TO_PL:
                        continue  # a concept word ("National", "Key"), not a name
                    options = set(tokenize(token))
                    if not any(index.is_known(o) for o in options):
                        continue  # an English name the Polish text spells differently
                else:
                    options = set(tokenize(token))
                if options and not options & SCOPE_WORDS and all(index.is_rare(o) for o in options):
                    keys.append(options)
    if language == "en":  # an English term of several words must be there in Polish ("cloud computing")
        from assistant.glossary import EN_PHRASES

        lowered = question.lower()
        for phrase, polish in EN_PHRASES.items():
            if " " in phrase and re.search(rf"\b{re.escape(phrase)}\b", lowered):
                options = {"&" + "&".join(list(dict.fromkeys(tokenize(variant)))[:2]) for variant in polish.split("|")}
                keys.append(options | {"&" + "&".join(tokenize(phrase))})  # "pkb per capita" or "pkb na mieszkańca"
    if language != "en":
        for match in REGION_ADJECTIVE.finditer(question.lower()):
            keys.append(set(tokenize(match.group(1))))
        # a capitalised name of several words ("Krajowych Klastrów Kluczowych") must appear whole
    return keys


def phrase_keys(question: str) -> list[list[str]]:
    """Capitalised names of several words ("Krajowych Klastrów Kluczowych"): their lemmas in a row."""
    phrases = []
    for match in re.finditer(r"(?<![.?!]\s)(?<!^)\b([A-ZĄĆĘŁŃÓŚŹŻ][\w-]+(?:\s+[A-ZĄĆĘŁŃÓŚŹŻ][\w-]+)+)", question):
        parts = tokenize(match.group(1))
        while parts and parts[0] in SCOPE_WORDS:  # "Klaster PGM" is the name PGM
            parts = parts[1:]
        while parts and parts[-1] in SCOPE_WORDS:
            parts = parts[:-1]
        if len(parts) >= 2:
            phrases.append(parts)
    return phrases


def has_phrase(phrase: list[str], text: str) -> bool:
    """The name's lemmas in a row, or an acronym the report uses for it ("UE" for "Unii Europejskiej")."""
    from assistant.glossary import ACRONYMS

    tokens = tokenize(text)
    n = len(phrase)
    if any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1)):
        return True
    return any(tokenize(ACRONYMS[t])[:n] == phrase for t in set(tokens) if t in ACRONYMS)


def mostly_unknown(question: str, index: "SentenceIndex") -> bool:
    """Half or more of a Polish question's words never occur in the report: it is about something else."""
    terms = [t for t in set(tokenize(question)) if not t[0].isdigit()]
    unknown = [t for t in terms if not index.is_known(t)]
    return len(terms) >= 2 and len(unknown) * 2 >= len(terms)


NEGATIVE_QUESTION = re.compile(
    r"\b(have no|has no|had no|no active|without any|none of|do not have|does not have|"
    r"nie ma(?:ją)?|nie działa\w*|nie posiada\w*|bez żadn\w+|żadnego)\b",
    re.IGNORECASE,
)
NEGATION = re.compile(r"\b(nie|brak\w*|bez|żadn\w+|no|not|none|without)\b", re.IGNORECASE)
MONEY_QUESTION = re.compile(
    r"\b(?:jak\w*|what|which|how much|ile|wysokoś\w*)\s+(?:\w+\s+){0,3}"
    r"(?:budże\w*|kwot\w*|koszt\w*|budgets?|costs?|amount)\b|how much money",
    re.IGNORECASE,
)
MONEY = re.compile(r"(\b(mln|mld|tys|zł|euro|eur|pln|usd|million|billion)\b|[$€])", re.IGNORECASE)


def keys_satisfied(keys: list[set[str]], terms: set[str]) -> bool:
    """Every key present, allowing Polish inflection of names (Chatterjiego ~ Chatterji)."""
    for options in keys:
        ok = False
        for option in options:
            if option.startswith("&"):
                ok = ok or all(part in terms for part in option[1:].split("&") if part)
            elif shares_stem(option, terms) or names_same_place(option, terms):
                ok = True
        if not ok:
            return False
    return True


CHANGE_QUESTION = re.compile(
    r"\b(między|pomiędzy|between|zmieni\w*|changed?|compared?|porówn\w*|wzr[oó]s\w*|spad\w*|growth|"
    r"increase\w*)\b",
    re.IGNORECASE,
)  # a question about a change may use its baseline year


@dataclass
class Needs:
    """What a question requires of its answer, read once per question."""

    keys: list[set[str]] = field(default_factory=list)  # names, acronyms, regions, years (any option per key)
    phrases: list[list[str]] = field(default_factory=list)  # multi-word names, lemmas in a row
    noun: str | None = None  # "ile klastrów": a figure must count klaster
    figure: bool = False  # how many / what share / what correlation
    source: bool = False  # "which source": bibliography entries may answer
    year: bool = False  # "w którym roku": a year must be there
    money: bool = False  # a budget, amount or cost
    negative: bool = False  # "which have no X": the answer must negate
    years: set[str] = field(default_factory=set)  # years to find as reported, not as a baseline
    editions: set[str] = field(default_factory=set)  # "the 2022 edition", unless the question is about a change

    @classmethod
    def read(cls, question: str, query: str, language: str, index: "SentenceIndex") -> "Needs":
        from assistant.answer.scoring import QUANTITY, SOURCE_QUESTION, YEAR_QUESTION

        keys = hard_keys(query, language, index)
        years = {next(iter(k)) for k in keys if len(k) == 1 and re.fullmatch(r"(?:19|20)\d\d", next(iter(k)))}
        return cls(
            keys=keys,
            phrases=phrase_keys(question) if language == "pl" else [],
            noun=counted_noun(question, language),
            figure=bool(QUANTITY.search(question)),
            source=bool(SOURCE_QUESTION.search(question)),
            year=bool(YEAR_QUESTION.search(question)),
            money=bool(MONEY_QUESTION.search(question)),
            negative=bool(NEGATIVE_QUESTION.search(question)),
            years=years,
            editions=set() if CHANGE_QUESTION.search(question) else edition_years(question),
        )


PLACE_STEM = 5  # Mazowsze ~ mazowieckie, Pomorze ~ zachodniopomorskie, Śląsk ~ dolnośląskie


def names_same_place(option: str, terms: set[str]) -> bool:
    """A region or country named as a noun matches the report's adjective, also inside a compound."""
    if len(option) < PLACE_STEM or not option.isalpha():
        return False
    stem = option[:PLACE_STEM]
    return any(len(t) >= PLACE_STEM and (t.startswith(stem) or stem in t[3:]) for t in terms)

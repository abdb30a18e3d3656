"""Numbers, figures and years: one module that retrieval, answering, grounding and drafts share.

Why several readings: the report writes `25 863` (thousands space), `117,7` (decimal comma),
`0.1374` (Tabela 1), `11–13,5` (ranges) and years that are not figures (`2024 r.`), and pypdf
glues footnote markers to numbers (`185` = 18 + footnote 5; ingest separates them). Each reader
below answers one question about a text:

- `NUMBER_TOKEN` / `normalize_number`: numbers as lexical tokens (`25 863` = `25863`, `14,2` = `14.2`);
- `HAS_FIGURE` / `figures_of`: does a sentence state a figure (years excluded);
- `REPORTED_YEAR` / `year_terms` / `edition_years`: which years a sentence reports on (baselines excluded);
- `find_numbers` / `number_values`: every number a reader would check in a generated answer;
- `figures_in`: figures as printed, for quoting in drafts (ranges kept whole).
"""

from __future__ import annotations

import re

SPACES = " \u00a0\u202f\u2009"  # thousands separators: space, no-break, narrow no-break, thin
ANY_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")

# --- lexical tokens -------------------------------------------------------------------------
NUMBER_TOKEN = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?")


def normalize_number(token: str) -> str:
    """`25 863` -> `25863`, `14,2` -> `14.2`: one spelling per number for lexical matching."""
    return re.sub(r"[ \u00a0\u202f]", "", token).replace(",", ".")


# --- figures in report sentences -------------------------------------------------------------
HAS_FIGURE = re.compile(r"(?<![\d.,])(?:-?0\.\d+(?!\d|\.\d)|(?!(?:19|20)\d\d(?!\d))\d+(?:[ ,]\d+)*(?![.]\d)(?!\d))")
# another document's English decimal ("35.6% of private employment", "2.1 percentage points"): the report writes
# "35,6%", and its "1.2" is a section number, so only other documents' sentences read it as a figure (issue 26)
DECIMAL_POINT = re.compile(r"(?<![\d.,])\d+\.\d+(?![.\d])")


def states_figure(text: str, decimal_point: bool = False) -> bool:
    """A figure in the text (years excluded); with `decimal_point`, "35.6" counts as well."""
    return bool(HAS_FIGURE.search(text) or decimal_point and DECIMAL_POINT.search(text))
REPORTED_YEAR = re.compile(
    r"(?<![\d.,])(?:19|20)\d\d(?=\s*(?:r\.|rok|roku|[)\-–—,.:;]|$))"
)  # "w 2004 r."; not "2000 podmiotów"


def figures_of(text: str) -> set[str]:
    """Numbers that carry a figure: not years, not list numbering (single digits)."""
    return {m.group().replace(" ", "") for m in HAS_FIGURE.finditer(text) if len(m.group()) > 1 or "," in m.group()}


def plain_numbers(text: str) -> set[str]:
    """Digits with an optional decimal comma, as written: a quick same-figure test between two sentences."""
    return set(re.findall(r"\d+(?:,\d+)?", text))


# --- years a sentence reports on ---------------------------------------------------------------
BASELINE_YEAR = re.compile(
    r"(?:porówna\w*\s+(?:do|z)|compared (?:to|with)|względem|than in|"
    r"(?:wzrost|spadek|increase|decrease|up|down) (?:z|from) [\d,. ]+)"
    r"\s*(?:\w+\s+){0,2}((?:19|20)\d\d)",
    re.IGNORECASE,
)
EDITION_YEAR = re.compile(r"(?:edycj\w*|edition(?: of)?)\s+((?:19|20)\d\d)|((?:19|20)\d\d)\s+edition", re.IGNORECASE)


def edition_years(text: str) -> set[str]:
    """Years that name an edition of a study ("edycja 2024", "the 2022 edition"), baselines excluded."""
    return {a or b for a, b in EDITION_YEAR.findall(BASELINE_YEAR.sub(" ", text))}


def year_terms(text: str) -> set[str]:
    """Years a sentence reports on; a year it only compares with ("wzrost w porównaniu do 2022") does not count."""
    years = set(ANY_YEAR.findall(text))
    baseline = set(BASELINE_YEAR.findall(text))
    other = set(ANY_YEAR.findall(BASELINE_YEAR.sub(" ", text)))
    return (years - baseline) | other


def is_year(token: str) -> bool:
    return len(token) == 4 and token.isdigit() and token[:2] in ("19", "20")


# --- numbers a reader checks in a generated answer ----------------------------------------------
MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;–—-]\s*\d+)*)\s*\]")
CHECKED_NUMBER = re.compile(
    rf"(?<![\w.,])(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?"  # 25,863 or 1,200.5 (English grouping)
    rf"|\d{{1,3}}(?:[{SPACES}]\d{{3}})+(?:[.,]\d+)?"  # 25 863 or 1 200,5 (Polish grouping)
    rf"|\d+(?:[.,]\d+)?)"  # 18, 2025, 117,7
    rf"(?!\w|[.,]\d)"
)
DATE = re.compile(r"(?<![\w.,])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\w|[.,]\d)")
LIST_ITEM = re.compile(r"^[ \t]*\d{1,2}[.)][ \t]+", re.MULTILINE)  # "1. ..." enumerations, not claims


def number_values(token: str) -> set[str]:
    """The readings of one number token, normalised ("25 863" -> {"25863"}, "1,500" -> {"1500", "1.5"})."""
    token = token.translate({ord(c): None for c in SPACES})
    readings = set()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", token):  # English thousands commas
        readings.add(_canonical(token.replace(",", "")))
    separators = re.findall(r"[.,]", token)
    if len(separators) == 1:
        whole, fraction = re.split(r"[.,]", token)
        readings.add(_canonical(f"{whole}.{fraction}"))
        if len(fraction) == 3:  # "25.863" / "25,863" may be thousands
            readings.add(_canonical(whole + fraction))
    elif not separators:
        readings.add(_canonical(token))
    return readings


def _canonical(number: str) -> str:
    whole, _, fraction = number.partition(".")
    whole, fraction = whole.lstrip("0") or "0", fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


def find_numbers(text: str) -> list[str]:
    """Number tokens as written, markers and list enumerators excluded; dates give day, month and year."""
    text = LIST_ITEM.sub(" ", MARKER.sub(" ", text))
    found: list[str] = []
    for date in DATE.finditer(text):
        found.extend(date.groups())
    text = DATE.sub(" ", text)
    found.extend(m.group(0) for m in CHECKED_NUMBER.finditer(text))
    return found


# --- figures as printed (drafts) ------------------------------------------------------------------
MONTHS = "stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|listopada|grudnia"
_PRINTED = r"\d{1,3}(?:[ \u00a0]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"
PRINTED_FIGURE = re.compile(rf"(?<![\w.,\-–/])(?:{_PRINTED})(?:\s?[–-]\s?(?:{_PRINTED}))?(?!\w)(?![.,]\d)")
NOT_A_FIGURE_AFTER = re.compile(rf"^(?:\.\s+[A-ZĄĆĘŁŃÓŚŹŻ]|\s+(?:r\.|roku\b|(?:{MONTHS})\b))")
_YEAR_ONLY = re.compile(r"(?:19|20)\d\d")


def figures_in(text: str) -> list[str]:
    """Figures as printed (`1 642`, `11–13,5`, `0,3670`), without years, dates, ordinals, list numbers
    or digits inside names (`RIS3`, `3D`, `EU13`, `Przemysł 4.0`)."""
    found = []
    for match in PRINTED_FIGURE.finditer(text):
        value, after = match.group(), text[match.end() :]
        if NOT_A_FIGURE_AFTER.match(after) or (match.start() == 0 and re.match(r"[.)]\s", after)):
            continue
        if all(
            _YEAR_ONLY.fullmatch(part.strip()) for part in re.split(r"[–-]", value)
        ) and not after.lstrip().startswith("%"):
            if not re.match(r"\s+[a-ząćęłńóśźż]", after):  # "2000 podmiotów" is a count, "2004 r." a year
                continue
        if value == "4.0" and re.search(r"(Przemysł\w*|Industry)\s$", text[: match.start()]):
            continue
        found.append(value)
    return found


def figure_key(figure: str) -> str:
    """A printed figure without spaces, dashes unified: `11–13,5` = `11-13,5`."""
    return re.sub(r"\s", "", figure).replace("–", "-")

"""Length limits per section (`--max-chars`), as application forms set them, cut at sentence boundaries.

A form's field takes so many characters with spaces. A section over its limit loses whole quotes from its
end (the paragraphs are in order of relevance, so the least relevant evidence goes first), never part of a
sentence, and the draft says so under the section ("Skrócono do 1500 znaków: pominięto 2 cytaty").
`--max-chars 1500` limits every section; `--max-chars need=2000,policy=800,data=600` each one.
"""

from __future__ import annotations

import re

from assistant.drafts.model import SECTIONS, DraftInputError, Shortened

MIN_CHARS = 200  # below this no section holds even its heading and one quote


def parse_limits(text: str | int | dict | None) -> dict[str, int]:
    """{section: characters} from "1500" (every section) or "need=2000,policy=800"; DraftInputError if unreadable."""
    if text in (None, "", {}):
        return {}
    if isinstance(text, dict):
        limits = {str(k): v for k, v in text.items()}
    elif isinstance(text, int) or re.fullmatch(r"\s*\d+\s*", str(text)):
        limits = dict.fromkeys(SECTIONS, int(text))
    else:
        limits = {}
        for part in str(text).split(","):
            name, _, value = part.partition("=")
            if name.strip() not in SECTIONS or not value.strip().isdigit():
                raise DraftInputError(f"cannot read --max-chars {text!r}: use a number, or section=number pairs "
                                      f"separated by commas ({', '.join(SECTIONS)})")
            limits[name.strip()] = int(value)
    for name, value in limits.items():
        if name not in SECTIONS or not isinstance(value, int) or value < MIN_CHARS:
            raise DraftInputError(f"--max-chars for {name}: at least {MIN_CHARS} characters "
                                  f"(a section needs room for its heading and one quote)")
    return limits


def section_chars(headings: list[str], texts: list[str]) -> int:
    """Characters with spaces of a section as it is pasted into a form: headings and paragraphs, one per line."""
    return sum(len(t) for t in headings + texts) + max(0, len(headings) + len(texts) - 1)


def shortened_line(draft, section: str, words) -> str:
    """The line saying `section` was cut to its limit, or "" when it was not."""
    cut = next((s for s in draft.shortened if s.section == section), None)
    return words.shortened.format(limit=cut.limit, dropped=cut.dropped) if cut else ""


def fit_rows(rows: list, limit: int | None, render) -> tuple[list, int]:
    """The first rows (data section bullets) whose rendered text fits `limit`; (rows kept, rows dropped)."""
    if not limit:
        return rows, 0
    kept = list(rows)
    while kept and section_chars([], [render(r) for r in kept]) > limit:
        kept.pop()
    return kept, len(rows) - len(kept)


__all__ = ["MIN_CHARS", "Shortened", "fit_rows", "parse_limits", "section_chars", "shortened_line"]

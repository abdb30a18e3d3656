"""Quotes whose text looks damaged by PDF extraction: flagged in the draft and the tab, never pasted silently.

The report's own text has a few such places (p. 21: "wieloletnie 14,2y z koordynatorami", where a
word was replaced by a figure glued to a letter). Signs, each with its reason:
- digits glued to lower-case letters where no unit, ordinal or footnote marker fits ("14,2y");
- a word glued to digits that are not one of the sentence's footnote numbers ("klastrów57x");
- a word broken by a line-end hyphen ("badawczo- rozwojowego" is fine, "wykorzy- stania" is not:
  the part after the hyphen is not a word on its own, it starts lower-case and no conjunction follows);
- the Unicode replacement character or a soft hyphen left in the text.
Names that mix letters and digits by design (3D, B2B, RIS3, EU13, UE27, Drive2Transform) are not damage.
"""

from __future__ import annotations

import re

UNITS = frozenset("""r rr tys mln mld zł eur usd km m kg t h min proc pp p.p mw kw gw twh gwh mwh ha l szt os
osób x st w wł ty ta te go ej ego""".split())  # units, "2024r", "1-szy"-style ordinal endings
DIGITS_THEN_LETTERS = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)([a-ząćęłńóśźż]+)(?![\w])")
LETTERS_THEN_DIGITS = re.compile(r"(?<![\w])([a-ząćęłńóśźż]{3,})(\d{1,3})(?![\w,.]\d)")
BROKEN_HYPHEN = re.compile(r"\b([a-ząćęłńóśźż]{2,})- ([a-ząćęłńóśźż]{2,})\b")
CONNECTIVES = frozenset({"i", "oraz", "lub", "albo", "czy", "a"})
GARBAGE = re.compile("[\ufffd\u00ad]")


def damage(text: str, footnotes: tuple[int, ...] = ()) -> str:
    """The damaged piece of a quote as it stands in the text ("14,2y"), or "" when the text looks whole."""
    for match in DIGITS_THEN_LETTERS.finditer(text):
        if match.group(2).lower() not in UNITS:
            return match.group()
    for match in LETTERS_THEN_DIGITS.finditer(text):
        if int(match.group(2)) not in footnotes:
            return match.group()
    for match in BROKEN_HYPHEN.finditer(text):
        if match.group(2) not in CONNECTIVES and not _compound(match.group(1)):
            return match.group()
    found = GARBAGE.search(text)
    return found.group() if found else ""


def _compound(first: str) -> bool:
    """"badawczo-", "cywilno-": the first half of a Polish compound adjective ends in -o."""
    return first.endswith("o")

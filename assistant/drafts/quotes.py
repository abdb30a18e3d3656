"""A report sentence as a quote a draft can stand on: whole, with what it needs to be read alone.

A sentence that refers back ("Potencjał ten", "Ponadto", "było ich 18") is quoted with the sentence before
it; a bullet with its list's lead-in; a sentence whose brackets do not close ("(ang.") runs on to the one
that closes them, so a list item is never cut; a figure sentence whose topic is named only by the
sentence before it ("Aspekt finansowania koordynatorów ... W fazie V roczny budżet ... 9 mln euro") can be
quoted with that sentence as its context (`_quotable(..., context=True)`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.answer.scoring import LEANS_BACK
from assistant.lemmas import tokenize
from assistant.numbers import figures_in

NOT_QUOTABLE = re.compile(r"^(Tabela|Wykres|Źródło:|Uwaga:|\d+[.)]\s)")
BULLET = re.compile(r"^[•−–-]\s")
NAME_RUN = re.compile(r"(?<=[\w,;:(–-] )[A-ZĄĆĘŁŃÓŚŹŻ][\w-]*(?: [A-ZĄĆĘŁŃÓŚŹŻ0-9][\w-]*)+")
CONTINUES = re.compile(
    r"(?i)^(mimo to|jednak|natomiast|co więcej|dodatkowo|z kolei|w efekcie|w rezultacie|ponadto|również|także|"
    r"jednocześnie|oprócz tego|w ten sposób|tym samym|dzięki temu|stąd|zatem|celem (jest|tego)\s|"
    r"(te|ten|ta|to|tego|tych|takie|taki|taka|tym|tymi|tej|tę)\s|(\w+\s){0,2}[\w-]+\s(ten|ta|te|ci|tego|tej|tych)\b)")
# ...a sentence opening like this refers back ("Potencjał ten", "Ponadto", "Te działania", "Celem jest": whose aim?):
# quoted with the one before
ASIDE = re.compile(r"\([^()]*\d[^()]*\)")  # a bracketed detail with a figure: a share, a change, a year
LABELLED = re.compile(r"^[•−–-]\s[^:]{3,80}:\s")
MAX_RUN_ON = 2                # sentences a quote may run on to close its brackets


@dataclass
class QuoteCandidate:
    chunk: Any
    index: int
    quote: str
    footnotes: tuple[int, ...]
    terms: set[str]
    figures: list[str]
    score: float = 0.0
    coverage: float = 0.0
    heading_key: str = ""
    own: str = ""  # the sentence itself (and what closes its brackets), without the sentence it leans on
    list_lead: tuple[str, int] | None = None  # a list item's lead-in sentence ("... przedstawia się następująco:")
    list_intro: str = ""  # ... and its text


def quotable(assistant, chunk, i: int, context: bool = False) -> QuoteCandidate | None:
    """The sentence as a quote: with the sentence it leans on (or refers back to), or a bullet with its list's
    lead-in (a bullet with its own label and a whole clause after it stands alone); a sentence whose brackets
    do not close ("(ang.") runs on to the sentence that closes them, so a list item is never cut. `context`:
    with the sentence before it in any case (it names what the sentence's figures are about)."""
    index = assistant.sentences
    sentence = chunk.sentences[i]
    if NOT_QUOTABLE.match(sentence.text):
        return None
    footnotes, terms = set(sentence.footnotes), set(index.tokens[(chunk.id, i)])
    previous = lead_key = index.previous.get((chunk.id, i))
    labelled = LABELLED.match(sentence.text)
    if labelled and len(sentence.text[labelled.end():].split()) >= 8:  # "• Potencjał ...: Klastry ułatwiają ..."
        lead_key = None
    elif BULLET.match(sentence.text):
        while lead_key is not None and BULLET.match(lead_key[0].sentences[lead_key[1]].text):
            lead_key = index.previous.get((lead_key[0].id, lead_key[1]))
        if lead_key is None or not lead_key[0].sentences[lead_key[1]].text.rstrip().endswith(":"):
            return None
    elif previous is None or not (context or LEANS_BACK.search(sentence.text) or CONTINUES.match(sentence.text)):
        lead_key = None
    own = sentence.text
    after = i + 1
    while is_open(own) and after < len(chunk.sentences) and after <= i + MAX_RUN_ON:
        following = chunk.sentences[after]
        own, after = f"{own} {following.text}", after + 1
        footnotes |= set(following.footnotes)
        terms |= index.tokens[(chunk.id, after - 1)]
    if is_open(own):
        return None  # a piece of a list item that never closes: not quotable on its own
    quote = own
    if lead_key is not None:
        lead = lead_key[0].sentences[lead_key[1]]
        quote = f"{lead.text} {own}" if lead_key == previous else f"{lead.text} […] {own}"
        footnotes |= set(lead.footnotes)
        terms |= index.tokens[(lead_key[0].id, lead_key[1])]
        before = index.previous.get((lead_key[0].id, lead_key[1])) if lead_key == previous else None
        if before is not None and (LEANS_BACK.search(lead.text) or CONTINUES.match(lead.text)):
            # the lead refers back too ("Dotyczy to ..." after "Choć potencjał ten ..."): its antecedent comes first
            quote = f"{before[0].sentences[before[1]].text} {quote}"
            footnotes |= set(before[0].sentences[before[1]].footnotes)
            terms |= index.tokens[(before[0].id, before[1])]
    intro = _list_intro(index, (chunk.id, i)) if BULLET.match(sentence.text) else None
    return QuoteCandidate(chunk, i, quote, tuple(sorted(footnotes)), terms, figures_in(own), own=own,
                          list_lead=intro and (intro[0].id, intro[1]),
                          list_intro=intro[0].sentences[intro[1]].text if intro else "")


def _list_intro(index, key: tuple[str, int]):
    """The (chunk, index) of the sentence ending with ":" that a bullet's list hangs from, or None."""
    lead = index.previous.get(key)
    while lead is not None and BULLET.match(lead[0].sentences[lead[1]].text):
        lead = index.previous.get((lead[0].id, lead[1]))
    return lead if lead is not None and lead[0].sentences[lead[1]].text.rstrip().endswith(":") else None


def is_open(text: str) -> bool:
    """Brackets or quotation marks left open: the text stops inside a list item or an aside."""
    return text.count("(") > text.count(")") or text.count("„") > text.count("”")


def unnamed_terms(quote: str) -> set[str]:
    """The quote's lemmas outside the names it mentions ("Mazowiecki Klaster ICT (457)" names a cluster: the
    quote is about its size, not about ICT) and outside asides with figures ("265 (5,4%; wzrost o 83)" is about
    business institutions, not about growth). A name is a run of two or more capitalised words inside a sentence."""
    return set(tokenize(NAME_RUN.sub(" ", ASIDE.sub(" ", quote))))

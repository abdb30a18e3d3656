"""Which indexed documents a question names, and which a `--doc` filter accepts (issue 26).

Why: the report answers first; another document is quoted as the answer only when the question names
it (its title, an author's surname, its file name, "w źródle") or when the report does not answer.
Names come from the store alone (the file name, the document's title and, for a cited work's full
text, its bibliography entry), never from a list of expected questions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from assistant.answer.language import detect_language
from assistant.answer.spelled import spelled_terms
from assistant.errors import QuestionError
from assistant.glossary import polish_lemmas
from assistant.lemmas import tokenize
from assistant.sources import REPORT_DOC, REPORT_ONLY, WITH_SOURCES, filter_names, is_report

if TYPE_CHECKING:
    from assistant.index.store import StoreSnapshot

# "w źródle", "according to the source": the question asks about the cited works' own texts
ANY_SOURCE = re.compile(r"\b(w źródle|w źródłach|według źródła|według źródeł|w pełnym tekście|"
                        r"in the source|according to the source|the source's full text)\b", re.IGNORECASE)
# words of file names and titles that name no document in particular
PLAIN = {"full", "txt", "md", "pdf", "the", "and", "of", "in", "for", "to", "a", "w", "i", "z", "na", "do", "o",
         "raport", "report", "dokument", "document", "klaster", "cluster", "clusters", "polska", "poland",
         "edycja", "edition", "et", "al", "fragment", "excerpt", "notes"}
# what a question says a work says: "Co piszą Delgado...", "What do Delgado et al. say..."
SAYING = re.compile(r"pisz[eąa]|napisa\w*|mówi\w*|podaj\w*|twierdz\w*|wskazuj\w*|stwierdz\w*|"
                    r"says?|write|writes|wrote|report|reports|find|finds|found|et|al\.?|i\s+in\.?")
SURNAME = re.compile(r"\b([A-ZŁŚŻŹĆŃ][a-ząćęłńóśźż]{2,})(?:,|\s+[A-Z]\.)")
# "footnote 44", "w źródle nr 12", "przypis 40": the work a report footnote cites
FOOTNOTE = re.compile(r"\b(?:przypis\w*|źródł\w*|footnote|source|reference|note)\s*(?:nr\.?|no\.?|number|numer)?\s*"
                      r"\[?(\d{1,3})\b", re.IGNORECASE)
# the English words a user names a kind of document with, as the Polish words of titles and file names
# (the generated dictionary holds only the report's own words: it has no "notatka" or "wstępny")
KIND_WORDS = {"note": "notatka", "notes": "notatka", "memo": "notatka", "minutes": "notatka",
              "conference": "konferencja", "preliminary": "wstępny", "draft": "wstępny roboczy", "working": "roboczy",
              "inventory": "inwentaryzacja",
              "stocktaking": "inwentaryzacja", "benchmarking": "benchmark", "convergence": "convergenc"}
RARE_NAME = 3  # a name the report uses in more chunks than this is its own word, not a document's name
OPENING = 400  # the characters of a document's first lines whose rare names (publisher, authors) name it
CAPITALISED_RUN = re.compile(r"(?<!^)\b[A-ZŁŚŻŹĆŃ][\wąćęłńóśźż-]*(?:\s+[A-ZŁŚŻŹĆŃ][\wąćęłńóśźż-]*)+")
NAME = re.compile(r"\b[A-ZŁŚŻŹĆŃ][\wąćęłńóśźż&-]{2,}")
YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def group_of(sentence, named: set[str] | frozenset[str]) -> str:
    """"report" (the report and its bibliography), "named" (a document the question names) or "other"."""
    if sentence.chunk.kind == "source" or is_report(sentence.chunk.doc):
        return "report"
    return "named" if sentence.chunk.doc in named else "other"


@dataclass(frozen=True)
class DocumentName:
    """One indexed document and the words that name it in a question."""

    doc: str  # as the store names it: "raport-klastry.pdf", "sources/panorama-2024-full.txt"
    title: str
    source_id: str | None  # the cited work it is the full text of (None: the report or an extra document)
    words: frozenset[str]  # lemmas of its file name and title(s), no plain words
    surnames: frozenset[str]  # its authors' surnames, lower case
    head: str = ""  # the first word of its title (lemma): with the title's year it names the document


class Documents:
    """The documents of one store generation and the names each answers to."""

    def __init__(self, snapshot: "StoreSnapshot") -> None:
        from assistant.claims import full_text_files

        full_text, _ = full_text_files(snapshot)
        work_of = {file: source for source, file in full_text.items()}
        titles: dict[str, str] = {}
        openings: dict[str, str] = {}
        self.report_df: dict[str, int] = {}  # one title word names a document only when the report never uses it
        for chunk in sorted(snapshot.chunks.values(), key=lambda c: (c.doc, c.page, c.start)):
            if chunk.kind == "report":
                titles.setdefault(chunk.doc, chunk.title)
                if len(openings.get(chunk.doc, "")) < OPENING:
                    openings[chunk.doc] = f"{openings.get(chunk.doc, '')} {chunk.text}"[:OPENING]
                if is_report(chunk.doc):
                    for word in set(tokenize(chunk.text)):
                        self.report_df[word] = self.report_df.get(word, 0) + 1
        self.report_words = set(self.report_df)
        self.work_of = work_of  # file -> the cited work it is the full text of
        self.footnote_source = snapshot.footnote_source
        self.names: list[DocumentName] = []
        self.vouched: dict[str, frozenset[str]] = {}  # what a document's own name vouches for in its passages
        self.openers: dict[str, frozenset[str]] = {}  # the names of its first lines: "Fundacja Platforma Przemysłu..."
        self.dated: dict[str, frozenset[str]] = {}  # the years of its title and first lines: "po 2025 roku", "2024"
        self.venues: dict[str, str] = {}  # a cited work's journal or series, as its bibliography entry writes it
        for doc in sorted(snapshot.manifest.files, key=lambda d: (not is_report(d), d)):
            source = snapshot.sources.get(work_of.get(doc, ""))
            text = " ".join([PurePosixPath(doc).stem.replace("-", " ").replace("_", " "), titles.get(doc, ""),
                             _title_of(source.reference) if source else ""])
            surnames = _surnames(source.authors) if source else set()
            if source is not None and (venue := _venue_of(source.reference)):
                self.venues[doc] = venue
            if not is_report(doc):  # "według Panoramy 2024": the year and title need not be in the sentence
                self.openers[doc] = frozenset(w for m in NAME.findall(openings.get(doc, "")) for w in tokenize(m))
                self.dated[doc] = frozenset(YEAR.findall(f"{text} {openings.get(doc, '')}"))
                self.vouched[doc] = frozenset(tokenize(f"{text} {source.authors if source else ''}"))
            words = {w for w in tokenize(text) if w not in PLAIN and not w.isdigit() and len(w) > 2}
            if not is_report(doc):  # the names in its first lines: "INNOREG", "Galdiga", "PARP"
                words |= self._opening_names(openings.get(doc, ""))
            title = _title_of(source.reference) if source else titles.get(doc, "")
            title_words = [w for w in tokenize(title) if w in words]  # its head: the title's rarest word in the report
            head = min(title_words, key=lambda w: self.report_df.get(w, 0), default="")
            self.names.append(DocumentName(doc, titles.get(doc, ""), source.id if source else None,
                                           frozenset(words), frozenset(surnames), head))
        counts: dict[str, int] = {}
        for name in self.names:
            for word in name.words:
                counts[word] = counts.get(word, 0) + 1
        # a word two documents' names share names neither
        self.names = [DocumentName(n.doc, n.title, n.source_id, frozenset(w for w in n.words if counts[w] == 1),
                                   n.surnames, n.head if counts.get(n.head) == 1 else "") for n in self.names]


    def _opening_names(self, text: str) -> set[str]:
        """Capitalised words of a document's first lines and bibliography entry that the report uses rarely (at
        most RARE_NAME chunks) and that are not an English word the report says in Polish ("Union", "Policy")."""
        found = set()
        for word in NAME.findall(text):
            for lemma in tokenize(word):
                if (len(lemma) > 2 and lemma not in PLAIN and self.report_df.get(lemma, 0) <= RARE_NAME
                        and not polish_lemmas(word) & self.report_words):
                    found.add(lemma)
        return found

    def vouches(self, doc: str, terms: set[str]) -> set[str]:
        """What another document's passage vouches for beyond its words: its document's names, and an acronym and
        its one-word forms where the passage spells it out, or the other way round (assistant/answer/spelled.py)."""
        return set(self.vouched.get(doc, frozenset())) | spelled_terms(terms)

    def years_of(self, doc: str) -> frozenset[str]:
        """The years of another document's title and first lines: with its name they name it ("konferencja ... po
        2025 roku"), so they leave the question asked of its text; none for the report. They do not date its
        passages: an "edycja 2024" reports 2022-2023 figures (a 2024 sales question must still be refused)."""
        return self.dated.get(doc, frozenset())

    @property
    def docs(self) -> list[str]:
        return [n.doc for n in self.names]

    def accepted(self) -> list[str]:
        """The names `--doc` accepts: the shortcuts, then each document's store name."""
        return filter_names(self.docs)

    def resolve(self, requested: list[str] | tuple[str, ...] | None) -> frozenset[str] | None:
        """The documents a `--doc` filter keeps (None: all); a one-line QuestionError for an unknown name."""
        if not requested:
            return None
        chosen: set[str] = set()
        for name in requested:
            if not isinstance(name, str) or not name.strip():
                raise QuestionError(f"unknown document {name!r}; accepted: {', '.join(self.accepted())}")
            key = name.strip().lower()
            if key in WITH_SOURCES:
                return None
            if key in REPORT_ONLY:
                chosen |= {d for d in self.docs if is_report(d)} or {REPORT_DOC}
                continue
            found = [d for d in self.docs if key in (d.lower(), PurePosixPath(d).name.lower(),
                                                     PurePosixPath(d).stem.lower())]
            if not found:
                raise QuestionError(f"unknown document {name!r}; accepted: {', '.join(self.accepted())}")
            chosen |= set(found)
        return frozenset(chosen)

    def named_in(self, question: str) -> set[str]:
        """The documents other than the report that the question names: an author's surname, two words of its
        title or file name, or one such word the report never uses; "w źródle" names every cited work's text."""
        english = re.findall(r"[a-z]+", question.lower())  # English words name Polish titles too
        terms = set(tokenize(question)) | {w for word in english for w in tokenize(KIND_WORDS.get(word, ""))}
        # the dictionary's senses are broad ("value chains"): they add to a hit, never make one alone
        translated = ({w for word in english for w in polish_lemmas(word)} if detect_language(question) == "en"
                      else set())
        capitals = {w for m in NAME.finditer(question) if m.start() > 0 for w in tokenize(m.group())}
        lowered = question.lower()
        named = set(self.footnoted(question)[0])
        for name in self.names:
            if is_report(name.doc):
                continue
            if PurePosixPath(name.doc).name.lower() in lowered or PurePosixPath(name.doc).stem.lower() in lowered:
                named.add(name.doc)
                continue
            if any(_mentions(surname, question) for surname in name.surnames):
                named.add(name.doc)
                continue
            hits = {w for w in name.words if _found(w, terms)}
            hits |= {w for w in name.words if hits and _found(w, translated)}
            years = {w for w in self.vouched.get(name.doc, ()) if w.isdigit() and len(w) == 4}
            # "według Benchmarkingu 2024", "Co mówi Panorama klastrów": the rarest title word, with a year or a capital
            head = _found(name.head, terms) and bool(years & terms or _found(name.head, capitals))
            # "artykuł z Research Policy z 2014 roku": the journal of its bibliography entry, as written, and its year
            venue = bool(self.venues.get(name.doc)) and self.venues[name.doc] in question and bool(years & terms)
            if len(hits) >= 2 or head or venue or any(w not in self.report_words for w in hits):
                named.add(name.doc)
        if not named and ANY_SOURCE.search(question):
            named = {n.doc for n in self.names if n.source_id}
        return named

    @staticmethod
    def judged_first(ranked: list, boost: float) -> list:
        """A named document's candidates, the judge's likeliest first, each probability raised by `boost` in
        log-odds (the question names their document; the judge was trained on the report's questions alone)."""
        for candidate in ranked:
            candidate.probability = boosted(candidate.probability, boost)
        return sorted(ranked, key=lambda c: -c.probability)

    def footnoted(self, question: str) -> tuple[set[str], set[str]]:
        """The documents and the cited works without full text a question names by a footnote number ("footnote 44",
        "w źródle nr 40"): the number's bibliography entry links them."""
        docs: set[str] = set()
        works: set[str] = set()
        report = next((n.doc for n in self.names if is_report(n.doc)), REPORT_DOC)
        for number in FOOTNOTE.findall(question):
            source = self.footnote_source.get((report, int(number)))
            if source is None:
                continue
            file = next((f for f, s in self.work_of.items() if s == source), None)
            (docs.add(file) if file else works.add(source))
        return docs, works

    def without_names(self, question: str, named: set[str]) -> str:
        """The question with the named documents' names taken out: what it asks of their content
        ("According to the European Cluster Panorama 2024, how many..." -> "According to the, how many...")."""
        drop: set[str] = set()
        for name in self.names:
            if name.doc in named:
                drop |= name.words | name.surnames | {w for w in self.vouched.get(name.doc, ()) if w.isdigit()}
                drop |= self.years_of(name.doc) | set(tokenize(self.venues.get(name.doc, "")))

        openers = set().union(*(self.openers.get(d, ()) for d in named)) | drop

        def keep(word: str) -> bool:
            lemmas = set(tokenize(word))
            return not lemmas or not lemmas <= drop and not any(_mentions(s, word) for s in drop if s.isalpha())

        def publisher(run: re.Match) -> str:  # "Fundacji Platforma Przemysłu Przyszłości": a name of its first lines
            lemmas = [set(tokenize(w)) for w in run.group().split()]
            named_run = any(ls and ls <= drop for ls in lemmas) and all(ls <= openers for ls in lemmas)
            return " " if named_run else run.group()

        stripped = FOOTNOTE.sub(" ", question).strip(" :,")  # "Footnote 44: what share..." -> "what share..."
        stripped = CAPITALISED_RUN.sub(publisher, stripped)
        kept = [w for w in re.split(r"(\s+)", stripped) if not w.strip() or keep(w.strip(",.;:()\"'„”?"))]
        text = re.sub(r"\s+", " ", "".join(kept)).strip()
        return text if len(text.split()) >= 3 else question

    def without_authors(self, question: str, sources: set[str], snapshot: "StoreSnapshot") -> str:
        """The question without the cited works' surnames and its verb of saying ("Co piszą Delgado, Porter i
        Stern o produktywności?" -> "Co o produktywności?"): what it asks of what they wrote."""
        surnames = set().union(*(_surnames(snapshot.sources[s].authors) for s in sources if s in snapshot.sources))
        kept = [w for w in re.split(r"(\s+)", question)
                if not w.strip() or not (SAYING.fullmatch(w.strip(",.;:?!").lower())
                                         or any(_mentions(s, w) for s in surnames))]
        text = re.sub(r"\s+", " ", "".join(kept)).strip()
        text = re.sub(r"\b(i|oraz|and|&)\s+(?=\b(i|oraz|and|&)\b|[,?])", "", text)
        return text if len(text.split()) >= 2 else question

    def source_named_in(self, question: str, snapshot: "StoreSnapshot") -> set[str]:
        """The cited works the question names by their authors' surnames (all of them, or two) when their full
        text is not indexed: the report's sentences citing them answer ("Co piszą Delgado, Porter i Stern...")."""
        with_text = {n.source_id for n in self.names if n.source_id}
        best: dict[str, int] = {}
        for source in snapshot.sources.values():
            surnames = _surnames(source.authors)
            if source.kind != "reference" or source.id in with_text or not surnames:
                continue
            found = sum(_mentions(s, question) for s in surnames)
            if found >= min(2, len(surnames)):
                best[source.id] = found
        top = max(best.values(), default=0)
        return {source for source, found in best.items() if found == top} or self.footnoted(question)[1]


def boosted(probability: float, boost: float) -> float:
    """The probability raised by `boost` in log-odds."""
    p = min(max(probability, 1e-6), 1 - 1e-6)
    return 1 / (1 + math.exp(-(math.log(p / (1 - p)) + boost)))


def unboosted(probability: float, boost: float) -> float:
    """What `boosted` raised: the judged probability before the named document's boost."""
    return boosted(probability, -boost)


def _surnames(authors: str | None) -> set[str]:
    """"Kramer, J.-P., Galdiga, L., & Vogelsang, V" -> {"kramer", "galdiga", "vogelsang"}."""
    return {s.lower() for s in SURNAME.findall(authors or "")}


def _title_of(reference: str) -> str:
    """The title of a bibliography entry: its first sentence after the authors and year (no publisher, no URL)."""
    text = re.sub(r"https?://\S+", " ", reference)
    parts = re.split(r"\(\d{4}[a-z]?\)\.?", text, maxsplit=1)
    title = parts[1] if len(parts) > 1 else text
    return re.split(r"(?<=\w)\.\s", title.strip(), maxsplit=1)[0]


def _venue_of(reference: str) -> str:
    """The journal of a bibliography entry, after its title: "Research Policy" of "... (2014). Clusters, convergence,
    and economic performance. Research Policy, 43(10), 1785-1799."; "" when it names none of two capitalised words."""
    text = re.sub(r"https?://\S+", " ", reference)
    parts = re.split(r"\(\d{4}[a-z]?\)\.?", text, maxsplit=1)
    rest = re.split(r"(?<=\w)\.\s", parts[1].strip(), maxsplit=1) if len(parts) > 1 else []
    match = re.match(r"([A-Z][\w-]+(?:\s+(?:of|and|&|the|[A-Z][\w-]+))*\s+[A-Z][\w-]+),\s*\d", rest[1]) \
        if len(rest) > 1 else None
    return match.group(1) if match else ""


def _found(word: str, terms: set[str]) -> bool:
    """The word among the question's lemmas, or sharing its stem with one ("benchmark", "benchmarking")."""
    if not word or word in terms:
        return bool(word)
    stem = word[: max(5, len(word) - 3)]
    return len(word) >= 5 and any(t.startswith(stem) for t in terms)


def _mentions(surname: str, question: str) -> bool:
    """The surname as a capitalised word of the question, any Polish ending ("Delgado", "Kramera")."""
    stem = surname[: max(4, len(surname) - 2)]
    return bool(re.search(rf"\b{re.escape(stem.capitalize())}\w*", question))

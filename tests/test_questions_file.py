"""Sanity checks for the evaluation question set (eval/questions.yaml).

The checks compare every expectation in the question file with the text of the
report fixture (tests/fixtures/raport-klastry.txt), split into printed pages
3..22.  No project code is imported; only pyyaml is needed.

Page rule: a page starts at a line that begins with exactly one space followed
by a non-space character, except page 13, which starts at the line
'5. Klastry w dobie transformacji cyfrowej...' (no leading space).

Footnote entries are lines at the bottom of pages 4..20 that start with their
number (found in order 1, 2, ... 57, so body lines that start with a number are
not mistaken for entries).
"""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS_FILE = ROOT / "eval" / "questions.yaml"
FIXTURE = ROOT / "tests" / "fixtures" / "raport-klastry.txt"

FIRST_PAGE, LAST_PAGE = 3, 22
PAGES = range(FIRST_PAGE, LAST_PAGE + 1)
N_FOOTNOTES = 57
PAGE13_FIRST_LINE = "5. Klastry w dobie transformacji cyfrowej"

MIN_TOTAL = 125
MIN_LANG = {"pl": 75, "en": 32}
MIN_KIND = {"refusal": 14, "draft": 6, "followup": 8, "source": 10}
KINDS = {"figure", "comparison", "source", "followup", "refusal", "draft"}
MIN_QUESTIONS_PER_PAGE = 2

SECTIONS = {
    "1. Streszczenie (Executive Summary)",
    "2. Wprowadzenie",
    "3. Klastry w Polsce w liczbach",
    "4. Znaczenie klastrów dla rozwoju gospodarczego",
    "4.1. Wzrost innowacyjności",
    "4.2. Produktywność i konkurencyjność",
    "4.3. Rozwój regionalny i rynek pracy",
    "4.4. Internacjonalizacja",
    "5. Klastry w dobie transformacji cyfrowej i zielonej oraz budowania bezpieczeństwa",
    "5.1. Rola klastrów w wdrażaniu Przemysłu 4.0",
    "5.2. Rola klastrów w zielonej transformacji",
    "5.3. Znaczenie klastrów dla bezpieczeństwa kraju",
    "7. Potencjał klastrów do współpracy",
    "8. Model wsparcia klastrów we Francji",
    "9. Rekomendacje",
}

# Footnotes that no question needs to expect (none at present: every footnote,
# including the explanatory ones 1, 13 and 25 and the 'tamże' footnote 8, is
# the target of at least one question).
FOOTNOTES_NOT_EXPECTED = set()

KEYS = {
    "id": str,
    "question": str,
    "lang": str,
    "kind": str,
    "section": (str, type(None)),
    "history": list,
    "expect_figures": list,
    "expect_words": list,
    "forbid_figures": list,
    "expect_footnotes": list,
    "expect_pages": list,
    "expect_refusal": bool,
    "split": str,
}
SPLITS = {"dev", "test"}  # dev: tuning; test: never tuned on (only aggregates are read)


# --------------------------------------------------------------------------
# fixture parsing
# --------------------------------------------------------------------------

def split_pages(text):
    """Return {printed page number: page text} for pages 3..22."""
    lines = text.split("\n")
    starts = [
        i
        for i, line in enumerate(lines)
        if re.match(r" \S", line) or line.startswith(PAGE13_FIRST_LINE)
    ]
    assert len(starts) == len(PAGES), f"expected 20 page starts, found {len(starts)}"
    assert starts[0] == 0, "the fixture must start with page 3"
    pages = {}
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        pages[FIRST_PAGE + k] = "\n".join(lines[start:end])
    return pages


def footnote_entry_pages(pages):
    """Return {footnote number: page of its entry}, scanning entries in order."""
    where = {}
    expected = 1
    for page in PAGES:
        for line in pages[page].split("\n"):
            m = re.match(r"(\d+)(?=\s|[^\W\d_])", line)
            if m and int(m.group(1)) == expected:
                where[expected] = page
                expected += 1
    return where


DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2011": "-", "\u2212": "-"})


def norm(s):
    """Collapse whitespace, treat all dashes as '-', and drop the spaces a line
    break leaves inside a numeric range ('2–\\n3' -> '2-3')."""
    s = s.translate(DASHES)
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"(?<=\d) ?- ?(?=\d)", "-", s)
    return s


def figure_matches(figure, page_text, page_footnotes):
    """Yield 'clean' or 'glued' for each occurrence of figure in page_text.

    clean: non-digit on both sides (and not the integer or fractional part of
    a decimal number); glued: followed directly by the digits of a footnote
    number whose entry is on this page (e.g. 'było ich 185.' = 18 + marker 5).
    """
    text, fig = norm(page_text), norm(figure)
    for m in re.finditer(re.escape(fig), text):
        before = text[: m.start()]
        if before[-1:].isdigit() or re.search(r"\d[.,]$", before):
            continue
        rest = text[m.end():]
        if not rest[:1].isdigit():
            if re.match(r"[.,]\d", rest):
                continue
            yield "clean"
            continue
        digits = re.match(r"\d+", rest).group()
        if int(digits) in page_footnotes and not re.match(r"[.,]\d", rest[len(digits):]):
            yield "glued"


def word_occurs(word, page_text):
    return norm(word).casefold() in norm(page_text).casefold()


@pytest.fixture(scope="module")
def pages():
    return split_pages(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def footnotes(pages):
    return footnote_entry_pages(pages)


@pytest.fixture(scope="module")
def footnotes_by_page(footnotes):
    by_page = {p: set() for p in PAGES}
    for n, p in footnotes.items():
        by_page[p].add(n)
    return by_page


@pytest.fixture(scope="module")
def questions():
    data = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, list), "questions.yaml must be a YAML list"
    assert data, "questions.yaml holds no question: every check below would pass on nothing"
    return data


def answerable(questions):
    found = [q for q in questions if not q["expect_refusal"]]
    assert found, "no answerable question: the checks over them would pass on nothing"
    return found


# --------------------------------------------------------------------------
# fixture sanity
# --------------------------------------------------------------------------

def test_fixture_splits_into_pages_3_to_22(pages):
    assert sorted(pages) == list(PAGES)
    assert pages[3].startswith(" 1. Streszczenie")
    assert pages[13].startswith(PAGE13_FIRST_LINE)
    assert pages[12].rstrip().endswith("12")  # printed footer of page 12


def test_fixture_has_57_footnotes_on_pages_4_to_20(footnotes):
    assert sorted(footnotes) == list(range(1, N_FOOTNOTES + 1))
    assert set(footnotes.values()) <= set(range(4, 21))
    assert footnotes[5] == 5 and footnotes[57] == 20


# --------------------------------------------------------------------------
# file structure
# --------------------------------------------------------------------------

def test_items_have_all_fields_with_right_types(questions):
    for q in questions:
        assert set(q) == set(KEYS), f"{q.get('id')}: fields {sorted(set(q) ^ set(KEYS))}"
        for key, typ in KEYS.items():
            assert isinstance(q[key], typ), f"{q['id']}: {key} has type {type(q[key]).__name__}"
        assert q["question"].strip(), q["id"]
        assert q["lang"] in MIN_LANG, q["id"]
        assert q["kind"] in KINDS, q["id"]
        assert q["split"] in SPLITS, f"{q['id']}: split {q['split']!r}"
        assert all(isinstance(h, str) and h.strip() for h in q["history"]), q["id"]
        for key in ("expect_figures", "expect_words"):
            for group in q[key]:
                assert isinstance(group, list) and group, f"{q['id']}: {key} group {group!r}"
                assert all(isinstance(s, str) and s.strip() for s in group), f"{q['id']}: {group!r}"
        for fig in q["forbid_figures"]:
            assert isinstance(fig, str) and fig.strip(), q["id"]
        for group in q["expect_figures"]:
            for fig in group:
                assert "%" not in fig, f"{q['id']}: put only the numeric part in {fig!r}"
        assert all(isinstance(n, int) for n in q["expect_footnotes"]), q["id"]
        assert all(isinstance(p, int) for p in q["expect_pages"]), q["id"]


def test_both_splits_hold_answerable_and_refusal_questions(questions):
    for split in SPLITS:
        part = [q for q in questions if q.get("split") == split]
        assert answerable(part) and any(q["expect_refusal"] for q in part), split


def test_ids_unique(questions):
    ids = [q["id"] for q in questions]
    dupes = [i for i, c in Counter(ids).items() if c > 1]
    assert not dupes, f"duplicate ids: {dupes}"
    assert all(re.fullmatch(r"q\d{3}", i) for i in ids), "ids look like q001"


def test_questions_unique(questions):
    texts = Counter((tuple(q["history"]), q["question"].strip().casefold()) for q in questions)
    dupes = [t for t, c in texts.items() if c > 1]
    assert not dupes, f"duplicate questions: {dupes}"


def test_required_counts(questions):
    assert len(questions) >= MIN_TOTAL
    langs = Counter(q["lang"] for q in questions)
    for lang, minimum in MIN_LANG.items():
        assert langs[lang] >= minimum, f"{lang}: {langs[lang]} < {minimum}"
    kinds = Counter(q["kind"] for q in questions)
    for kind, minimum in MIN_KIND.items():
        assert kinds[kind] >= minimum, f"{kind}: {kinds[kind]} < {minimum}"
    # single-figure questions are the largest group
    assert kinds["figure"] == max(kinds.values())


def test_kind_specific_rules(questions):
    for q in questions:
        assert q["expect_refusal"] == (q["kind"] == "refusal"), q["id"]
        if q["kind"] == "followup":
            assert q["history"], f"{q['id']}: a follow-up needs history"
        if q["kind"] == "comparison":
            assert len(q["expect_figures"]) >= 2, f"{q['id']}: a comparison expects two figures"
        if q["kind"] == "source":
            assert q["expect_footnotes"], f"{q['id']}: a source question expects footnotes"


def test_refusals_expect_nothing_from_the_report(questions):
    for q in questions:
        if q["expect_refusal"]:
            assert not q["expect_figures"], q["id"]
            assert not q["expect_pages"], q["id"]
            assert not q["expect_footnotes"], q["id"]
            assert not q["expect_words"], q["id"]


def test_answerable_questions_have_pages_and_section(questions):
    for q in answerable(questions):
        assert q["expect_pages"], f"{q['id']}: no expect_pages"
        assert q["expect_figures"] or q["expect_words"], f"{q['id']}: nothing expected"
        assert q["section"] in SECTIONS, f"{q['id']}: unknown section {q['section']!r}"
    for q in questions:
        assert q["section"] is None or q["section"] in SECTIONS, q["id"]


# --------------------------------------------------------------------------
# coverage
# --------------------------------------------------------------------------

def test_every_page_covered_twice(questions):
    counts = Counter(p for q in questions for p in set(q["expect_pages"]))
    for q in questions:
        for p in q["expect_pages"]:
            assert p in PAGES, f"{q['id']}: page {p} outside 3..22"
    thin = {p: counts[p] for p in PAGES if counts[p] < MIN_QUESTIONS_PER_PAGE}
    assert not thin, f"pages with fewer than {MIN_QUESTIONS_PER_PAGE} questions: {thin}"


def test_every_section_covered(questions):
    covered = {q["section"] for q in answerable(questions)}
    assert SECTIONS <= covered, f"sections without questions: {sorted(SECTIONS - covered)}"


def test_every_footnote_expected(questions):
    expected = {n for q in questions for n in q["expect_footnotes"]}
    missing = set(range(1, N_FOOTNOTES + 1)) - expected - FOOTNOTES_NOT_EXPECTED
    assert not missing, f"footnotes no question expects: {sorted(missing)}"


# --------------------------------------------------------------------------
# expectations against the report text
# --------------------------------------------------------------------------

def test_expected_figures_occur_on_expected_pages(questions, pages, footnotes_by_page):
    problems = []
    for q in answerable(questions):
        for group in q["expect_figures"]:
            found = any(
                any(figure_matches(fig, pages[p], footnotes_by_page[p]))
                for fig in group
                for p in q["expect_pages"]
            )
            if not found:
                problems.append(f"{q['id']}: {group} not on pages {q['expect_pages']}")
    assert not problems, "\n".join(problems)


def test_glued_marker_traps_are_forbidden(questions, pages, footnotes_by_page):
    """If an expected figure appears on an expected page only glued to its
    footnote marker (18 + marker 5 = '185'), the glued form must be forbidden."""
    problems = []
    for q in answerable(questions):
        for group in q["expect_figures"]:
            for fig in group:
                for p in q["expect_pages"]:
                    kinds = set(figure_matches(fig, pages[p], footnotes_by_page[p]))
                    if kinds == {"glued"}:
                        text = norm(pages[p])
                        glued = {
                            m.group(0)
                            for m in re.finditer(r"(?<![\d,.])" + re.escape(norm(fig)) + r"\d+", text)
                        }
                        if not glued & set(q["forbid_figures"]):
                            problems.append(f"{q['id']}: forbid one of {sorted(glued)} on page {p}")
    assert not problems, "\n".join(problems)


def test_forbidden_figures_are_not_expected(questions):
    for q in questions:
        expected = {norm(f) for group in q["expect_figures"] for f in group}
        assert not expected & {norm(f) for f in q["forbid_figures"]}, q["id"]


def test_kkk_question_forbids_185(questions):
    kkk = [
        q for q in questions
        if 5 in q["expect_footnotes"] and any("18" in g for g in q["expect_figures"])
    ]
    assert kkk, "there should be a question on the number of KKK"
    for q in kkk:
        assert "185" in q["forbid_figures"], q["id"]


def test_corrupted_phrase_is_not_a_figure(questions):
    on_page_21 = [q for q in questions if 21 in q["expect_pages"]]
    assert on_page_21, "no question expects page 21"
    for q in on_page_21:
        figs = {norm(f) for g in q["expect_figures"] for f in g}
        assert "14,2" not in figs, f"{q['id']}: 'wieloletnie 14,2y' is not a figure"


def test_expected_words_occur_on_expected_pages(questions, pages):
    problems = []
    for q in answerable(questions):
        for group in q["expect_words"]:
            if not any(word_occurs(w, pages[p]) for w in group for p in q["expect_pages"]):
                problems.append(f"{q['id']}: {group} not on pages {q['expect_pages']}")
    assert not problems, "\n".join(problems)


def test_expected_footnotes_are_on_expected_pages(questions, footnotes):
    problems = []
    for q in questions:
        for n in q["expect_footnotes"]:
            if not 1 <= n <= N_FOOTNOTES:
                problems.append(f"{q['id']}: footnote {n} outside 1..{N_FOOTNOTES}")
            elif footnotes[n] not in q["expect_pages"]:
                problems.append(
                    f"{q['id']}: footnote {n} is on page {footnotes[n]}, not in {q['expect_pages']}"
                )
    assert not problems, "\n".join(problems)

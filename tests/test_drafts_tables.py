"""The drafts' word tables (assistant/data/draft_facets.toml): loaded typed, and a duplicate or
conflicting entry is refused with a message naming the file, the table and the entry. No store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.drafts.tables import DATA_FILE, FACETS, SECTION_HEADINGS, WORDS, DraftWords, heading, load_draft_tables
from assistant.glossary import WordTableError

GOOD = DATA_FILE.read_text(encoding="utf-8")


def variant(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "draft_facets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def rejected(tmp_path: Path, text: str) -> str:
    path = variant(tmp_path, text)
    with pytest.raises(WordTableError) as error:
        load_draft_tables(path)
    message = str(error.value)
    assert message.startswith(str(path)) and "\n" not in message.strip(), message
    return message


def facet(key: str, section: str, heading_pl: str, heading_en: str) -> str:
    return (f'\n[[facet]]\nkey = "{key}"\nsections = ["{section}"]\nterms = "słowo"\n'
            f'heading = {{ pl = "{heading_pl}", en = "{heading_en}" }}\n')


def with_facet(extra: str) -> str:
    """The real file with one more [[facet]], inserted after the last real one."""
    position = GOOD.index("[section_headings]")
    return GOOD[:position] + extra + "\n" + GOOD[position:]


def test_the_real_tables_load_typed():
    tables = load_draft_tables()
    keys = [f.key for f in tables.facets]
    assert keys[:3] == ["training", "education", "wages_jobs"] and len(keys) == len(set(keys)) == 17
    assert {"internationalisation", "digital", "circular", "security"} <= set(keys)
    assert tables.facets == FACETS and tables.words == WORDS and tables.section_headings == SECTION_HEADINGS
    training = next(f for f in FACETS if f.key == "training")
    assert training.sections == ("4.3",) and {"szkolenie", "staż"} <= training.lemmas
    assert training.terms.startswith("staże praktyki szkolenia") and "  " not in training.terms  # TOML breaks folded
    assert isinstance(WORDS["en"], DraftWords)
    assert WORDS["pl"].lead[0] == "Zasadność projektu potwierdzają dane raportu:"
    assert WORDS["pl"].section_need == "Diagnoza i uzasadnienie potrzeby"
    assert WORDS["en"].section_need == "Needs analysis and justification"
    assert heading("training", "en") == "Internships, apprenticeships and training"
    assert heading("training", "pl") == "Staże, praktyki i szkolenia"
    assert heading("section-3", "pl") == "Klastry w Polsce w liczbach"
    assert heading("section-6", "pl") == "Dane z raportu" and heading("section-6", "en") == "Evidence"
    headings = [f.headings[lang] for f in FACETS for lang in ("pl", "en")]
    assert len(headings) == len(set(headings))  # every paragraph of a draft can have its own heading


def test_a_facet_key_written_twice_is_rejected(tmp_path):
    message = rejected(tmp_path, with_facet(facet("Training", "6.1", "Inne", "Other")))
    assert "[[facet]] 'Training' duplicates 'training'" in message
    message = rejected(tmp_path, with_facet(facet(" Wages_Jobs ", "6.1", "Inne", "Other")))  # spacing aside
    assert "[[facet]] ' Wages_Jobs ' duplicates 'wages_jobs'" in message


def test_facets_may_share_a_report_section_which_only_breaks_ties(tmp_path):
    """Sections are tie-breakers, not claims: a new facet in the training facet's section 4.3 (and one in
    the whole of section 4) loads, after the real ones, with its own heading and lemmas."""
    text = with_facet(facet("mentoring", "4.3", "Mentoring", "Mentoring") + facet("economy", "4", "Gospodarka",
                                                                                  "Economy"))
    tables = load_draft_tables(variant(tmp_path, text))
    assert [f.key for f in tables.facets][-2:] == ["mentoring", "economy"]
    shared = [f.key for f in tables.facets if "4.3" in f.sections]
    assert shared[:3] == ["training", "education", "wages_jobs"] and shared[-1] == "mentoring"
    assert tables.facets[-1].sections == ("4",) and tables.facets[-1].headings == {"pl": "Gospodarka", "en": "Economy"}
    assert tables.facets[-2].lemmas == {"słowo"}


def test_a_heading_used_twice_is_rejected(tmp_path):
    message = rejected(tmp_path, with_facet(facet("skills", "6.1", "Staże, praktyki i szkolenia", "Skills")))
    assert "heading 'Staże, praktyki i szkolenia' (pl) is also the heading of [[facet]] 'training'" in message
    message = rejected(tmp_path, with_facet(facet("skills", "6.1", "Umiejętności", "cybersecurity")))  # case aside
    assert "heading 'cybersecurity' (en) is also the heading of [[facet]] 'cyber'" in message
    text = GOOD.replace('"8" = { pl = "Model wsparcia klastrów we Francji"', '"8" = { pl = "Innowacje i patenty"')
    assert "[section_headings] '8' heading 'Innowacje i patenty' (pl)" in rejected(tmp_path, text)


def test_a_key_written_twice_in_one_table_is_rejected(tmp_path):
    text = GOOD.replace('need = "Potrzeba"\n', 'need = "Potrzeba"\nneed = "Potrzeby"\n')
    assert re.search(r"(?i)duplicate|defined|overwrite", rejected(tmp_path, text))


def test_missing_unknown_or_empty_entries_are_rejected(tmp_path):
    assert "missing: ['need']" in rejected(tmp_path, GOOD.replace('need = "Need"\n', ""))
    assert "unknown: ['needs']" in rejected(tmp_path, GOOD.replace('need = "Need"\n', 'need = "Need"\nneeds = "x"\n'))
    assert "[words.pl] more lists 'Ponadto:' twice" in rejected(
        tmp_path, GOOD.replace('"Ponadto:", "Co więcej:"', '"Ponadto:", "Ponadto:"'))
    assert "needs a non-empty text value" in rejected(tmp_path, GOOD.replace('key = "circular"', 'key = " "'))
    for key in ("recommendations", "partner", "section-6"):  # the drafter's own paragraphs
        assert "reserved" in rejected(tmp_path, with_facet(facet(key, "6.1", "Inne", "Other")))
    text = GOOD.replace("w obszarach: {areas}.", "w obszarach.")
    assert "need_text must use exactly the placeholders {areas}, {title}, {topic} (found:" in rejected(tmp_path, text)

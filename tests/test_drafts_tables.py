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
    assert [f.key for f in tables.facets] == ["innovation", "productivity", "jobs_skills", "internationalisation",
                                              "digital", "green", "security"]
    assert tables.facets == FACETS and tables.words == WORDS and tables.section_headings == SECTION_HEADINGS
    jobs = next(f for f in FACETS if f.key == "jobs_skills")
    assert jobs.sections == ("4.3",) and {"szkolenie", "staż"} <= jobs.lemmas
    assert jobs.terms.startswith("zatrudnienie szkolenia") and "  " not in jobs.terms  # TOML line breaks folded
    assert isinstance(WORDS["en"], DraftWords)
    assert WORDS["pl"].lead[0] == "Zasadność projektu potwierdzają dane raportu:"
    assert heading("jobs_skills", "en") == "Jobs, skills and training"
    assert heading("section-3", "pl") == "Klastry w Polsce w liczbach"
    assert heading("section-6", "pl") == "Dane z raportu" and heading("section-6", "en") == "Evidence"


def test_a_facet_key_written_twice_is_rejected(tmp_path):
    message = rejected(tmp_path, with_facet(facet("Jobs_Skills", "6.1", "Inne", "Other")))
    assert "[[facet]] 'Jobs_Skills' duplicates 'jobs_skills'" in message


def test_a_report_section_claimed_by_two_facets_is_rejected(tmp_path):
    message = rejected(tmp_path, with_facet(facet("training", "4.3", "Szkolenia", "Training")))
    assert "[[facet]] 'training' section '4.3' conflicts with section '4.3' of [[facet]] 'jobs_skills'" in message
    message = rejected(tmp_path, with_facet(facet("economy", "4", "Gospodarka", "Economy")))  # 4 holds 4.1-4.4
    assert "section '4' conflicts with section '4.1' of [[facet]] 'innovation'" in message


def test_a_heading_used_twice_is_rejected(tmp_path):
    message = rejected(tmp_path, with_facet(facet("skills", "6.1", "Miejsca pracy, kompetencje i szkolenia", "Skills")))
    assert ("heading 'Miejsca pracy, kompetencje i szkolenia' (pl) is also the heading of [[facet]] 'jobs_skills'"
            in message)
    text = GOOD.replace('"8" = { pl = "Doświadczenia modelu francuskiego"', '"8" = { pl = "Innowacyjność"')
    assert "[section_headings] '8' heading 'Innowacyjność' (pl)" in rejected(tmp_path, text)


def test_a_key_written_twice_in_one_table_is_rejected(tmp_path):
    text = GOOD.replace('need = "Potrzeba"\n', 'need = "Potrzeba"\nneed = "Potrzeby"\n')
    assert re.search(r"(?i)duplicate|defined|overwrite", rejected(tmp_path, text))


def test_missing_unknown_or_empty_entries_are_rejected(tmp_path):
    assert "missing: ['need']" in rejected(tmp_path, GOOD.replace('need = "Need"\n', ""))
    assert "unknown: ['needs']" in rejected(tmp_path, GOOD.replace('need = "Need"\n', 'need = "Need"\nneeds = "x"\n'))
    assert "[words.pl] more lists 'Ponadto:' twice" in rejected(
        tmp_path, GOOD.replace('"Ponadto:", "Co więcej:"', '"Ponadto:", "Ponadto:"'))
    assert "needs a non-empty text value" in rejected(tmp_path, GOOD.replace('key = "green"', 'key = " "'))
    assert "reserved" in rejected(tmp_path, with_facet(facet("recommendations", "6.1", "Inne", "Other")))
    text = GOOD.replace("w obszarach: {areas}.", "w obszarach.")
    assert "need_text must use exactly the placeholders {areas}, {title}, {topic} (found:" in rejected(tmp_path, text)

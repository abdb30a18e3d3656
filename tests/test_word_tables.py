"""Word tables are data: the loaders reject what would silently shadow or contradict an entry (no store needed)."""

import pytest

from assistant.glossary import (
    BILINGUAL,
    EN_TO_PL,
    WordTableError,
    load_bilingual,
    load_glossary,
    translatable,
    translations,
)

GOOD = """
[en_to_pl]
"germany" = "niemcy niemieckie"
[en_names]
"germany" = "niemcy niemiecki"
[en_phrases]
"trade fairs" = "targi"
[acronyms]
"kkk" = "Krajowy Klaster Kluczowy"
"""


def write(tmp_path, text, name="glossary.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_glossary_loads_and_a_good_file_passes(tmp_path):
    assert EN_TO_PL["internships"].startswith("staże")
    assert load_glossary(write(tmp_path, GOOD))["acronyms"]["kkk"] == "Krajowy Klaster Kluczowy"


@pytest.mark.parametrize("change, message", [
    (('"trade fairs" = "targi"', '"trade fairs" = "targi"\n"trade fairs" = "wystawy"'), "written twice"),
    (('"trade fairs" = "targi"', '"trade fairs" = "targi"\n"Trade  Fairs" = "wystawy"'), "duplicates"),  # case, spacing
    (('"kkk" = "Krajowy Klaster Kluczowy"', '"kkk" = " "'), "non-empty"),
    (('"niemcy niemiecki"', '"francja"'), "translates as"),  # two incompatible translations of one word
    (("[acronyms]", "[acronym]"), "tables must be exactly"),
])
def test_a_bad_table_is_rejected_with_the_file_and_the_key(tmp_path, change, message):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(WordTableError, match=message) as raised:
        load_glossary(path)
    assert str(path) in str(raised.value)


def test_the_generated_bilingual_list_loads_and_rejects_duplicates(tmp_path):
    assert "pracownik" in BILINGUAL["employee"].split()  # generated from FreeDict and the report's own lemmas
    assert "revenues" not in EN_TO_PL and translations("revenues") == BILINGUAL["revenue"]  # plural via the lemma
    with pytest.raises(WordTableError, match="duplicate"):
        load_bilingual(write(tmp_path, "cost\tkoszt\ncost\tcena\n", "bilingual.tsv"))


def test_an_english_word_the_report_cannot_match_is_not_translatable():
    class Vocabulary:  # the report's lemmas, as SentenceIndex.df holds them
        df = {"staż": 1, "klaster": 9}

    assert translatable("internships", Vocabulary())
    assert not translatable("welder", Vocabulary())


def test_a_hyphenated_english_compound_is_the_word_without_its_hyphen():
    assert translations("start-ups") == translations("startups") is not None
    assert translations("co-operation") == translations("cooperation") is not None
    assert translations("x-ray-ish") is None  # no entry either way: still untranslated, not guessed


def test_a_follow_up_spelled_with_a_hyphen_is_answered(assistant):
    answer = assistant.ask("And what about start-ups?", history=["How many more high-growth firms do clusters have?"])
    assert not answer.refused
    assert "141%" in " ".join(c.quote for c in answer.citations)

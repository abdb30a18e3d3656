"""An ordinal a question spells out finds the report's Roman numeral ("the fourth phase" -> "Faza IV").

The report numbers the French cluster policy's phases I-V; officials ask "w czwartej fazie", "the second phase".
The questions here are written for the test, not taken from the evaluation's sets."""

from assistant.glossary import expand_query, roman_numerals


def test_ordinals_in_any_inflection_name_their_roman_numeral():
    assert roman_numerals("czwartej") == {"iv"}
    assert roman_numerals("piątym") == {"v"}
    assert roman_numerals("second") == {"ii"}
    assert roman_numerals("pierwszej") == set()  # its "i" would be the Polish "and"
    assert roman_numerals("czwartek") == set()
    assert "iv" in expand_query("What did the fourth phase add?", "en").split()
    assert "v" in expand_query("Co przyniosła piąta faza?", "pl").split()


def test_a_phase_asked_by_its_ordinal_is_answered_with_that_phases_years(assistant):
    answer = assistant.ask("W jakich latach trwała czwarta faza francuskiej polityki klastrowej?")
    assert not answer.refused
    assert "2019-2022" in answer.citations[0].quote
    answer = assistant.ask("Which years did France's third cluster policy phase cover?")
    assert not answer.refused
    assert any("2013-2018" in c.quote for c in answer.citations)

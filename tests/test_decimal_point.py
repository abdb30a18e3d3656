"""Another document's English decimal is a figure (issue 26, numbers.states_figure): a question asking for a
figure is answered from an English text that writes "12.4%", where the report would write "12,4%".

A real store: the real report plus an English note written here (MADE UP for these tests); the questions are
written here, not taken from eval/.
"""

from __future__ import annotations

import pytest
from conftest import assistant_beside

from assistant.numbers import states_figure

NOTE = "export-note-en.md"
NOTE_TEXT = """# Export note (made-up test document)

A made-up note written for tests.

## Exports

Member firms of the surveyed clusters account for 12.4% of the region's exports.
The note was discussed at a meeting of the regional board.
"""


@pytest.fixture(scope="module")
def beside(built_store, tmp_path_factory):
    return assistant_beside(built_store, tmp_path_factory.mktemp("decimal"), {NOTE: NOTE_TEXT})


def test_an_english_decimal_answers_a_figure_question(beside):
    answer = beside.ask("What share of the region's exports do member firms of the surveyed clusters account for?",
                        docs=[NOTE])
    assert not answer.refused, answer.answer
    assert answer.citations[0].doc == NOTE and "12.4%" in answer.answer


def test_only_other_documents_read_a_decimal_point():
    assert states_figure("account for 12.4% of exports", decimal_point=True)
    assert not states_figure("account for 12.4% of exports")  # the report: "1.2" is a section number
    assert states_figure("12,4% eksportu")

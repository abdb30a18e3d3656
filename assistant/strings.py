"""Every user-facing sentence of the answer path, in Polish and English, in one place.

`message(key, language)` gives one language; with `language=None` both, "pl / en", for errors
raised before the question's language is known. The web chat's labels live with the web
layer (assistant/web/render.py); prompts live in assistant/llm/prompts.py.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "framing": {"pl": "Według raportu:", "en": "According to the report:"},
    "framing_document": {"pl": "Według dokumentu {doc}:", "en": "According to {doc}:"},
    # a passage to check (issue 25): the closest the report comes, below the sure level; never "Według raportu"
    "framing_check": {
        "pl": "Najbliższy fragment raportu — sprawdź, czy odpowiada na pytanie:",
        "en": "The closest the report comes; check that it answers your question:",
    },
    "framing_check_document": {
        "pl": "Najbliższy fragment dokumentu {doc} — sprawdź, czy odpowiada na pytanie:",
        "en": "The closest {doc} comes; check that it answers your question:",
    },
    "framing_check_documents": {
        "pl": "Najbliższe fragmenty dokumentów {docs} — sprawdź, czy odpowiadają na pytanie:",
        "en": "The closest {docs} come; check that they answer your question:",
    },
    # issue 26: another document's figure for what the answer states, shown under it, never instead of it
    "other_value": {"pl": "Inna wartość w dokumencie {doc}:", "en": "Another value in document {doc}:"},
    # a cited work the question names, whose full text is not indexed: the report's sentences citing it answer
    "framing_citing": {
        "pl": "Pełnego tekstu tego źródła nie ma w indeksie; odpowiadają zdania raportu, które je cytują.",
        "en": "This source's full text is not indexed; the report's sentences citing it answer.",
    },
    "refusal": {"pl": "Raport nie podaje tej informacji.", "en": "The report does not say."},
    "other_language": {
        "pl": "Odpowiadam na pytania po polsku i angielsku. / I answer questions in Polish and English.",
        "en": "I answer questions in Polish and English. / Odpowiadam na pytania po polsku i angielsku.",
        "de": "Ich beantworte Fragen auf Polnisch und Englisch. / Odpowiadam na pytania po polsku i angielsku. "
        "/ I answer questions in Polish and English.",
    },
    "question_empty": {
        "pl": "Puste pytanie: wpisz pytanie o raport.",
        "en": "The question is empty: type a question about the report.",
    },
    "question_too_long": {
        "pl": "Pytanie jest za długie ({chars} znaków, najwyżej {limit}).",
        "en": "The question is too long ({chars} characters, at most {limit}): ask about one thing at a time.",
    },
    "question_control_chars": {
        "pl": "Pytanie zawiera znaki sterujące: wklej je jako zwykły tekst.",
        "en": "The question contains control characters: paste it as plain text.",
    },
    "question_not_text": {
        "pl": "Pytanie musi być tekstem (otrzymano {kind}).",
        "en": "The question must be text (got {kind}).",
    },
    "question_not_unicode": {
        "pl": "Pytanie zawiera bajty, które nie są tekstem UTF-8: wpisz je ponownie.",
        "en": "The question contains bytes that are not UTF-8 text: type it again.",
    },
    "history_not_list": {
        "pl": "Historia rozmowy musi być listą wcześniejszych pytań (otrzymano {kind}).",
        "en": "The conversation history must be a list of earlier questions (got {kind}).",
    },
    "k_out_of_range": {
        "pl": "k (liczba fragmentów) musi być liczbą całkowitą od 1 do {limit} (otrzymano {got}).",
        "en": "k (passages retrieved) must be a whole number from 1 to {limit} (got {got}).",
    },
    "llm_ungrounded": {
        "pl": "(Odpowiedź modelu nie przeszła weryfikacji źródeł; pokazano cytaty z raportu.)",
        "en": "(The model's answer did not pass the source check; showing quotes from the report instead.)",
    },
    "llm_unavailable": {
        "pl": "(Model językowy jest niedostępny; pokazano cytaty z raportu.)",
        "en": "(The language model is unavailable; showing quotes from the report instead.)",
    },
    "missing_names": {
        "pl": "Raport nie podaje danych dla: {names}.",
        "en": "The report gives no figures for: {names}.",
    },
    "missing_words": {"pl": "Raport nie mówi o: {words}.", "en": "The report does not cover: {words}."},
    "passage_lacks": {"pl": "Fragment nie wspomina o: {words}.", "en": "The passage does not mention: {words}."},
    "missing_answer": {
        "pl": "Żaden fragment raportu nie odpowiada na to pytanie.",
        "en": "No passage of the report answers this question.",
    },
    "sources": {"pl": "Źródła:", "en": "Sources:"},
    "see_also": {"pl": "Zobacz też (to nie jest odpowiedź):", "en": "See also (not an answer):"},
    "page_abbr": {"pl": "s.", "en": "p."},
    "footnote": {"pl": "przypis", "en": "footnote"},
    "damaged_quote": {  # a quote whose text looks damaged by PDF extraction (Citation.damaged)
        "pl": "tekst cytatu wygląda na uszkodzony przy ekstrakcji z PDF („{piece}”): sprawdź go w raporcie",
        "en": "the quote's text looks damaged by PDF extraction (“{piece}”): check it in the report",
    },
    # grant-justification drafts (assistant/drafts): what a refused draft says instead
    "draft_refusal": {
        "pl": "Raport nie zawiera danych na ten temat.",
        "en": "The report contains no data on this topic.",
    },
    "draft_only_check": {  # relevant passages exist, but the judge is sure of none: the coordinator chooses
        "pl": "Raport zawiera tylko fragmenty do sprawdzenia na ten temat: wybierz je sam (lista cytatów, "
              "`--candidates` i `--pick`).",
        "en": "The report has only passages to check on this topic: choose them yourself (the list of quotes, "
              "`--candidates` and `--pick`).",
    },
    "draft_too_general": {
        "pl": "Temat jest zbyt ogólny: podaj obszar projektu (np. szkolenia, eksport, gospodarka o obiegu zamkniętym).",
        "en": "The topic is too general: name the project's area (e.g. training, exports, circular economy).",
    },
    # an answer quoting several documents, some not the report (framing_document names one)
    "framing_documents": {"pl": "Według dokumentów {docs}:", "en": "According to {docs}:"},
    # the interactive terminal chat (`klastry ask` with no question)
    "chat_intro": {
        "pl": "Zadaj pytanie o raport (exit lub Ctrl-D kończy). / Ask about the report (exit or Ctrl-D to leave).",
        "en": "Ask about the report (exit or Ctrl-D to leave). / Zadaj pytanie o raport (exit lub Ctrl-D kończy).",
    },
}


def message(key: str, language: str | None = None, **values: object) -> str:
    """The message in `language` ("pl" when unknown), or both languages when `language` is None."""
    texts = MESSAGES[key]
    if language is None:
        return " / ".join(texts[lang].format(**values) for lang in ("pl", "en"))
    return texts.get(language, texts["pl"]).format(**values)

"""The web chat's page scripts (strings only: ui.py hands them to Gradio).

JS handles the "show page" links and renames Gradio's parts in the interface language (WCAG 4.1.2);
LANG_JS sets the page's `lang` (WCAG 3.1.1); COPY_JS copies the plain-text answer.
"""

from __future__ import annotations

import json

# the names Gradio gives its own parts (in the browser's language, or English), said in the interface's language:
# ui.py's page script renames them (and a chat message's "user's message: <html>" by its shown text)
GRADIO_NAMES = {
    "conversation": ("chatbot conversation",), "more_tabs": ("More tabs", "Więcej kart"),
    "footer": ("Gradio footer navigation",), "clear": ("Clear", "Wyczyść czat", "Wyczyść"),
    "like": ("Like", "Lubię to"), "dislike": ("Dislike", "Nie lubię tego"),
    "scroll_down": ("Scroll down", "Przewiń w dół"), "fullscreen": ("Fullscreen", "Pełny ekran"),
    "download": ("Download", "Pobierz"), "page_text": ("page text",), "loading": ("Loading response",),
    "loading_text": ("Loading content",),  # a text, not a name: the chat's hidden "answer is coming" line
    "upload": ("Click to upload or drop files",),  # the "add a document" panel's file box (assistant/web/upload*.py)
}
NAMES = {
    "pl": {"conversation": "Rozmowa z asystentem", "more_tabs": "Więcej kart", "footer": "Stopka strony",
           "clear": "Wyczyść rozmowę", "like": "Dobra odpowiedź", "dislike": "Zła odpowiedź",
           "scroll_down": "Przewiń w dół", "fullscreen": "Pełny ekran", "download": "Pobierz",
           "page_text": "Tekst strony", "loading": "Przygotowuję odpowiedź", "loading_text": "Przygotowuję odpowiedź",
           "user": "Pytanie", "bot": "Odpowiedź", "image": "Strona raportu: powiększ",
           "upload": "Wybierz plik albo upuść go tutaj", "remove_file": "Usuń wybrany plik"},
    "en": {"conversation": "Conversation with the assistant", "more_tabs": "More tabs", "footer": "Page footer",
           "clear": "Clear the conversation", "like": "Good answer", "dislike": "Bad answer",
           "scroll_down": "Scroll down", "fullscreen": "Fullscreen", "download": "Download",
           "page_text": "Page text", "loading": "Preparing the answer", "loading_text": "Preparing the answer",
           "user": "Question", "bot": "Answer", "image": "Report page: enlarge",
           "upload": "Choose a file or drop it here", "remove_file": "Remove the chosen file"},
}
ACCESSIBLE_NAMES = {lang: {alias: names[key] for key, aliases in GRADIO_NAMES.items() for alias in aliases}
                    | {key: names[key] for key in ("user", "bot", "image", "remove_file")}
                    for lang, names in NAMES.items()}


# A click on a card's "show page" button writes its key (plus a nonce, so the same card can be
# opened again) into a hidden textbox; the textbox's change event renders the page.
# Accessible names (WCAG 4.1.2, 3.1.1): Gradio names a chat message "user's message: <div class=...>" (its raw
# HTML) and some of its parts in English whatever the page's language; the page's `lang` is the interface's.
# A watcher renames them in the interface language (ACCESSIBLE_NAMES), from the message's shown text.
JS = """
() => {
  const NAMES = __NAMES__;
  const shown = (el) => {
    const body = el.querySelector('.user-question, .answer-block') || el;
    return (body.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 300);
  };
  const rename = () => {
    const t = NAMES[document.documentElement.lang === 'en' ? 'en' : 'pl'];
    for (const el of document.querySelectorAll('[aria-label]')) {
      const label = el.getAttribute('aria-label');
      const original = el.dataset.grLabel || label;
      let wanted = null;
      const message = /^(user|bot)'s message:/.exec(original);
      if (message) wanted = t[message[1]] + ': ' + shown(el);
      else if (original === 'Clear' && el.closest('#add-doc-file')) wanted = t.remove_file;  // not the chat's
      else if (original in t) wanted = t[original];
      if (wanted !== null && wanted !== label) { el.dataset.grLabel = original; el.setAttribute('aria-label', wanted); }
    }
    for (const hidden of document.querySelectorAll('#chat .sr-only')) {  // Gradio's English "Loading content"
      const text = hidden.textContent.trim();
      if (text === 'Loading content' && t[text] && t[text] !== text) hidden.textContent = t[text];
    }
    for (const button of document.querySelectorAll('#page-image button:not([aria-label])')) {
      if (!button.textContent.trim()) button.setAttribute('aria-label', t.image);
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; rename(); }); }
  }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label']});
  window.klastryRename = rename;
  document.documentElement.lang = 'pl';
  rename();
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a.open-page');
    const href = link ? (link.getAttribute('href') || '') : '';
    if (!href.startsWith('#strona-')) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector('#open-key textarea, #open-key input');
    if (!box) return;
    box.value = href.slice('#strona-'.length) + '|' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }, true);
}
""".replace("__NAMES__", json.dumps(ACCESSIBLE_NAMES, ensure_ascii=False))
# the page's language follows the interface's (ui_lang): a screen reader reads Polish as Polish (WCAG 3.1.1)
LANG_JS = ("(lang) => { document.documentElement.lang = lang === 'en' ? 'en' : 'pl'; "
           "if (window.klastryRename) window.klastryRename(); }")

COPY_JS = """
(text) => {
  if (!text) return;
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text); return; }
  const area = document.createElement('textarea');
  area.value = text; document.body.appendChild(area); area.select(); document.execCommand('copy'); area.remove();
}
"""

# the chat's style sheet (ui.py passes it to Gradio)
CSS = """
/* WCAG 2.1 AA contrast (axe-core, tests/test_accessibility.py): Gradio's orange accent on white is 2.8:1 */
:root, .gradio-container { --button-primary-background-fill: #1d4ed8 !important;
  --button-primary-background-fill-hover: #1e40af !important; --button-primary-text-color: #ffffff !important;
  --button-primary-border-color: #1d4ed8 !important; --button-primary-text-color-hover: #ffffff !important;
  --color-accent: #1d4ed8 !important; --color-accent-soft: #dbeafe !important; --link-text-color: #1d4ed8 !important; }
#chat .prose, #chat .md { opacity: 1 !important; }  /* Gradio dims the messages to 0.8: 4.3:1 on the cards */
footer, footer a, footer button, footer .show-api { color: #4b5563 !important; }  /* Gradio's #bbbbc2: 1.9:1 */
.answer-block .answer { line-height: 1.5; }
.cite-ref { color: #1d4ed8; font-weight: 600; }
.source-card, .see-also .source-card { border: 1px solid #cbd5e1; border-radius: 8px; padding: 8px 10px; margin: 8px 0;
  background: #f8fafc; color: #0f172a; }
.card-num { font-weight: 700; color: #1d4ed8; }
.card-section { font-size: 0.9em; color: #475569; }
.card-quote { margin: 6px 0; padding-left: 8px; border-left: 3px solid #facc15; }
.card-damaged { margin: 2px 0 6px; color: #9a3412; font-size: 0.9em; }
.card-quote mark, .page-text mark { background: #fde68a; color: inherit; }
.card-sources { margin: 4px 0 0 16px; font-size: 0.9em; }
.card-sources a { word-break: break-all; }
.source-check { margin-top: 2px; }
.check-confirmed { color: #166534; } .check-figure_differs { color: #9a3412; font-weight: 600; }
.check-not_found { color: #475569; }
.open-page { white-space: nowrap; margin-left: 8px; padding: 1px 8px; border: 1px solid #1d4ed8; border-radius: 6px;
  color: #1d4ed8; background: white; cursor: pointer; font-size: 0.85em; }
.refusal-notice { background: #fef3c7; border: 1px solid #f59e0b; border-radius: 8px; padding: 6px 10px;
  margin-bottom: 6px; font-weight: 600; color: #78350f; }
.check-notice { background: #e0f2fe; border: 1px solid #0369a1; border-radius: 8px; padding: 6px 10px;
  margin-bottom: 6px; font-weight: 600; color: #0c4a6e; }
.outcome-check .answer { border: 2px dashed #0369a1; border-radius: 8px; padding: 6px 10px; background: #f0f9ff; }
.outcome-check .source-card { border-style: dashed; border-color: #0369a1; }
.outcome-check .card-quote { border-left-color: #0369a1; }
.outcome-check .card-quote mark { background: #bae6fd; }
.see-also { margin-top: 12px; padding: 8px; border: 2px dashed #94a3b8; border-radius: 8px; background: #f1f5f9; }
.see-also .card-quote { border-left-color: #94a3b8; }
.see-also .card-quote mark { background: #e2e8f0; }
.see-also-title, .sources-title { font-weight: 700; margin-bottom: 4px; }
.pick-title { font-weight: 700; margin-bottom: 4px; }
.pick-list ul { list-style: none; padding-left: 0; margin: 0; }
.pick-list li { margin: 2px 0; }
.input-error { color: #991b1b; }
.panel-heading { font-size: 1.15em; font-weight: 700; margin: 0 0 4px 0; }
.status-banner { background: #e0f2fe; border: 1px solid #0284c7; border-radius: 8px; padding: 6px 10px;
  color: #0c4a6e; font-weight: 600; }
.status-failed { background: #fee2e2; border-color: #dc2626; color: #7f1d1d; }
.page-text { max-height: 360px; overflow-y: auto; font-size: 0.85em; white-space: normal; }
/* the "add a document" panel (assistant/web/upload*.py): Gradio's grey "- or -" in the file box is 2.5:1 */
#add-doc-file .or { color: #4b5563 !important; }
.upload-status { margin: 4px 0; }
.upload-done { color: #14532d; font-weight: 600; }
.upload-failed { color: #991b1b; }
"""

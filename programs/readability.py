"""How hard a family-facing text is to read, by the measures patient material is held to.

English: Flesch-Kincaid grade, at or below grade 8. Spanish: Fernández Huerta ease,
70 or above ("fairly easy"). Both come from textstat, which counts syllables with
pyphen's dictionaries (offline). Text is measured as a reader meets it: HTML is
reduced to its blocks (paragraphs, list items, headings, labels, help), and a
block without an end mark counts as its own sentence, as a reader takes it.
"""

import re
from html.parser import HTMLParser

from textstat.textstat import textstatistics

from .markdown import render_markdown

ENGLISH_MAX_GRADE = 8.0
SPANISH_MIN_EASE = 70.0

BLOCK_TAGS = {
    "p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th", "blockquote",
    "label", "legend", "summary", "figcaption", "button", "div", "section", "article", "br", "option",
}  # fmt: skip
SKIPPED_TAGS = {"script", "style", "template", "noscript", "svg", "select", "textarea", "title"}
END_MARK = re.compile(r"[.!?…]$")


class _BlockText(HTMLParser):
    """Collects the visible text of an HTML fragment, one string per block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self._current = []
        self._skipping = 0

    def _close_block(self):
        text = " ".join("".join(self._current).split())
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self._close_block()

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK_TAGS:
            self._close_block()

    def handle_data(self, data):
        if not self._skipping:
            self._current.append(data)

    def close(self):
        super().close()
        self._close_block()


def html_text(html):
    """The readable text of ``html``: its blocks, each ending as a sentence."""
    parser = _BlockText()
    parser.feed(html)
    parser.close()
    return " ".join(block if END_MARK.search(block) else f"{block}." for block in parser.blocks)


def markdown_text(text):
    """The readable text of stored Markdown, as the page shows it."""
    return html_text(render_markdown(text))


def _statistics(language):
    stats = textstatistics()
    stats.set_lang(language)
    return stats


_ENGLISH = _statistics("en_US")
_SPANISH = _statistics("es")


def english_grade(text):
    """Flesch-Kincaid grade level of English ``text`` (lower is easier)."""
    return _ENGLISH.flesch_kincaid_grade(text)


def spanish_ease(text):
    """Fernández Huerta reading ease of Spanish ``text`` (higher is easier; 70+ is fairly easy)."""
    return _SPANISH.fernandez_huerta(text)


def meets_target(text, language):
    """Whether ``text`` in ``language`` ('en' or 'es') reads at the target level."""
    if language == "es":
        return spanish_ease(text) >= SPANISH_MIN_EASE
    return english_grade(text) <= ENGLISH_MAX_GRADE

"""Markdown from the database, rendered and then sanitized: the only way stored text becomes HTML."""

from functools import lru_cache

import markdown as md
import nh3
from django.conf import settings
from django.urls import translate_url
from django.utils import translation

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h2", "h3", "h4",
    "blockquote", "code", "pre", "hr", "abbr", "cite", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
# Scripts and styles go with their content, not just their tags.
DROP_WITH_CONTENT = {"script", "style"}
URL_SCHEMES = {"http", "https", "mailto"}


def _site_link_in(language):
    """An nh3 attribute filter that points the site's own links at ``language``'s pages.

    Staff write links as the English paths (``/refer/``); on a Spanish page that
    link should open the Spanish form (``/es/refer/``).
    """

    def attribute_filter(element, attribute, value):
        if element == "a" and attribute == "href" and value.startswith("/") and not value.startswith("//"):
            # translate_url resolves the path in the active language: English paths resolve in English.
            with translation.override(settings.LANGUAGE_CODE):
                return translate_url(value, language)
        return value

    return attribute_filter


@lru_cache(maxsize=1024)
def render_markdown(text, language=None):
    """Return safe HTML for ``text``: Markdown rendered, then cleaned against an allow-list.

    Each text is rendered once per process and language, then remembered: a saved
    change is a new text, so it is rendered anew on its first reading.

    Raw HTML in the source is not trusted: anything outside the allow-list is
    removed (``<script>`` with its content), as are ``on*=`` attributes and
    links other than http, https and mailto. Every link gets ``rel``. With a
    ``language`` other than the default, links to the site's own pages go to
    that language's version.
    """
    if not text:
        return ""
    html = md.markdown(text, extensions=["sane_lists"], output_format="html")
    translate_links = language and language != settings.LANGUAGE_CODE
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_site_link_in(language) if translate_links else None,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )

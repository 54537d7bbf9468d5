"""Markdown from the database, rendered and then sanitized: the only way stored text becomes HTML."""

import markdown as md
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h2", "h3", "h4",
    "blockquote", "code", "pre", "hr", "abbr", "cite", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
# Scripts and styles go with their content, not just their tags.
DROP_WITH_CONTENT = {"script", "style"}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text):
    """Return safe HTML for ``text``: Markdown rendered, then cleaned against an allow-list.

    Raw HTML in the source is not trusted: anything outside the allow-list is
    removed (``<script>`` with its content), as are ``on*=`` attributes and
    links other than http, https and mailto. Every link gets ``rel``.
    """
    if not text:
        return ""
    html = md.markdown(text, extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )

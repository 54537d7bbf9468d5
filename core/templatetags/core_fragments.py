"""``{% once_per_language %}``: a part of a template rendered once per language, then reused.

The site's chrome (the head's links, the header's menu, the footer) is the same
on every page in a language: a dozen ``{% url %}``, ``{% static %}`` and
``{% translate %}`` tags that cost as much to render as a whole content page's
own text. Wrapped in this tag, each part is rendered the first time a process
shows it in a language and kept with the parsed template (which Django's cached
template loader keeps for the life of the process, so a new release renders it
afresh).

What the block holds must depend only on the language and the site's settings:
never on the request, the page's own context or the database.
"""

from django import template
from django.conf import settings
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import mark_safe

register = template.Library()


class OncePerLanguageNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.rendered = {}  # (language, script prefix, static URL) -> HTML

    def render(self, context):
        key = (translation.get_language(), get_script_prefix(), settings.STATIC_URL)
        html = self.rendered.get(key)
        if html is None:
            html = self.rendered[key] = mark_safe(self.nodelist.render(context))
        return html


@register.tag
def once_per_language(parser, token):
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("once_per_language takes no arguments")
    nodelist = parser.parse(("endonce_per_language",))
    parser.delete_first_token()
    return OncePerLanguageNode(nodelist)

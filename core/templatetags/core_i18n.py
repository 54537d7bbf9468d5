"""The address of the page being shown, in another language.

Django's ``set_language`` translates its ``next`` address itself, but it resolves that
address in the default language: with English unprefixed (``/``) and Spanish at
``/es/``, a Spanish address does not resolve there, so "English" on a Spanish page
led back to the Spanish page. Here the address is translated while the page's own
language is active, where it resolves, and ``set_language`` gets the finished one.
"""

from django import template
from django.urls import translate_url

register = template.Library()


@register.simple_tag(takes_context=True)
def page_in(context, language):
    """This page's path and query in ``language`` (the same path if it has no translation)."""
    request = context.get("request")
    if request is None:
        return "/"
    return translate_url(request.get_full_path(), language)

from django import template
from django.utils import translation
from django.utils.safestring import mark_safe

from programs.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value):
    # Safe to mark: render_markdown sanitizes with an allow-list.
    return mark_safe(render_markdown(value, language=translation.get_language()))  # noqa: S308

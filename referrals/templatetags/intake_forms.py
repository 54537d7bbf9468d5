from django import template

from referrals.form_html import form_html

register = template.Library()


@register.simple_tag
def intake_form_fields(form):
    """The intake form's fields, laid out by crispy-forms (``referrals.form_html``)."""
    return form_html(form)

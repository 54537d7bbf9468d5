"""An intake form's HTML as first shown, laid out by crispy-forms once and reused.

Laying out a form of forty questions (and building the form, which copies every
field) is almost all the time a form page takes, and an unfilled form's HTML is
the same for every visitor but for its one-time token. So the view hands the
template an ``UnfilledForm`` (the form's class and starting values), and its
HTML is rendered once per form, language, day and starting values (``?study=``
fills one in), with a slot where the token goes; each request puts its own token
in the slot. The day is in the key because the date of birth's picker stops at
today, and the zone name because the call-time help names it (EST or EDT). A
form with answers (a POST with errors) is rendered in full every time: it is one
person's answers.
"""

from crispy_forms.utils import render_crispy_form
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

# What stands in for the token while the HTML is laid out; it occurs nowhere else on a form.
TOKEN_SLOT = "form-token-slot-4f1c9b7e2a6d"
_KEPT = 64  # forms x languages x starting values: a handful; emptied if it ever grows past this

_rendered = {}


class UnfilledForm:
    """An intake form as first shown: its class and starting values (``initial``, with the form token).

    Stands in for the form in the page's context; the form itself is built only
    when its layout is not stored yet.
    """

    is_bound = False
    errors = {}  # noqa: RUF012 (never changed: nothing to summarise on an unfilled form)

    def __init__(self, form_class, initial):
        self.form_class = form_class
        self.initial = initial

    def build(self):
        return self.form_class(initial=self.initial)


def layout_day():
    """What of the clock a form's layout depends on: the day (the date of birth's picker) and the zone's name."""
    now = timezone.localtime()
    return now.date(), now.tzname()


def _key(form):
    starting = tuple(sorted((name, str(value)) for name, value in form.initial.items() if name != "form_token"))
    return (form.form_class, translation.get_language(), *layout_day(), starting)


def form_html(form):
    """The form's fields as HTML: from the stored layout for an ``UnfilledForm``, rendered afresh otherwise."""
    if not isinstance(form, UnfilledForm):
        return render_crispy_form(form)
    key = _key(form)
    html = _rendered.get(key)
    if html is None:
        html = render_crispy_form(form.form_class(initial={**form.initial, "form_token": TOKEN_SLOT}))
        if html.count(TOKEN_SLOT) != 1:  # never expected; then every request renders its own
            return render_crispy_form(form.build())
        if len(_rendered) >= _KEPT:
            _rendered.clear()
        _rendered[key] = html
    return mark_safe(html.replace(TOKEN_SLOT, escape(form.initial["form_token"])))  # noqa: S308 (our own layout)


def forget():
    """Drop every stored layout."""
    _rendered.clear()

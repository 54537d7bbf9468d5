"""Template context for every page: the phone lines (settings only, so error pages can use them) and the language offer."""

from core.language_offer import language_to_offer
from core.phones import phone_lines


def phones(request):
    return {"phones": phone_lines()}


def language_offer(request):
    """``language_offer``: the language a first-time visitor's browser prefers, when the page is in another."""
    return {"language_offer": language_to_offer(request)}

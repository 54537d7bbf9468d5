"""Template context for every page: the program's phone lines (settings only, so error pages can use it too)."""

from core.phones import phone_lines


def phones(request):
    return {"phones": phone_lines()}

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Site-wide plumbing both apps use: error pages, health, client address, rate limit, request guards.

    ``programs`` and ``referrals`` depend on ``core``; ``core`` depends on neither.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

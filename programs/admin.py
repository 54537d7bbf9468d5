from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import ContentSeed, Highlight, Page, Program, Story, Study, Therapy, Video


class HighlightInline(admin.TabularInline):
    model = Highlight
    extra = 0
    fields = ["order", "text", "source"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "contact_email", "published"]
    list_filter = ["published"]
    search_fields = ["name", "institution", "tagline"]
    inlines = [HighlightInline]
    fieldsets = [
        (None, {"fields": ["name", "institution", "tagline", "published"]}),
        (None, {"fields": ["overview", "guidance_title", "guidance", "studies_intro"]}),
        (
            _("Contact"),
            {
                "fields": ["contact_email"],
                "description": _(
                    "The phone lines (main, physician-to-physician, after-hours) are settings, not content: "
                    "PHONE_MAIN, PHONE_PHYSICIAN and PHONE_AFTER_HOURS in the server's environment."
                ),
            },
        ),
    ]

    def has_add_permission(self, request):
        # One program: the home page shows the first published row.
        return super().has_add_permission(request) and not Program.objects.exists()


@admin.register(Highlight)
class HighlightAdmin(admin.ModelAdmin):
    list_display = ["text", "source", "order", "program"]
    list_filter = ["program"]
    list_select_related = ["program"]
    search_fields = ["text", "source"]


@admin.register(Therapy)
class TherapyAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "order", "published"]
    list_filter = ["published"]
    list_editable = ["order", "published"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["nct_number", "title", "status", "phase", "min_age", "max_age", "published"]
    list_filter = ["published", "status", "phase"]
    search_fields = ["nct_number", "title", "conditions"]
    fieldsets = [
        (None, {"fields": ["nct_number", "title", "status", "phase", "published"]}),
        (None, {"fields": ["min_age", "max_age", "conditions", "eligibility_summary", "contact"]}),
    ]


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "order", "published"]
    list_filter = ["published"]
    search_fields = ["title", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "url", "order", "published"]
    list_filter = ["published"]
    search_fields = ["title", "description", "transcript"]
    prepopulated_fields = {"slug": ["title"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "key", "published"]
    list_filter = ["published", "key"]
    search_fields = ["title", "summary", "body"]


@admin.register(ContentSeed)
class ContentSeedAdmin(admin.ModelAdmin):
    """Read-only record of what load_program_content loaded. Deleting a row lets the command load it again."""

    list_display = ["key", "loaded_at"]
    list_filter = ["loaded_at"]
    search_fields = ["key"]
    readonly_fields = ["key", "loaded_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

"""The content admin: each text in English and Spanish side by side, and which rows still lack Spanish."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from .models import ContentSeed, Highlight, Page, Program, Story, Study, Therapy, Video
from .registry import import_studies
from .registry.forms import StudyImportForm
from .registry.report import file_lines, total_line
from .translated import missing_translation_q

STAFF_NOTE = (
    _("For staff"),
    {
        "fields": ["staff_note"],
        "description": _("Never shown on the site. Lists the facts to check or supply before this goes live."),
    },
)


def side_by_side(*fields):
    """Fieldset lines with each field's English and Spanish on one line."""
    return [(f"{field}_en", f"{field}_es") for field in fields]


class MissingTranslationFilter(admin.SimpleListFilter):
    """Rows with English text in some field and no Spanish for it."""

    title = _("Spanish translation")
    parameter_name = "spanish"

    def lookups(self, request, model_admin):
        return [("missing", _("Missing in some field")), ("complete", _("Complete"))]

    def queryset(self, request, queryset):
        missing = missing_translation_q(queryset.model)
        if self.value() == "missing":
            return queryset.filter(missing)
        if self.value() == "complete":
            return queryset.exclude(missing)
        return queryset


class ContentAdmin(TranslationAdmin):
    class Media:
        css = {"all": ["programs/admin.css"]}


class HighlightInline(TranslationTabularInline):
    model = Highlight
    extra = 0
    fields = ["order", "text", "source"]


@admin.register(Program)
class ProgramAdmin(ContentAdmin):
    list_display = ["name", "institution", "contact_email", "published"]
    list_filter = ["published", MissingTranslationFilter]
    search_fields = ["name_en", "name_es", "institution", "tagline_en", "tagline_es"]
    inlines = [HighlightInline]
    fieldsets = [
        (None, {"fields": [*side_by_side("name", "tagline"), "institution", "published"]}),
        (None, {"fields": side_by_side("overview", "guidance_title", "guidance", "studies_intro")}),
        (
            _("Contact"),
            {
                "fields": ["contact_email"],
                "description": _(
                    "The phone lines (main, physician-to-physician, after-hours) are settings, not content: "
                    "PHONE_MAIN, PHONE_PHYSICIAN and PHONE_AFTER_HOURS in the server's environment. "
                    "An example.org address is a placeholder and is not shown on the site."
                ),
            },
        ),
        STAFF_NOTE,
    ]

    def has_add_permission(self, request):
        # One program: the home page shows the first published row.
        return super().has_add_permission(request) and not Program.objects.exists()


@admin.register(Highlight)
class HighlightAdmin(ContentAdmin):
    list_display = ["text", "source", "order", "program"]
    list_filter = ["program", MissingTranslationFilter]
    list_select_related = ["program"]
    search_fields = ["text_en", "text_es", "source_en"]
    fields = ["program", "order", *side_by_side("text", "source")]


@admin.register(Therapy)
class TherapyAdmin(ContentAdmin):
    list_display = ["title", "slug", "order", "published"]
    list_filter = ["published", MissingTranslationFilter]
    list_editable = ["order", "published"]
    search_fields = ["title_en", "title_es", "summary_en", "body_en"]
    prepopulated_fields = {"slug": ["title_en"]}
    fieldsets = [
        (None, {"fields": ["slug", "order", "published"]}),
        (None, {"fields": side_by_side("title", "summary", "body", "child_friendly")}),
        STAFF_NOTE,
    ]


@admin.register(Study)
class StudyAdmin(ContentAdmin):
    list_display = ["nct_number", "title", "status", "phase", "minimum_age", "maximum_age", "published"]
    list_filter = ["published", "status", "phase", MissingTranslationFilter]
    search_fields = ["nct_number", "title_en", "title_es", "conditions"]
    readonly_fields = ["registry_updated_on"]
    fieldsets = [
        (None, {"fields": ["nct_number", "status", "phase", "published"]}),
        (None, {"fields": ["minimum_age", "maximum_age", "conditions", "target_antigens"]}),
        (None, {"fields": side_by_side("title", "eligibility_summary", "contact")}),
        (
            _("From the registry"),
            {
                "classes": ["collapse"],
                "fields": [
                    "registry_updated_on",
                    "keywords",
                    "eligibility_criteria",
                    "locations_count",
                    "central_contacts",
                ],
            },
        ),
        STAFF_NOTE,
    ]
    import_template = "admin/programs/study/import_form.html"
    message_levels = {"success": messages.SUCCESS, "info": messages.INFO, "warning": messages.WARNING}

    def get_urls(self):
        url_name = f"{self.opts.app_label}_{self.opts.model_name}_import"
        return [path("import/", self.admin_site.admin_view(self.import_view), name=url_name), *super().get_urls()]

    def has_import_permission(self, request):
        # An import adds studies and changes others.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"can_import_studies": self.has_import_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        """Upload registry JSON files and import them as `manage.py import_studies` does; report with messages."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = StudyImportForm(request.POST, request.FILES) if request.method == "POST" else StudyImportForm()
        if form.is_valid():
            summary = import_studies(files=form.cleaned_data["files"])
            lines = [line for report in summary.files for line in file_lines(report, max_errors=10)]
            if len(summary.files) > 1:
                lines.append(total_line(summary))
            for level, text in lines:
                messages.add_message(request, self.message_levels.get(level, messages.ERROR), text)
            return redirect(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import from ClinicalTrials.gov"),
            "form": form,
        }
        return TemplateResponse(request, self.import_template, context)


@admin.register(Story)
class StoryAdmin(ContentAdmin):
    list_display = ["title", "slug", "order", "published"]
    list_filter = ["published", MissingTranslationFilter]
    search_fields = ["title_en", "title_es", "summary_en", "body_en"]
    prepopulated_fields = {"slug": ["title_en"]}
    fieldsets = [
        (None, {"fields": ["slug", "order", "published"]}),
        (None, {"fields": side_by_side("title", "summary", "body")}),
        STAFF_NOTE,
    ]


@admin.register(Video)
class VideoAdmin(ContentAdmin):
    list_display = ["title", "slug", "url", "order", "published"]
    list_filter = ["published", MissingTranslationFilter]
    search_fields = ["title_en", "title_es", "description_en", "transcript_en"]
    prepopulated_fields = {"slug": ["title_en"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["slug", "url", "order", "published"]}),
        (None, {"fields": side_by_side("title", "description", "transcript")}),
        STAFF_NOTE,
    ]


@admin.register(Page)
class PageAdmin(ContentAdmin):
    list_display = ["title", "key", "published"]
    list_filter = ["published", "key", MissingTranslationFilter]
    search_fields = ["title_en", "title_es", "summary_en", "body_en"]
    fieldsets = [
        (None, {"fields": ["key", "published"]}),
        (None, {"fields": side_by_side("title", "summary", "body")}),
        STAFF_NOTE,
    ]


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

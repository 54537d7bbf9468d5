from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Page, Story, Study, Therapy, Video


class _I18nSitemap(Sitemap):
    # Each page in English (/) and Spanish (/es/), with hreflang alternates.
    i18n = True
    alternates = True
    x_default = True


class StaticSitemap(_I18nSitemap):
    priority = 0.8

    def items(self):
        return [
            "programs:home",
            "programs:therapy_list",
            "programs:study_list",
            "programs:story_list",
            "programs:video_list",
        ]

    def location(self, item):
        return reverse(item)


class PageSitemap(_I18nSitemap):
    def items(self):
        return Page.objects.published()


class TherapySitemap(_I18nSitemap):
    def items(self):
        return Therapy.objects.published()


class StudySitemap(_I18nSitemap):
    def items(self):
        return Study.objects.published()


class StorySitemap(_I18nSitemap):
    def items(self):
        return Story.objects.published()


class VideoSitemap(_I18nSitemap):
    def items(self):
        return Video.objects.published()


sitemaps = {
    "static": StaticSitemap,
    "pages": PageSitemap,
    "therapies": TherapySitemap,
    "studies": StudySitemap,
    "stories": StorySitemap,
    "videos": VideoSitemap,
}

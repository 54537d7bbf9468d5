"""Search a changelist without the search text in any URL.

Admin search is a GET: ``?q=<patient name>`` would land in the address bar,
the browser's history and the web server's access log. With
``SearchByPostMixin`` the search box POSTs to ``search_view``, which keeps the
text in the session under a random key and redirects to the list with
``?qk=<key>``; every link on the list carries the key, never the words.

Any ModelAdmin can use it: put the mixin first, and give the model a
``admin/<app>/<model>/search_form.html`` that includes
``admin/includes/search_by_post.html``.
"""

import secrets
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext

SEARCH_KEY_VAR = "qk"
SEARCH_SESSION_KEY = "cip_admin_searches"
SEARCHES_KEPT = 20


def remember_search(request, term):
    """Keep ``term`` in the session under a new random key (the last few searches only); return the key."""
    searches = request.session.get(SEARCH_SESSION_KEY, {})
    key = secrets.token_urlsafe(9)
    searches[key] = term
    request.session[SEARCH_SESSION_KEY] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return key


class SearchKeyChangeList(ChangeList):
    """A changelist whose search came through ``search_view``: ``qk`` names the search, and is not a filter."""

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # Show the words in the search box (the page body, not the URL).
        self.query = getattr(request, "cip_search_term", self.query)
        self.search_url = reverse(self.model_admin.search_url_name())

    def get_filters_params(self, params=None):
        params = super().get_filters_params(params)
        params.pop(SEARCH_KEY_VAR, None)
        return params


class SearchByPostMixin:
    def search_url_name(self):
        opts = self.model._meta
        return f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_search"

    def changelist_url(self):
        opts = self.model._meta
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")

    def get_urls(self):
        opts = self.model._meta
        search = path(
            "search/",
            self.admin_site.admin_view(self.search_view),
            name=f"{opts.app_label}_{opts.model_name}_search",
        )
        return [search, *super().get_urls()]

    def search_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        term = " ".join(request.POST.get(SEARCH_VAR, "").split())[:200]
        # The list's current filters come along as hidden fields; the old search and page do not.
        params = [
            (key, value)
            for key, value in request.POST.items()
            if key not in {SEARCH_VAR, SEARCH_KEY_VAR, "csrfmiddlewaretoken", "p", "e"}
        ]
        if term:
            params.append((SEARCH_KEY_VAR, remember_search(request, term)))
        url = self.changelist_url()
        return redirect(f"{url}?{urlencode(params)}" if params else url)

    def changelist_view(self, request, extra_context=None):
        key = request.GET.get(SEARCH_KEY_VAR)
        if key is not None:
            term = request.session.get(SEARCH_SESSION_KEY, {}).get(key)
            if term is None:  # another browser's key, or the session ended
                messages.info(request, gettext("That search has expired. Please search again."))
                params = request.GET.copy()
                del params[SEARCH_KEY_VAR]
                url = self.changelist_url()
                return redirect(f"{url}?{params.urlencode()}" if params else url)
            request.cip_search_term = term
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        return SearchKeyChangeList

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, getattr(request, "cip_search_term", search_term))

    def get_preserved_filters(self, request):
        # Keep the filters (and the search key) between list and change page, never the search text itself.
        preserved = super().get_preserved_filters(request)
        if not preserved:
            return preserved
        inner = dict(parse_qsl(preserved)).get("_changelist_filters")
        if inner is None:
            return preserved
        kept = [(key, value) for key, value in parse_qsl(inner) if key != SEARCH_VAR]
        return urlencode({"_changelist_filters": urlencode(kept)}) if kept else ""


class IndexedSearchMixin:
    """Search fields as lookups an index can serve, so PostgreSQL combines them (BitmapOr) instead of a scan.

    ``"=field"`` is an exact match on the stored value, served by the column's
    btree index; Django's own ``"=field"`` is ``iexact``, ``UPPER(field) = UPPER(term)``,
    which no index covers, and one such term makes the planner scan the table for
    the whole search. ``search_normalizers`` gives each ``"=field"`` the stored form
    of a word ("" when the word cannot be one). Any other field is ``icontains``,
    ``UPPER(field::text) LIKE ...`` on PostgreSQL, served by a trigram index on that
    expression. As in Django, every word must match some field.
    """

    search_normalizers = {}

    def get_search_results(self, request, queryset, search_term):
        words = [
            unescape_string_literal(bit) if bit[:1] in {'"', "'"} and bit[0] == bit[-1] and len(bit) > 1 else bit
            for bit in smart_split(search_term)
        ]
        fields = self.get_search_fields(request)
        for word in words:
            any_field = Q(pk__in=[])
            for field in fields:
                if field.startswith("="):
                    value = self.search_normalizers.get(field[1:], str)(word)
                    if value:
                        any_field |= Q(**{field[1:]: value})
                else:
                    any_field |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(any_field)
        return queryset, False

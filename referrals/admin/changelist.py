"""The queue's page of rows, read and rendered once per column instead of once per cell.

Django's ``result_list`` tag works out, for every cell of every row, what the
column is (a field, a method), its empty value, its CSS class, the row's change
link (a URL reversed and its filters re-parsed per row) and the checkbox (a
widget template rendered per row). With fifty rows and a dozen columns that
bookkeeping, not the data, was most of the queue's time. ``QueueChangeList``
works each column out once per page and then only does what differs per row.
The HTML is Django's, cell for cell: tests/referrals/test_admin_speed.py
compares the two on every kind of row.

The page's rows are also read with only the columns the list shows
(``SubmissionColumnsMixin.LIST_FIELDS``), so a row no longer loads and parses
every answer of the form (four phone numbers among them); and in the queue's own
order (no column sorted, no search) the page is found part by part along an index
(``SubmissionQuerySet.page_pks``) instead of by sorting every open submission.
"""

import datetime

from django.contrib.admin import helpers
from django.contrib.admin.options import ModelAdmin
from django.contrib.admin.templatetags.admin_list import ResultList, result_headers, result_hidden_fields, results
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field, quote
from django.contrib.admin.views.main import ORDER_VAR
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.db.models.fields.related import ManyToOneRel
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from referrals.admin.search import SearchKeyChangeList

# Django's own words for the checkbox (ModelAdmin.action_checkbox), translated by Django's catalogue: passed to gettext
# as a name, so `make messages` leaves them out of the project's.
_DJANGO_CHECKBOX_LABEL = "Select this object for an action - {}"
# Stands for the row's primary key in the change link worked out once per page (letters that quote() leaves alone).
_PK_SLOT = "CipRowPkSlot"


def model_field_for_column(opts, name):
    """The model field a ``list_display`` name shows as a field (as Django's ``lookup_field`` decides), or None."""
    try:
        field = opts.get_field(name)
    except FieldDoesNotExist:
        return None
    if field.is_relation and ((field.many_to_one and not field.related_model) or field.one_to_many):
        return None  # a generic foreign key or a reverse relation: not an attribute of the row
    if field.is_relation and not field.many_to_many and getattr(field, "attname", None) == name:
        return None  # "<fk>_id": the raw value
    return field


class _Column:
    """One ``list_display`` column: what is the same on every row, worked out once; ``cell(row)`` does the rest."""

    def __init__(self, cl, name, *, is_link, is_first_link):
        admin = cl.model_admin
        self.name = name
        self.is_link = is_link
        self.tag = "th" if is_link and is_first_link else "td"
        self.empty = admin.get_empty_value_display()
        self.classes = "action-checkbox" if name == "action_checkbox" else f"field-{name}"
        self.field = field = model_field_for_column(cl.lookup_opts, name)
        self.getter = None
        self.boolean = False
        self.choices = None
        if field is not None and not field.auto_created:
            if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                self.classes += " nowrap"
            if getattr(field, "flatchoices", None):
                try:
                    # The labels once per page (display_for_field builds this mapping for every cell).
                    self.choices = {value: str(label) for value, label in field.flatchoices}
                except TypeError:  # list-like choices: leave them to Django, per cell
                    self.choices = None
        elif field is None and hasattr(admin, name) and name != "__str__":
            attr = getattr(admin, name)
            self.getter = attr
            self.boolean = getattr(attr, "boolean", False)
            self.empty = getattr(attr, "empty_value_display", self.empty)
        self.admin = admin

    def value(self, row):
        """The cell's contents, as ``items_for_result`` would show them (without the link)."""
        field = self.field
        try:
            if self.getter is not None:
                value = self.getter(row)
            elif field is not None:
                value = getattr(row, self.name)
            else:
                return self._other(row)
        except ObjectDoesNotExist:
            return self.empty, ""
        if isinstance(value, Promise):
            value = str(value)  # a lazy label, translated once (each comparison below would translate it again)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if field is None or field.auto_created:
            extra = " nowrap" if isinstance(value, (datetime.date, datetime.time)) else ""
            return display_for_value(value, self.empty, self.boolean), extra
        if isinstance(field.remote_field, ManyToOneRel):
            related = getattr(row, field.name)
            return (self.empty if related is None else related), ""
        if self.choices is not None:
            return self.choices.get(value, self.empty), ""
        return display_for_field(value, field, self.empty, avoid_link=self.is_link), ""

    def _other(self, row):
        # Properties, model methods and "related__field" paths: Django's own lookup, per cell (none in the queue).
        _field, attr, value = lookup_field(self.name, row, self.admin)
        boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            boolean = getattr(attr.fget, "boolean", False)
        empty = getattr(attr, "empty_value_display", self.empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        extra = " nowrap" if isinstance(value, (datetime.date, datetime.time)) else ""
        return display_for_value(value, empty, boolean), extra


class QueueChangeList(SearchKeyChangeList):
    """The submissions' changelist: the page read with the listed columns only, and its rows rendered per column."""

    def get_results(self, request):
        super().get_results(request)
        parts = None
        # Not for a search: its few rows are found through the search's own indexes, then sorted.
        searching = getattr(request, "cip_search_term", None) or self.query
        if ORDER_VAR not in self.params and not searching and hasattr(self.model_admin, "queue_parts"):
            parts = self.model_admin.queue_parts(request)  # None on SQLite, or where an index gives the order
        if parts:
            # The page's pks from each part's first rows (SubmissionQuerySet.page_pks), then those rows in order:
            # the same page as Django's, without sorting the whole open queue for it.
            if (self.show_all and self.can_show_all) or not self.multi_page:
                offset, limit = 0, max(self.list_max_show_all, self.list_per_page)
            else:
                offset, limit = (self.page_num - 1) * self.list_per_page, self.list_per_page
            self.result_list = self.queryset.filter(pk__in=self.queryset.page_pks(parts, offset, limit))
        fields = getattr(self.model_admin, "LIST_FIELDS", None)
        if fields and not self.list_editable:
            self.result_list = self.result_list.only(*fields)

    def result_table(self):
        """What Django's ``result_list`` tag gives its template (the same keys), with the rows rendered here."""
        headers = list(result_headers(self))
        if self.formset or not all(isinstance(name, str) for name in self.list_display):
            rows = list(results(self))  # list_editable forms or callables as columns: Django's own rendering
        else:
            rows = [ResultList(None, cells) for cells in self.rows()]
        return {
            "cl": self,
            "result_hidden_fields": list(result_hidden_fields(self)),
            "result_headers": headers,
            "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
            "results": rows,
        }

    def _columns(self):
        columns, first = [], True
        for name in self.list_display:
            if self.list_display_links is None:
                is_link = False
            elif first and not self.list_display_links:
                is_link = True
            else:
                is_link = name in self.list_display_links
            columns.append(_Column(self, name, is_link=is_link, is_first_link=first))
            if is_link:
                first = False
        return columns

    def _link_for(self):
        """``link(row, contents)``: the cell's link to the row's change page, with the list's filters kept."""
        try:
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(_PK_SLOT,),
                current_app=self.model_admin.admin_site.name,
            )
        except NoReverseMatch:
            return lambda row, contents: contents
        url = add_preserved_filters({"preserved_filters": self.preserved_filters, "opts": self.opts}, url)
        before, _slot, after = url.partition(_PK_SLOT)
        attname = str(self.to_field) if self.to_field else self.lookup_opts.pk.attname

        def link(row, contents):
            href = f"{before}{quote(getattr(row, self.pk_attname))}{after}"
            popup = format_html(' data-popup-opener="{}"', row.serializable_value(attname)) if self.is_popup else ""
            return format_html('<a href="{}"{}>{}</a>', href, popup, contents)

        return link

    def _checkbox_for(self):
        """Django's action checkbox (``ModelAdmin.action_checkbox``) without rendering a widget template per row."""
        label = gettext(_DJANGO_CHECKBOX_LABEL)
        name = helpers.ACTION_CHECKBOX_NAME

        def checkbox(row):
            return format_html(
                '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                name,
                str(row.pk),
                format_html(label, str(row)),
            )

        return checkbox

    def rows(self):
        """``[[cell html, ...], ...]``: one list per row of the page, each cell as ``items_for_result`` renders it."""
        columns = self._columns()
        link = self._link_for()
        own_checkbox = type(self.model_admin).action_checkbox is ModelAdmin.action_checkbox
        checkbox = self._checkbox_for() if own_checkbox else None
        table = []
        for row in self.result_list:
            cells = []
            for column in columns:
                if checkbox is not None and column.name == "action_checkbox":
                    contents, extra = checkbox(row), ""
                else:
                    contents, extra = column.value(row)
                attrs = f' class="{column.classes}{extra}"'
                if column.is_link:
                    contents = link(row, contents)
                cells.append(mark_safe(f"<{column.tag}{attrs}>{conditional_escape(contents)}</{column.tag}>"))
            table.append(cells)
        return table

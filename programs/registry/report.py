"""What an import did, per file and in total, and the same facts as lines for the command and the admin's messages."""

from dataclasses import dataclass, field

from django.utils.translation import gettext, ngettext

SUCCESS, INFO, WARNING, ERROR = "success", "info", "warning", "error"


@dataclass
class FileReport:
    name: str
    created: list = field(default_factory=list)  # NCT numbers
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    skipped: dict = field(default_factory=dict)  # NCT number -> reason
    kept: dict = field(default_factory=dict)  # NCT number -> labels of the staff-edited fields kept
    notes: dict = field(default_factory=dict)  # NCT number -> notes (terms left out)
    errors: list = field(default_factory=list)  # each names the file, the study and the JSON path

    @property
    def failed(self):
        return bool(self.errors)


@dataclass
class ImportSummary:
    files: list = field(default_factory=list)

    def _joined(self, name):
        return [nct for report in self.files for nct in getattr(report, name)]

    def _merged(self, name):
        return {nct: value for report in self.files for nct, value in getattr(report, name).items()}

    @property
    def created(self):
        return self._joined("created")

    @property
    def updated(self):
        return self._joined("updated")

    @property
    def unchanged(self):
        return self._joined("unchanged")

    @property
    def skipped(self):
        return self._merged("skipped")

    @property
    def kept(self):
        return self._merged("kept")

    @property
    def errors(self):
        """File name -> its problems, for the files that imported nothing."""
        return {report.name: report.errors for report in self.files if report.errors}

    @property
    def failed(self):
        return bool(self.errors)


def counts(report):
    return gettext("created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d, skipped: %(skipped)d") % {
        "created": len(report.created),
        "updated": len(report.updated),
        "unchanged": len(report.unchanged),
        "skipped": len(report.skipped),
    }


def file_lines(report, *, max_errors=None):
    """``[(level, text)]`` for one file: its counts, then what staff should look at."""
    if report.failed:
        shown = report.errors[:max_errors] if max_errors else report.errors
        lines = [(ERROR, problem) for problem in shown]
        if len(shown) < len(report.errors):
            more = len(report.errors) - len(shown)
            lines.append(
                (ERROR, ngettext("… and %(n)d more problem.", "… and %(n)d more problems.", more) % {"n": more})
            )
        nothing = gettext("%(file)s: nothing imported from this file. Correct it and import it again.")
        return [*lines, (ERROR, nothing % {"file": report.name})]
    lines = [(SUCCESS, f"{report.name}: {counts(report)}")]
    if report.created:
        lines.append(
            (
                INFO,
                gettext("New, unpublished until staff write the plain-language summary and contact: %(studies)s.")
                % {"studies": ", ".join(report.created)},
            )
        )
    for nct, fields in report.kept.items():
        lines.append(
            (
                WARNING,
                gettext("%(nct)s: kept the site's own %(fields)s, not the registry's. Check which is right.")
                % {"nct": nct, "fields": ", ".join(fields)},
            )
        )
    for nct, notes in report.notes.items():
        lines += [(INFO, f"{nct}: {note}") for note in notes]
    lines += [(INFO, f"{nct}: {reason}") for nct, reason in report.skipped.items()]
    return lines


def total_line(summary):
    imported = sum(not report.failed for report in summary.files)
    text = ngettext(
        "Total, %(imported)d of %(count)d file imported: %(counts)s",
        "Total, %(imported)d of %(count)d files imported: %(counts)s",
        len(summary.files),
    ) % {"imported": imported, "count": len(summary.files), "counts": counts(summary)}
    return (ERROR if summary.failed else SUCCESS, text)

"""Fictional submissions in bulk, for demos and the benchmark (``manage.py generate_demo_data``).

Everything is made up: names put together from short lists, phone numbers in
the 555-01XX range set aside for fiction, emails on example.org, NPIs with a
valid check digit. The three kinds fill what their forms ask; statuses spread
as in a program years old (most closed, a few percent open, the open ones
recent); each submission gets its records checklist, history, notes and
documents. Every document row points at one small PDF stored once in the
private storage, with its real size and hashes, so a backup verifies.

``random``, seeded, decides everything people read, so a seed gives the same
data again; references and tokens come from ``secrets`` as the intake's do.
A demo submission's form token starts with ``DEMO_TOKEN_PREFIX``, which no real
form token (``FORM_TOKEN_RE``) can: that is how demo rows are told from real ones.

Rows are plain dicts written a batch at a time, one transaction each: COPY on
PostgreSQL, executemany elsewhere. Submission ids are reserved first, so the
other rows can point at their submission without reading anything back.
"""

import contextlib
import hashlib
from collections import Counter

from django.core.files.base import ContentFile
from django.db import transaction

from referrals.demo_data.maker import Maker
from referrals.demo_data.vocabulary import BATCH_SIZE, DEMO_TOKEN_PREFIX
from referrals.demo_data.writer import Writer, free_references, indexes_built_afterwards
from referrals.models import Attachment, Note, RecordItem, StatusChange, Submission, private_storage


def demo_rows():
    return Submission.objects.filter(form_token__startswith=DEMO_TOKEN_PREFIX)


def real_rows():
    """Submissions this module did not make."""
    return Submission.objects.exclude(form_token__startswith=DEMO_TOKEN_PREFIX)


def demo_pdf():
    """A small real PDF (one page: "Demo document: fictional data"), the same bytes every time."""
    stream = b"BT /F1 18 Tf 72 720 Td (Demo document: fictional data) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def demo_document():
    """(storage name, size, sha256, sha1) of the demo PDF, stored once in the private storage under its hash."""
    content = demo_pdf()
    sha256 = hashlib.sha256(content).hexdigest()
    name = f"documents/demo/{sha256[:32]}.pdf"
    storage = private_storage()
    if not storage.exists(name):
        saved = storage.save(name, ContentFile(content))
        if saved != name:  # the rows would point at nothing
            raise RuntimeError(f"the storage saved the demo document as {saved}, not {name}")
    return name, len(content), sha256, hashlib.sha1(content, usedforsecurity=False).hexdigest()


def generate(*, submissions, seed=0, notes_per_submission=2.0, attachments_per_submission=1.5, batch_size=BATCH_SIZE,
             progress=None):  # fmt: skip
    """Write ``submissions`` fictional submissions with their other rows; return the row counts by table.

    ``progress(done, total)`` is called after each batch. The caller decides
    whether this database may receive them (see the command).
    """
    coordinators = list(Submission.assignable_users().values_list("pk", "username"))
    maker = Maker(
        seed=seed,
        notes=notes_per_submission,
        attachments=attachments_per_submission,
        coordinators=coordinators,
        document=demo_document(),
    )
    writer, counts, done = Writer(), Counter(), 0
    tables = [Submission, StatusChange, Note, RecordItem, Attachment]
    # Into an empty database (the benchmark's), indexes are built once at the end: far faster than row by row.
    bulk = indexes_built_afterwards(tables) if not Submission.objects.exists() else contextlib.nullcontext()
    with bulk:
        while done < submissions:
            size = min(batch_size, submissions - done)
            with transaction.atomic():
                children = {StatusChange: [], Note: [], RecordItem: [], Attachment: []}
                rows = []
                for pk, reference in zip(writer.reserve_ids(Submission, size), free_references(size), strict=True):
                    row, theirs = maker.submission(pk, reference)
                    rows.append(row)
                    for model, more in theirs.items():
                        children[model].extend(more)
                writer.write(Submission, rows)
                counts[Submission._meta.label] += len(rows)
                for model, more in children.items():
                    writer.write(model, more)
                    counts[model._meta.label] += len(more)
            done += size
            if progress is not None:
                progress(done, submissions)
    return counts


__all__ = ["BATCH_SIZE", "DEMO_TOKEN_PREFIX", "demo_document", "demo_pdf", "demo_rows", "generate", "real_rows"]

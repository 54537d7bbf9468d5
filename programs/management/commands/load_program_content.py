"""Load the program's shipped content (programs/content/program_content.json).

Each row is loaded once. The command records what it loaded (ContentSeed), so
running it again neither duplicates rows nor brings back or overwrites what
staff have since edited or deleted. It runs on every `make run`, so it reads
the records in one query and writes only what is new.

The file holds each translated field twice: ``title`` (English) and ``title_es``.
A row loaded before its Spanish was shipped gets the Spanish once, field by
field, only where its Spanish is empty and its English is still the shipped
English (a translation of other words would be wrong).
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from programs.models import ContentSeed, Page, Program, Story, Study, Therapy, Video
from programs.translated import OTHER_LANGUAGES, text_in, translated_fields

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "content" / "program_content.json"

# Section of the data file -> (model, natural key field).
SECTIONS = [
    ("therapies", Therapy, "slug"),
    ("studies", Study, "nct_number"),
    ("stories", Story, "slug"),
    ("videos", Video, "slug"),
    ("pages", Page, "key"),
]


def translation_seed(seed_key):
    return f"translations:{seed_key}"


def column_values(model, row):
    """The row's values by column: a translated field's plain name is its English."""
    fields = translated_fields(model)
    return {(f"{name}_en" if name in fields else name): value for name, value in row.items()}


def add_translations(obj, row):
    """Fill ``obj``'s empty translations (and empty staff note) from ``row`` where its English is the shipped one."""
    changed = []
    for field in translated_fields(type(obj)):
        if text_in(obj, field, "en") != (row.get(field) or ""):
            continue
        for language in OTHER_LANGUAGES:
            shipped = row.get(f"{field}_{language}")
            if shipped and not text_in(obj, field, language):
                setattr(obj, f"{field}_{language}", shipped)
                changed.append(f"{field}_{language}")
    if row.get("staff_note") and hasattr(obj, "staff_note") and not obj.staff_note:
        obj.staff_note = row["staff_note"]
        changed.append("staff_note")
    if changed:
        obj.save(update_fields=changed)


class Command(BaseCommand):
    help = "Load the program's initial content. Safe to run again: never duplicates or overwrites rows."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(DEFAULT_PATH), help="JSON data file to load.")

    @transaction.atomic
    def handle(self, *args, path, **options):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        self.path = path
        self.seeded = set(ContentSeed.objects.values_list("key", flat=True))
        self.created = []

        if data.get("program"):
            self.load_program(dict(data["program"]))
        for section, model, key_field in SECTIONS:
            for row in data.get(section, []):
                self.load_row(f"{section}:{row[key_field]}", model, key_field, row)

        ContentSeed.objects.bulk_create([ContentSeed(key=key) for key in self.created])
        loaded = [key for key in self.created if not key.startswith("translations:")]
        if self.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {len(loaded)} new content item(s) and the translations of "
                    f"{len(self.created) - len(loaded)} item(s)."
                )
            )
        else:
            self.stdout.write("Program content already loaded; nothing to do.")

    def load_program(self, program_data):
        highlights = program_data.pop("highlights", [])
        # Older content files carried a phone; the phone lines are settings now (PHONE_MAIN and others).
        program_data.pop("contact_phone", None)
        if "program" not in self.seeded:
            # One program: if staff already made one, keep it as it is.
            if not Program.objects.exists():
                program = Program.objects.create(**{"published": True, **column_values(Program, program_data)})
                for order, highlight in enumerate(highlights, start=1):
                    program.highlights.create(order=order, **column_values(program.highlights.model, highlight))
            self.created += ["program", translation_seed("program")]
        elif translation_seed("program") not in self.seeded:
            program = Program.objects.first()
            if program:
                add_translations(program, program_data)
                by_order = {highlight.order: highlight for highlight in program.highlights.all()}
                for order, highlight in enumerate(highlights, start=1):
                    if order in by_order:
                        add_translations(by_order[order], highlight)
            self.created.append(translation_seed("program"))

    def load_row(self, seed_key, model, key_field, row):
        if seed_key in self.seeded:
            if translation_seed(seed_key) not in self.seeded:
                obj = model.objects.filter(**{key_field: row[key_field]}).first()
                if obj:
                    add_translations(obj, row)
                self.created.append(translation_seed(seed_key))
            return
        defaults = {"published": True, **column_values(model, {k: v for k, v in row.items() if k != key_field})}
        obj = model(**{key_field: row[key_field]}, **defaults)
        try:
            obj.full_clean(validate_unique=False)
        except ValidationError as error:
            # Nothing is loaded (one transaction); say which row is wrong and why.
            raise CommandError(f"{seed_key} in {self.path} is not valid: {error.message_dict}") from error
        # get_or_create: a row staff made by hand with the same key is left alone.
        model.objects.get_or_create(**{key_field: row[key_field]}, defaults=defaults)
        self.created += [seed_key, translation_seed(seed_key)]

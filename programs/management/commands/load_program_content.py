"""Load the program's shipped content (programs/content/program_content.json).

Each row is loaded once. The command records what it loaded (ContentSeed), so
running it again neither duplicates rows nor brings back or overwrites what
staff have since edited or deleted. It runs on every `make run`, so it reads
the records in one query and writes only what is new.
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from programs.models import ContentSeed, Page, Program, Story, Study, Therapy, Video

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "content" / "program_content.json"

# Section of the data file -> (model, natural key field).
SECTIONS = [
    ("therapies", Therapy, "slug"),
    ("studies", Study, "nct_number"),
    ("stories", Story, "slug"),
    ("videos", Video, "slug"),
    ("pages", Page, "key"),
]


class Command(BaseCommand):
    help = "Load the program's initial content. Safe to run again: never duplicates or overwrites rows."

    def add_arguments(self, parser):
        parser.add_argument("--path", default=str(DEFAULT_PATH), help="JSON data file to load.")

    @transaction.atomic
    def handle(self, *args, path, **options):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        seeded = set(ContentSeed.objects.values_list("key", flat=True))
        created = []

        program_data = data.get("program")
        if program_data and "program" not in seeded:
            program_data = dict(program_data)
            highlights = program_data.pop("highlights", [])
            # Older content files carried a phone; the phone lines are settings now (PHONE_MAIN and others).
            program_data.pop("contact_phone", None)
            # One program: if staff already made one, keep it as it is.
            if not Program.objects.exists():
                program = Program.objects.create(published=True, **program_data)
                for order, highlight in enumerate(highlights, start=1):
                    program.highlights.create(order=order, **highlight)
            created.append("program")

        for section, model, key_field in SECTIONS:
            for row in data.get(section, []):
                seed_key = f"{section}:{row[key_field]}"
                if seed_key in seeded:
                    continue
                defaults = {"published": True, **{k: v for k, v in row.items() if k != key_field}}
                obj = model(**{key_field: row[key_field]}, **defaults)
                try:
                    obj.full_clean(validate_unique=False)
                except ValidationError as error:
                    # Nothing is loaded (one transaction); say which row is wrong and why.
                    raise CommandError(f"{seed_key} in {path} is not valid: {error.message_dict}") from error
                # get_or_create: a row staff made by hand with the same key is left alone.
                model.objects.get_or_create(**{key_field: row[key_field]}, defaults=defaults)
                created.append(seed_key)

        ContentSeed.objects.bulk_create([ContentSeed(key=key) for key in created])
        if created:
            self.stdout.write(self.style.SUCCESS(f"Loaded {len(created)} new content item(s)."))
        else:
            self.stdout.write("Program content already loaded; nothing to do.")

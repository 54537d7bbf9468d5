"""Create a coordinator: a staff member (never a superuser) in the Coordinators group."""

import getpass
import os

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from referrals.roles import COORDINATORS_GROUP


class Command(BaseCommand):
    help = (
        "Create a coordinator login (staff, in the Coordinators group). The password comes from "
        "DJANGO_COORDINATOR_PASSWORD or is asked for. On first sign-in they set up an authenticator app."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)

    def handle(self, *args, username, email, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        try:
            group = Group.objects.get(name=COORDINATORS_GROUP)
        except Group.DoesNotExist as error:
            raise CommandError("The Coordinators group is missing: run `manage.py migrate` first.") from error
        # Settings are read once in settings.py; this command's input is the one
        # exception, like createsuperuser's DJANGO_SUPERUSER_PASSWORD.
        password = os.environ.get("DJANGO_COORDINATOR_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        user = User(username=username, email=email, is_staff=True, is_superuser=False)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        with transaction.atomic():
            user.set_password(password)
            user.save()
            user.groups.add(group)
        self.stdout.write(
            self.style.SUCCESS(f"Coordinator {username!r} created. Sign in at /admin/ and set up an authenticator app.")
        )

import io

import pytest
from django.core.management import call_command

from programs.models import Page, Program, Story, Study, Therapy, Video


@pytest.fixture
def content(db):
    """The shipped content, as `make run` loads it."""
    call_command("load_program_content", stdout=io.StringIO())
    return Program.objects.get()


@pytest.fixture
def hidden(db):
    """One unpublished item of each kind."""
    return {
        "therapy": Therapy.objects.create(slug="hidden-therapy", title="Hidden therapy", summary="s", body="b"),
        "study": Study.objects.create(
            nct_number="NCT12345678",
            title="Hidden study",
            phase=Study.Phase.PHASE_1,
            minimum_age="1 Year",
            maximum_age="20 Years",
            conditions="ALL",
            eligibility_summary="e",
            contact="c",
        ),
        "story": Story.objects.create(slug="hidden-story", title="Hidden story", summary="s", body="b"),
        "video": Video.objects.create(
            slug="hidden-video", title="Hidden video", description="d", url="https://example.org/v", transcript="t"
        ),
    }


@pytest.fixture
def hidden_pages(db):
    return [
        Page.objects.create(key=key, title=f"Hidden {key}", summary="s", body="b", published=False)
        for key in Page.Key.values
    ]


@pytest.fixture
def staff_client(client, django_user_model, settings, content):
    # The admin may require a second factor; these tests are about the pages themselves.
    settings.OTP_REQUIRED = False
    user = django_user_model.objects.create_superuser("boss", "boss@example.org", "a-long-password-123")
    client.force_login(user)
    return client

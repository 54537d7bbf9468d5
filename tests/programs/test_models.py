import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from programs.models import Page, Study, Therapy


def make_study(**overrides):
    fields = {
        "nct_number": "NCT01626495",
        "title": "A study",
        "status": Study.Status.RECRUITING,
        "phase": Study.Phase.PHASE_1,
        "minimum_age": "1 Year",
        "maximum_age": "21 Years",
        "conditions": "B-ALL",
        "eligibility_summary": "Relapsed B-ALL",
        "contact": "Coordinator",
        "published": True,
    }
    fields.update(overrides)
    return Study(**fields)


@pytest.mark.parametrize("nct", ["NCT01626495", "NCT00000000", "NCT99999999"])
@pytest.mark.django_db
def test_valid_nct_numbers(nct):
    make_study(nct_number=nct).full_clean()


@pytest.mark.parametrize(
    "nct", ["NCT0162649", "NCT016264955", "nct01626495", "NCT0162649A", "01626495", "NCT 01626495", "NCT01626495\n"]
)
@pytest.mark.django_db
def test_invalid_nct_numbers(nct):
    with pytest.raises(ValidationError) as excinfo:
        make_study(nct_number=nct).full_clean()
    assert "nct_number" in excinfo.value.error_dict
    assert excinfo.value.error_dict["nct_number"][0].code in {"invalid_nct", "max_length"}


@pytest.mark.django_db
def test_nct_number_is_unique():
    make_study().save()
    with pytest.raises(ValidationError) as excinfo:
        make_study(title="Other").full_clean()
    assert "nct_number" in excinfo.value.error_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        make_study(title="Other").save()


@pytest.mark.django_db
def test_database_rejects_unknown_status_and_phase():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_study(status="maybe").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_study(phase="9").save()


@pytest.mark.django_db
def test_age_range_must_be_ordered():
    with pytest.raises(ValidationError) as excinfo:
        make_study(minimum_age="10 Years", maximum_age="5 Years").full_clean()
    assert "maximum_age" in excinfo.value.error_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        make_study(minimum_age="10 Years", maximum_age="5 Years").save()


@pytest.mark.django_db
def test_database_rejects_unknown_page_key():
    with pytest.raises(IntegrityError), transaction.atomic():
        Page.objects.create(key="other", title="t", summary="s", body="b")


def test_registry_link():
    assert make_study().registry_url == "https://clinicaltrials.gov/study/NCT01626495"


@pytest.mark.django_db
def test_published_and_age_querysets():
    make_study(nct_number="NCT00000001", minimum_age="1 Year", maximum_age="10 Years").save()
    make_study(nct_number="NCT00000002", minimum_age="12 Years", maximum_age="25 Years").save()
    make_study(nct_number="NCT00000003", published=False).save()
    assert Study.objects.published().count() == 2
    assert [s.nct_number for s in Study.objects.published().for_age(10)] == ["NCT00000001"]
    assert [s.nct_number for s in Study.objects.published().for_age(12)] == ["NCT00000002"]
    assert Study.objects.published().for_age(30).count() == 0
    Therapy.objects.create(slug="a", title="A", summary="s", body="b", published=False)
    assert Therapy.objects.published().count() == 0

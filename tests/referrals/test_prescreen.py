"""The pre-screen: asked on the forms, stored, summarised on the change page, filtered in the queue;
the studies that match a patient; and the referral that names a study."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from programs.models import Study
from referrals.models import Submission

from .factories import change_url, make_submission, referral_data, second_opinion_data

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:referrals_submission_changelist")
PRESCREEN = {
    "diagnosis": "b_all",
    "diagnosis_other": "",
    "disease_status": "second_relapse",
    "prior_lines_of_therapy": "3",
    "mrd_result": "detectable",
    "mrd_level": "0.05",
    "mrd_method": "flow",
    "mrd_date": "2026-10-01",
    "cd19_status": "positive",
    "cd22_status": "dim",
    "prior_cd19_therapy": "on",
    "prior_cd19_therapy_date": "2025-06-01",
    "prior_car_t": "",
    "prior_car_t_date": "",
    "prior_transplant": "on",
    "clinical_question": "Candidate for CAR T or a CD22 trial?",
}


def make_study(**fields):
    values = {
        "nct_number": "NCT02435849",
        "title": "CD19 CAR T cells for B-ALL that came back",
        "status": Study.Status.RECRUITING,
        "phase": Study.Phase.PHASE_2,
        "minimum_age": "3 Years",
        "maximum_age": "21 Years",
        "conditions": "B-cell Acute Lymphoblastic Leukemia",
        "target_antigens": "CD19",
        "eligibility_summary": "Children whose B-ALL came back.",
        "contact": "Our coordinators.",
        "published": True,
    }
    values.update(fields)
    return Study.objects.create(**values)


def years_ago(years, days=0):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=days)


# --- Asked and stored ------------------------------------------------------------------


def test_a_referral_stores_every_pre_screen_answer_and_the_age_at_submission(client):
    response = client.post(reverse("referrals:refer"), referral_data(**PRESCREEN, patient_dob="2016-05-20"))
    assert response.status_code == 302, response.content.decode()[:2000]
    submission = Submission.objects.get()
    assert submission.disease_status == "second_relapse"
    assert submission.prior_lines_of_therapy == 3
    assert (submission.mrd_result, submission.mrd_level, submission.mrd_method) == (
        "detectable",
        Decimal("0.05"),
        "flow",
    )
    assert submission.mrd_date == date(2026, 10, 1)
    assert (submission.cd19_status, submission.cd22_status) == ("positive", "dim")
    assert submission.prior_cd19_therapy and submission.prior_transplant and not submission.prior_car_t
    assert submission.clinical_question == "Candidate for CAR T or a CD22 trial?"
    today = timezone.localdate()
    expected = (today.year - 2016) * 12 + today.month - 5 - (today.day < 20)
    assert submission.age_months_at_submission == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [("prior_lines_of_therapy", "-1"), ("prior_lines_of_therapy", "21"), ("mrd_level", "101"), ("mrd_level", "x")],
)
def test_out_of_range_answers_are_refused_with_a_message(client, field, value):
    response = client.post(reverse("referrals:refer"), referral_data(**{**PRESCREEN, field: value}))
    assert response.status_code == 200
    assert f'href="#id_{field}"' in response.content.decode()
    assert not Submission.objects.exists()


def test_an_undetectable_mrd_has_no_level(client):
    data = referral_data(**{**PRESCREEN, "mrd_result": "undetectable"})
    response = client.post(reverse("referrals:refer"), data)
    assert "An undetectable MRD result has no level" in response.content.decode()
    assert not Submission.objects.exists()


def test_an_mrd_date_before_birth_is_refused(client):
    response = client.post(reverse("referrals:refer"), referral_data(**{**PRESCREEN, "mrd_date": "2010-01-01"}))
    assert "This date is before the date of birth." in response.content.decode()
    assert not Submission.objects.exists()


def test_a_family_answers_the_simpler_version_in_plain_words(client):
    page = client.get(reverse("referrals:second_opinion")).content.decode()
    assert "Has the cancer come back, or not gone away?" in page
    assert "blinatumomab (Blincyto)" in page
    assert "MRD level" not in page and "CD22" not in page  # the clinician's terms stay on the physicians' form
    data = second_opinion_data(disease_status="refractory", prior_car_t="on")
    assert client.post(reverse("referrals:second_opinion"), data).status_code == 302
    submission = Submission.objects.get()
    assert submission.disease_status == "refractory" and submission.prior_car_t


def test_a_family_that_is_not_sure_leaves_the_disease_status_blank(client):
    assert client.post(reverse("referrals:second_opinion"), second_opinion_data(disease_status="")).status_code == 302
    assert Submission.objects.get().disease_status == ""


# --- The study a referral names -------------------------------------------------------------


def test_a_recruiting_studys_page_offers_a_referral_that_names_it(client):
    study = make_study()
    page = client.get(study.get_absolute_url()).content.decode()
    link = f"{reverse('referrals:refer')}?study={study.nct_number}"
    assert link in page
    form = client.get(link).content.decode()
    assert "This referral is for the clinical study NCT02435849" in form
    assert 'name="study_nct" value="NCT02435849"' in form
    response = client.post(reverse("referrals:refer"), referral_data(study_nct="NCT02435849"))
    assert response.status_code == 302
    assert Submission.objects.get().study_nct == "NCT02435849"


@pytest.mark.parametrize("status", [Study.Status.COMPLETED, Study.Status.NOT_YET_RECRUITING, Study.Status.SUSPENDED])
def test_a_study_that_is_not_recruiting_offers_no_referral(client, status):
    study = make_study(status=status)
    page = client.get(study.get_absolute_url()).content.decode()
    assert "?study=" not in page and "Refer a patient for this study" not in page
    form = client.get(f"{reverse('referrals:refer')}?study={study.nct_number}").content.decode()
    assert "That study is not taking referrals now" in form
    assert 'value="NCT02435849"' not in form


def test_an_unknown_study_in_a_post_is_refused_whole(client):
    response = client.post(reverse("referrals:refer"), referral_data(study_nct="NCT99999999"))
    assert response.status_code == 200
    assert "The study this form was opened for is not in our list" in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.parametrize("value", ["nct02435849", "NCT0243584", "<script>", "NCT02435849' OR 1=1"])
def test_a_malformed_study_in_the_address_is_ignored(client, value):
    make_study()
    response = client.get(reverse("referrals:refer"), {"study": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This referral is for" not in html and "not taking referrals" not in html


# --- The change page and the queue -------------------------------------------------------------


def test_the_change_page_opens_with_the_pre_screen_summary_and_the_matching_studies(
    coordinator_client, django_assert_max_num_queries
):
    make_study()
    make_study(nct_number="NCT09000001", title="CD22 study", target_antigens="CD22", minimum_age="1 Year")
    make_study(nct_number="NCT01626495", title="Closed", status=Study.Status.COMPLETED)
    submission = make_submission(
        patient_dob=years_ago(9),
        disease_status="first_relapse",
        prior_lines_of_therapy=2,
        mrd_result="detectable",
        mrd_level=Decimal("1.5"),
        cd19_status="positive",
        prior_car_t=True,
        prior_car_t_date=date(2025, 3, 1),
        study_nct="NCT02435849",
    )
    response = coordinator_client.get(change_url(submission))
    html = response.content.decode()
    titles = [str(fieldset.name) for fieldset in response.context["adminform"]]
    assert titles[:2] == ["None", "Pre-screen summary"]
    summary = html.split('class="cip-prescreen"')[1].split("</dl>")[0]
    for text in ["First relapse", "Prior lines of therapy", "Detectable (MRD-positive) · 1.5%", "CD19 positive"]:
        assert text in summary
    assert "Prior CAR T-cell therapy (" in summary and "NCT02435849" in summary
    matches = html.split("Recruiting studies that match:</label>")[1].split("</div>")[0]
    assert "NCT02435849" in matches and "NCT09000001" in matches and "NCT01626495" not in matches


def test_a_message_from_an_existing_patient_has_no_pre_screen(coordinator_client):
    submission = make_submission(kind=Submission.Kind.EXISTING_PATIENT, submitter_role="parent", topic="records")
    titles = [str(fieldset.name) for fieldset in coordinator_client.get(change_url(submission)).context["adminform"]]
    assert "Pre-screen summary" not in titles


def queue_references(coordinator_client, **params):
    response = coordinator_client.get(QUEUE, params)
    assert response.status_code == 200
    return {row.reference for row in response.context["cl"].result_list}


def test_the_queue_filters_on_the_studies_that_match(coordinator_client):
    make_study()  # CD19, ages 3-21, B-ALL
    make_study(nct_number="NCT09000002", title="No maximum", maximum_age="", minimum_age="18 Years")
    in_range = make_submission(patient_dob=years_ago(9))
    too_old = make_submission(patient_dob=years_ago(25))  # only the study with no maximum
    too_young = make_submission(patient_dob=years_ago(2))
    negative = make_submission(patient_dob=years_ago(9), cd19_status="negative")
    lymphoma = make_submission(patient_dob=years_ago(9), diagnosis=Submission.Diagnosis.B_LYMPHOMA)
    assert queue_references(coordinator_client, study_match="any") == {in_range.reference, too_old.reference}
    assert queue_references(coordinator_client, study_match="NCT02435849") == {in_range.reference}
    assert queue_references(coordinator_client, study_match="NCT09000002") == {too_old.reference}
    assert queue_references(coordinator_client, study_match="none") == {
        too_young.reference,
        negative.reference,
        lymphoma.reference,
    }


def test_the_database_filter_and_the_rule_agree(coordinator_client):
    """SubmissionQuerySet.matching and Criteria.admits read the same limits: they give the same answers."""
    make_study()
    make_study(nct_number="NCT09000003", target_antigens="CD19, CD22", maximum_age="", conditions="B-cell lymphoma")
    criteria = Study.objects.recruiting_criteria()
    rows = [
        make_submission(patient_dob=years_ago(age, days), diagnosis=diagnosis, cd19_status=cd19)
        for age in (2, 3, 21, 22, 40 // 2)
        for days in (0, 200)
        for diagnosis in ("b_all", "b_lymphoma", "other")
        for cd19 in ("", "positive", "negative")
    ]
    by_query = set(Submission.objects.matching(criteria).values_list("pk", flat=True))
    by_rule = {
        row.pk
        for row in rows
        if any(
            c.admits(
                age_months=row.age_months_at_submission,
                diagnosis=row.diagnosis,
                cd19_status=row.cd19_status,
                cd22_status=row.cd22_status,
            )
            for c in criteria
        )
    }  # noqa: E501
    assert by_query == by_rule and by_query


def test_the_queue_filters_on_the_pre_screen(coordinator_client):
    car_t = make_submission(prior_car_t=True, disease_status="refractory", cd19_status="negative")
    plain = make_submission(disease_status="first_relapse")
    named = make_submission(study_nct="NCT02435849")
    assert queue_references(coordinator_client, earlier="car_t") == {car_t.reference}
    assert queue_references(coordinator_client, earlier="none") == {plain.reference, named.reference}
    assert queue_references(coordinator_client, disease_status__exact="refractory") == {car_t.reference}
    assert queue_references(coordinator_client, cd19_status__exact="negative") == {car_t.reference}
    assert queue_references(coordinator_client, for_study="yes") == {named.reference}


def count_queries(client, url, params=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_matching_costs_one_query_however_many_studies_are_recruiting(coordinator_client):
    submission = make_submission(patient_dob=years_ago(9))
    make_study()
    count_queries(coordinator_client, change_url(submission))  # the first request of a session does more
    page_with_one = count_queries(coordinator_client, change_url(submission))
    queue_with_one = count_queries(coordinator_client, QUEUE, {"study_match": "any"})
    for n in range(5):
        make_study(nct_number=f"NCT0900001{n}", title=f"Study {n}")
    assert count_queries(coordinator_client, change_url(submission)) == page_with_one
    assert count_queries(coordinator_client, QUEUE, {"study_match": "any"}) == queue_with_one


def test_an_unpublished_study_is_never_matched(coordinator_client):
    """An imported study waits for staff to check it; the shipped examples with made-up numbers never match."""
    make_study(published=False)
    submission = make_submission(patient_dob=years_ago(9))
    html = coordinator_client.get(change_url(submission)).content.decode()
    assert "NCT02435849" not in html.split("Recruiting studies that match:</label>")[1].split("</div>")[0]
    assert queue_references(coordinator_client, study_match="any") == set()


def test_the_migration_gives_existing_submissions_their_age_at_submission():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("referrals.migrations.0006_prescreen")
    arrived = timezone.make_aware(timezone.datetime(2026, 3, 10, 12, 0))
    older = make_submission(patient_dob=date(2016, 3, 11), received_at=arrived, age_months_at_submission=None)
    migration.ages_at_submission(apps, None)
    older.refresh_from_db()
    assert older.age_months_at_submission == 9 * 12 + 11  # a day before the tenth birthday

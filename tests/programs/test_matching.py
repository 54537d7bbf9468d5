"""Study matching's rules (programs.matching): disease names, target antigens, and one patient against one study."""

import pytest

from programs.matching import B_ALL, B_LYMPHOMA, Criteria, diseases_named, split_terms, target_antigens_named
from programs.models import Study
from referrals.models import Submission


@pytest.mark.parametrize(
    "term",
    [
        "B-cell Acute Lymphoblastic Leukemia",
        "B-ALL",
        "Precursor B-cell lymphoblastic leukemia",
        "B-Cell Precursor Acute Lymphoblastic Leukemia",
        "Pre-B ALL",
        "Acute Lymphoblastic Leukemia",
        "Acute Lymphocytic Leukemia",
        "Leukemia, Lymphocytic, Acute",
        "Leukemia, B-cell",
        "ALL",
        "ALL in relapse",
        "Precursor Cell Lymphoblastic Leukemia-Lymphoma",
    ],
)
def test_b_all_is_named_by_its_many_spellings(term):
    assert diseases_named(term) == {B_ALL}


@pytest.mark.parametrize(
    "term", ["Diffuse Large B-Cell Lymphoma", "Non-Hodgkin Lymphoma", "Lymphoma, B-Cell", "Burkitt Lymphoma"]
)
def test_b_cell_lymphoma_is_named(term):
    assert diseases_named(term) == {B_LYMPHOMA}


@pytest.mark.parametrize(
    "term",
    ["T-cell Acute Lymphoblastic Leukemia", "T-ALL", "Acute Myeloid Leukemia", "Hematologic Malignancies", "Allergy"],
)
def test_other_diseases_name_nothing(term):
    assert diseases_named(term) == frozenset()


def test_a_list_of_terms_is_read_term_by_term():
    assert split_terms("B-cell acute lymphoblastic leukemia, B-cell lymphoma") == [
        "B-cell acute lymphoblastic leukemia",
        "B-cell lymphoma",
    ]
    assert split_terms("Leukemia, Lymphocytic, Acute; Lymphoma, B-Cell") == [
        "Leukemia, Lymphocytic, Acute",
        "Lymphoma, B-Cell",
    ]
    # A T-cell term beside a B-cell one excludes only itself.
    assert diseases_named("B-ALL, T-ALL") == {B_ALL}
    assert diseases_named("Acute Myeloid Leukemia", "keyword\nB-cell lymphoma") == {B_LYMPHOMA}


@pytest.mark.parametrize(
    ("text", "antigens"),
    [
        ("CD19-directed CAR T cells", ["CD19"]),
        ("anti-CD19 chimeric antigen receptor T cells", ["CD19"]),
        ("Humanized CD19 CAR T cells", ["CD19"]),
        ("Study of tisagenlecleucel (CTL019)", ["CD19"]),
        ("CD19/CD22 bispecific CAR T cells", ["CD19", "CD22"]),
        ("CAR T cells that target both CD19 and CD22", ["CD19", "CD22"]),
        ("CAR T cells that target CD22, for leukemia that came back after treatment aimed at CD19", ["CD22"]),
        ("For CD19-negative relapse", []),
        ("Patients with CD19 positive disease", []),
        ("Chemotherapy", []),
    ],
)
def test_target_antigens_are_what_the_therapy_is_aimed_at(text, antigens):
    assert target_antigens_named(text) == antigens


def test_the_rules_use_the_referral_forms_own_diagnosis_codes():
    assert {B_ALL, B_LYMPHOMA} <= set(Submission.Diagnosis.values)
    assert "negative" in Submission.CD19Status.values and "negative" in Submission.CD22Status.values


def study(**fields):
    values = {
        "nct_number": "NCT02435849",
        "title": "CD19 CAR T cells",
        "status": Study.Status.RECRUITING,
        "phase": Study.Phase.PHASE_2,
        "minimum_age": "3 Years",
        "maximum_age": "21 Years",
        "conditions": "B-cell Acute Lymphoblastic Leukemia",
        "target_antigens": "CD19",
        "published": True,
    }
    values.update(fields)
    instance = Study(**values)
    instance.set_age_months()
    return instance


def admits(criteria, *, age_months=9 * 12, diagnosis=B_ALL, cd19_status="positive", cd22_status=""):
    return criteria.admits(age_months=age_months, diagnosis=diagnosis, cd19_status=cd19_status, cd22_status=cd22_status)


def test_in_range_matches_and_the_limits_are_inclusive():
    criteria = Criteria.of(study())
    assert admits(criteria)
    assert admits(criteria, age_months=3 * 12)  # the third birthday
    assert admits(criteria, age_months=21 * 12 + 11)  # the last month of age 21
    assert not admits(criteria, age_months=3 * 12 - 1)  # too young by a month


def test_too_old_does_not_match():
    assert not admits(Criteria.of(study()), age_months=22 * 12)


def test_no_maximum_means_no_upper_limit():
    criteria = Criteria.of(study(maximum_age=""))
    assert criteria.max_months is None
    assert admits(criteria, age_months=29 * 12)


def test_months_limits_are_compared_in_months():
    criteria = Criteria.of(study(minimum_age="18 Months"))
    assert not admits(criteria, age_months=17)
    assert admits(criteria, age_months=18)


def test_another_disease_does_not_match():
    criteria = Criteria.of(study())
    assert not admits(criteria, diagnosis=B_LYMPHOMA)
    assert not admits(criteria, diagnosis=Submission.Diagnosis.OTHER)
    assert not admits(criteria, diagnosis=Submission.Diagnosis.UNSURE)
    assert not admits(criteria, diagnosis="")


def test_cd19_negative_disease_does_not_match_a_cd19_directed_study():
    criteria = Criteria.of(study())
    assert not admits(criteria, cd19_status="negative")
    assert admits(criteria, cd19_status="dim")
    assert admits(criteria, cd19_status="")  # not known: a coordinator checks
    dual = Criteria.of(study(target_antigens="CD19, CD22"))
    assert admits(dual, cd19_status="negative")
    cd22 = Criteria.of(study(target_antigens="CD22"))
    assert admits(cd22, cd19_status="negative")
    assert not admits(cd22, cd22_status="negative")


def test_no_age_means_no_match():
    assert not admits(Criteria.of(study()), age_months=None)


@pytest.mark.django_db
def test_only_published_recruiting_studies_have_criteria():
    study(nct_number="NCT00000001").save()
    study(nct_number="NCT00000002", status=Study.Status.COMPLETED).save()
    study(nct_number="NCT00000003", status=Study.Status.NOT_YET_RECRUITING).save()
    study(nct_number="NCT00000004", published=False).save()  # imported, not yet checked by staff
    assert [criteria.nct_number for criteria in Study.objects.recruiting_criteria()] == ["NCT00000001"]

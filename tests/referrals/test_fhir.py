"""The FHIR export (referrals.fhir): a valid R4 Bundle for every kind of submission, the mappings, no file
content anywhere, stable ids, and the admin download and action (permission-checked, in the access log)."""

import base64
import hashlib
import json
import os
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from referrals import fhir
from referrals.admin import actions
from referrals.fhir import codes
from referrals.models import AccessLog, Attachment, StatusChange, Submission

from .factories import MARKERS, make_attachment, make_submission, verified_client

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "fhir-sample-bundle.json"
NOW = datetime(2025, 1, 12, 8, 0, tzinfo=UTC)

# FHIR R4's required value sets for ServiceRequest.status and Task.status (fhir.resources checks types, not codes).
REQUEST_STATUSES = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
TASK_STATUSES = set("draft requested received accepted rejected ready cancelled in-progress on-hold failed".split())
TASK_STATUSES |= {"completed", "entered-in-error"}

FULL_PRESCREEN = {
    "diagnosis": "b_all", "disease_status": "second_relapse", "prior_lines_of_therapy": 3,
    "mrd_result": "detectable", "mrd_level": Decimal("0.0125"), "mrd_method": "flow", "mrd_date": date(2025, 1, 6),
    "cd19_status": "positive", "cd22_status": "dim",
    "prior_cd19_therapy": True, "prior_cd19_therapy_date": date(2024, 3, 1),
    "prior_transplant": True, "prior_transplant_date": date(2024, 8, 15),
    "clinical_question": "Candidate for CAR T?", "current_treatment": "Txmarker regimen", "study_nct": "NCT01234567",
}  # fmt: skip
FAMILY = {"kind": "second_opinion", "submitter_role": "parent", "referrer_name": "", "referrer_npi": ""}


def resources(bundle, resource_type=None):
    found = [entry["resource"] for entry in bundle["entry"]]
    return [r for r in found if resource_type is None or r["resourceType"] == resource_type]


def one(bundle, resource_type):
    (found,) = resources(bundle, resource_type)
    return found


def observations(bundle):
    return {r["code"]["coding"][0]["code"]: r for r in resources(bundle, "Observation")}


def referral(**fields):
    return make_submission(
        **{**FULL_PRESCREEN, "insurance_payer": "Plokcare", "insurance_member_id": "M-1", "urgency": "urgent", **fields}
    )


KINDS = {
    "referral": lambda: referral(),
    "referral-bare": lambda: make_submission(diagnosis="", insurance_payer=""),
    "referral-practice-only": lambda: make_submission(referrer_name="", referrer_npi="", referrer_practice="X"),
    "second-opinion": lambda: make_submission(
        **FAMILY, current_oncologist="Dr Onc", current_hospital="General", message=MARKERS["message"]
    ),
    "second-opinion-adult-other-dx": lambda: make_submission(
        **{**FAMILY, "submitter_role": "adult_patient"}, diagnosis="other", diagnosis_other="Dxmarker"
    ),
    "second-opinion-member-id-only": lambda: make_submission(**FAMILY, insurance_member_id="M-2", diagnosis="unsure"),
    "existing-patient": lambda: make_submission(
        kind="existing_patient", submitter_role="parent", medical_record_number="MRN0042", topic="appointment",
        message=MARKERS["message"], diagnosis="", referrer_name="", referrer_npi="",
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("with_documents", [False, True])
def test_every_kind_makes_a_valid_bundle_without_file_content(kind, with_documents):
    submission = KINDS[kind]()
    if with_documents:
        make_attachment(submission, content=b"%PDF-1.4 secret-bytes\n%%EOF\n")
    bundle = fhir.submission_bundle(submission)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection" and bundle["identifier"]["value"] == f"urn:uuid:{bundle['id']}"
    assert all(entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}" for entry in bundle["entry"])
    assert len({entry["fullUrl"] for entry in bundle["entry"]}) == len(bundle["entry"])
    text = json.dumps(bundle)
    assert '"data":' not in text and '"url":' not in text  # as keys, anywhere: no content, no link to it
    assert "secret-bytes" not in text and base64.b64encode(b"%PDF").decode() not in text
    assert len(resources(bundle, "DocumentReference")) == int(with_documents)
    assert len(resources(bundle, "Task")) == 1


def test_referral_parties_npi_coverage_and_condition():
    bundle = fhir.submission_bundle(referral(referrer_practice="Springfield Children's", referrer_credentials="MD"))
    practitioner = one(bundle, "Practitioner")
    assert practitioner["identifier"] == [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}]
    assert practitioner["qualification"][0]["code"]["text"] == "MD"
    assert {point["system"] for point in practitioner["telecom"]} == {"email"}
    role = one(bundle, "PractitionerRole")
    assert role["organization"]["display"] == "Springfield Children's"
    request = one(bundle, "ServiceRequest")
    assert request["requester"]["reference"] == f"urn:uuid:{practitioner['id']}"
    assert (request["intent"], request["priority"]) == ("order", "urgent")
    coverage = one(bundle, "Coverage")
    assert coverage["subscriberId"] == "M-1" and coverage["payor"][0]["display"] == "Plokcare"
    assert request["insurance"] == [{"reference": f"urn:uuid:{coverage['id']}"}]
    condition = one(bundle, "Condition")
    assert request["reasonReference"] == [{"reference": f"urn:uuid:{condition['id']}"}]
    assert condition["clinicalStatus"]["coding"][0]["code"] == "relapse"
    assert condition["verificationStatus"]["coding"][0]["code"] == "confirmed"
    icd, snomed = condition["code"]["coding"]
    assert (icd["system"], icd["code"]) == ("http://hl7.org/fhir/sid/icd-10-cm", "C91.02")
    assert (snomed["system"], snomed["code"]) == ("http://snomed.info/sct", "277571004")
    notes = [note["text"] for note in request["note"]]
    assert "Clinical question: Candidate for CAR T?" in notes and "Study referred for: NCT01234567" in notes
    study = request["supportingInfo"][-1]
    assert study["type"] == "ResearchStudy" and study["identifier"]["value"] == "NCT01234567"
    family = one(bundle, "RelatedPerson")
    assert family["relationship"][0]["text"] == "Parent or guardian"
    assert {point["system"] for point in family["telecom"]} == {"phone", "email"}


def test_prescreen_observations_have_the_answers():
    submission = referral(interpreter_needed=True, preferred_language="Spanish")
    bundle = fhir.submission_bundle(submission)
    found = observations(bundle)
    assert set(found) == {
        "disease-status", "prior-lines-of-therapy", "mrd", "cd19-status", "cd22-status",
        "prior-cd19-therapy", "prior-car-t", "prior-transplant", "54588-9",
    }  # fmt: skip
    assert all(o["status"] == "final" and o["subject"]["reference"].startswith("urn:uuid:") for o in found.values())
    assert found["disease-status"]["valueCodeableConcept"]["coding"][0]["code"] == "second_relapse"
    assert found["prior-lines-of-therapy"]["valueInteger"] == 3
    mrd = found["mrd"]
    assert mrd["valueQuantity"] == {"value": 0.0125, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
    assert mrd["interpretation"][0]["coding"][0]["code"] == "DET"
    assert (mrd["method"]["coding"][0]["code"], mrd["effectiveDateTime"]) == ("flow", "2025-01-06")
    assert found["cd19-status"]["valueCodeableConcept"]["coding"][0]["code"] == "positive"
    assert found["cd22-status"]["valueCodeableConcept"]["coding"][0]["code"] == "dim"
    earlier = found["prior-cd19-therapy"]
    assert (earlier["valueBoolean"], earlier["effectiveDateTime"]) == (True, "2024-03-01")
    assert found["prior-car-t"]["valueBoolean"] is False and "effectiveDateTime" not in found["prior-car-t"]
    assert found["prior-transplant"]["effectiveDateTime"] == "2024-08-15"
    assert found["54588-9"]["valueBoolean"] is True
    supporting = {ref.get("reference") for ref in one(bundle, "ServiceRequest")["supportingInfo"]}
    assert {f"urn:uuid:{o['id']}" for o in found.values()} <= supporting
    language = one(bundle, "Patient")["communication"][0]["language"]
    assert language["coding"] == [{"system": "urn:ietf:bcp:47", "code": "es"}]
    # Without a level, the result itself is the value.
    mrd = observations(fhir.submission_bundle(referral(mrd_level=None, mrd_result="undetectable")))["mrd"]
    assert mrd["valueCodeableConcept"]["coding"][0]["code"] == "undetectable"
    assert mrd["interpretation"][0]["coding"][0]["code"] == "ND"


def test_a_family_request_is_a_proposal_with_unconfirmed_diagnosis_and_preliminary_answers():
    submission = make_submission(**FAMILY, current_oncologist="Dr Onc", prior_car_t=True, disease_status="refractory")
    bundle = fhir.submission_bundle(submission)
    request, family = one(bundle, "ServiceRequest"), one(bundle, "RelatedPerson")
    assert (request["intent"], request["priority"]) == ("proposal", "routine")
    assert request["requester"]["reference"] == f"urn:uuid:{family['id']}"
    assert family["relationship"][0]["text"] == "Parent or legal guardian"
    oncologist = one(bundle, "Practitioner")
    assert "identifier" not in oncologist and oncologist["name"] == [{"text": "Dr Onc"}]
    assert {"reference": f"urn:uuid:{oncologist['id']}", "display": "Dr Onc"} in request["supportingInfo"]
    condition = one(bundle, "Condition")
    assert condition["verificationStatus"]["coding"][0]["code"] == "unconfirmed"
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
    assert [c["code"] for c in condition["code"]["coding"]] == ["C91.00", "277571004"]
    assert {o["status"] for o in resources(bundle, "Observation")} == {"preliminary"}
    assert observations(bundle)["prior-car-t"]["valueBoolean"] is True


def test_an_adult_patient_is_their_own_contact_and_an_unverified_diagnosis_is_text_only():
    submission = make_submission(
        **{**FAMILY, "submitter_role": "adult_patient"}, diagnosis="other", diagnosis_other="X"
    )
    bundle = fhir.submission_bundle(submission)
    assert not resources(bundle, "RelatedPerson")
    patient = one(bundle, "Patient")
    assert {point["system"] for point in patient["telecom"]} == {"phone", "email"}
    assert one(bundle, "ServiceRequest")["requester"]["reference"] == f"urn:uuid:{patient['id']}"
    assert one(bundle, "Condition")["code"] == {"text": "X"}


def test_an_existing_patients_message_is_a_communication_with_its_task():
    submission = KINDS["existing-patient"]()
    bundle = fhir.submission_bundle(submission)
    assert not resources(bundle, "ServiceRequest") and not resources(bundle, "Condition")
    message = one(bundle, "Communication")
    assert message["payload"] == [{"contentString": MARKERS["message"]}]
    assert message["topic"]["text"] == "Appointments"
    assert one(bundle, "Task")["focus"] == {"reference": f"urn:uuid:{message['id']}"}
    mrn = one(bundle, "Patient")["identifier"][0]
    assert (mrn["value"], mrn["type"]["coding"][0]["code"]) == ("MRN0042", "MR")
    assert mrn["system"] == "https://cip.example.org/fhir/sid/mrn"


@pytest.mark.parametrize("urgency", Submission.Urgency.values)
def test_priority_follows_urgency(urgency):
    bundle = fhir.submission_bundle(make_submission(urgency=urgency))
    assert one(bundle, "ServiceRequest")["priority"] == one(bundle, "Task")["priority"] == urgency


# The documented mapping: workflow status -> (ServiceRequest.status, Task.status).
WORKFLOW = {
    "new": ("active", "requested"), "in_review": ("active", "received"), "awaiting_records": ("active", "on-hold"),
    "accepted": ("active", "accepted"), "declined": ("revoked", "rejected"), "closed": ("revoked", "cancelled"),
    "answered": ("completed", "completed"),
}  # fmt: skip


def test_every_workflow_status_is_mapped_to_valid_fhir_statuses():
    assert codes.STATUS_MAP == WORKFLOW and set(WORKFLOW) == set(Submission.Status.values)
    assert {request for request, _task in WORKFLOW.values()} <= REQUEST_STATUSES
    assert {task for _request, task in WORKFLOW.values()} <= TASK_STATUSES


@pytest.mark.parametrize("status", WORKFLOW)
def test_status_mappings_in_the_bundle(status):
    request_status, task_status = WORKFLOW[status]
    kind = "existing_patient" if status == "answered" else "referral"
    extra = {"decline_reason": "not_eligible"} if status == "declined" else {}
    bundle = fhir.submission_bundle(make_submission(kind=kind, status=status, **extra))
    task = one(bundle, "Task")
    assert (task["status"], task["businessStatus"]["coding"][0]["code"]) == (task_status, status)
    if kind == "referral":
        assert one(bundle, "ServiceRequest")["status"] == request_status


def test_task_dates_reasons_and_consult():
    submission = make_submission(status="declined", decline_reason="not_eligible")
    StatusChange.objects.create(submission=submission, to_value="declined", changed_at=datetime(2099, 1, 1, tzinfo=UTC))
    task = one(fhir.submission_bundle(submission), "Task")
    assert task["lastModified"] == "2099-01-01T00:00:00Z" >= task["authoredOn"]
    assert task["statusReason"]["text"] == "Not eligible"
    accepted = make_submission(status="accepted", consult_date=date(2025, 2, 3))
    assert one(fhir.submission_bundle(accepted), "Task")["output"][0]["valueDate"] == "2025-02-03"


@pytest.mark.parametrize("stored_sha1", [True, False])
def test_document_reference_carries_size_and_base64_sha1(stored_sha1):
    content = b"%PDF-1.4\n" + bytes(range(256)) * 300
    attachment = make_attachment(make_submission(), content=content, name="scan.pdf")
    if stored_sha1:
        Attachment.objects.filter(pk=attachment.pk).update(sha1=hashlib.sha1(content).hexdigest())
    with attachment.file.open("rb") as handle:
        stored = handle.read()
    document = one(fhir.submission_bundle(Submission.objects.get(pk=attachment.submission_id)), "DocumentReference")
    assert document["status"] == "current"
    file = document["content"][0]["attachment"]
    assert file["hash"] == base64.b64encode(hashlib.sha1(stored).digest()).decode()
    assert (file["size"], file["contentType"], file["title"]) == (len(content), "application/pdf", "scan.pdf")
    assert not {"data", "url"} & set(file)


def test_re_export_gives_the_same_ids():
    submission = referral()
    make_attachment(submission)
    first, second = fhir.submission_bundle(submission), fhir.submission_bundle(submission, now=NOW)
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]
    assert first["id"] == second["id"]
    other = fhir.submission_bundle(referral())
    assert not {e["fullUrl"] for e in first["entry"]} & {e["fullUrl"] for e in other["entry"]}


def test_an_invalid_bundle_is_refused_without_its_values():
    with pytest.raises(fhir.InvalidBundle) as refused:
        fhir.bundle.validate({"resourceType": "Bundle", "type": "collection", "timestamp": MARKERS["patient_name"]})
    assert "timestamp" in str(refused.value) and MARKERS["patient_name"] not in str(refused.value)


# --- The downloads ------------------------------------------------------------------


@pytest.fixture
def viewer(django_user_model):
    """Staff who may read submissions but not export them."""
    user = django_user_model.objects.create_user("viewer", password="x" * 20, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_submission"))
    return user


def fhir_url(submission):
    return reverse("admin:referrals_submission_fhir", args=[submission.pk])


def test_download_view_serves_the_bundle_privately_and_logs_it(coordinator_client, coordinator):
    submission = referral()
    response = coordinator_client.get(fhir_url(submission), REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"] == f'attachment; filename="{submission.reference}.fhir.json"'
    # admin_view adds never_cache's directives to ours.
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    assert response["X-Content-Type-Options"] == "nosniff"
    Bundle.model_validate(json.loads(response.content))
    log = AccessLog.objects.get()
    assert (log.action, log.user, log.submission, log.client_ip) == ("fhir", coordinator, submission, "198.51.100.7")
    assert fhir_url(submission) == f"/admin/referrals/submission/{submission.pk}/fhir/"
    coordinator_client.get(fhir_url(submission))
    assert AccessLog.objects.filter(action="fhir").count() == 2


def test_download_view_refuses_staff_without_the_export_permission(viewer):
    response = verified_client(viewer).get(fhir_url(make_submission()))
    assert response.status_code == 403
    assert not AccessLog.objects.exists()


def test_change_page_links_to_the_bundle_only_for_exporters(coordinator_client, viewer):
    submission = make_submission()
    change, link = reverse("admin:referrals_submission_change", args=[submission.pk]), fhir_url(submission)
    assert link in coordinator_client.get(change).text
    page = verified_client(viewer).get(change)
    assert page.status_code == 200 and link not in page.text


def run_export_fhir(user, submissions):
    request = RequestFactory().post("/admin/referrals/submission/", REMOTE_ADDR="203.0.113.9")
    request.user = user
    queryset = Submission.objects.filter(pk__in=[s.pk for s in submissions])
    return actions.export_fhir(admin.site._registry[Submission], request, queryset)


def test_export_action_one_submission_is_its_bundle(coordinator, viewer):
    request, model_admin = RequestFactory().get("/"), admin.site._registry[Submission]
    request.user = viewer
    assert not model_admin.has_export_permission(request)  # so the admin does not offer the action
    submission = referral()
    response = run_export_fhir(coordinator, [submission])
    assert response["Content-Disposition"] == f'attachment; filename="{submission.reference}.fhir.json"'
    bundle = json.loads(response.content)
    assert bundle["id"] == fhir.submission_bundle(submission)["id"]
    logged = [("fhir", submission.pk, "203.0.113.9")]
    assert list(AccessLog.objects.values_list("action", "submission", "client_ip")) == logged
    # Django's admin offers the action only to users for whom has_export_permission is true.
    assert list(actions.export_fhir.allowed_permissions) == ["export"]


def test_export_action_several_is_a_collection_of_bundles_logged_per_submission(coordinator):
    chosen = [referral(), KINDS["second-opinion"](), KINDS["existing-patient"]()]
    response = run_export_fhir(coordinator, chosen)
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"].startswith('attachment; filename="submissions-')
    bundle = json.loads(response.content)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    assert [entry["resource"]["resourceType"] for entry in bundle["entry"]] == ["Bundle"] * 3
    assert {entry["resource"]["id"] for entry in bundle["entry"]} == {fhir.submission_bundle(s)["id"] for s in chosen}
    assert set(AccessLog.objects.filter(action="fhir").values_list("submission", flat=True)) == {s.pk for s in chosen}
    assert AccessLog.objects.count() == 3


# --- The README's sample ------------------------------------------------------------


def sample_submission():
    """An obviously made-up patient: every name, number and address is fictional (555-01xx, example.org)."""
    submission = make_submission(
        reference="CIP-DEMO-0001", received_at=datetime(2025, 1, 10, 14, 30, tzinfo=UTC), status="in_review",
        patient_name="Fictional Example-Child", patient_dob=date(2016, 2, 29), patient_sex="female",
        referrer_name="Dr. Jane Sample (fictional)", referrer_credentials="MD", referrer_npi="1234567893",
        referrer_practice="Example Children's Hospital", referrer_phone="+12025550143",
        referrer_email="jane.sample@example.org", contact_name="Pat Example", contact_phone="+12025550199",
        contact_email="pat.example@example.org", preferred_language="Spanish", interpreter_needed=True,
        insurance_payer="Example Health Plan", insurance_member_id="EXAMPLE-0001", urgency="urgent",
        urgent_reason="Fictional example: rising blasts.",
        **{**FULL_PRESCREEN, "clinical_question": "Is this fictional patient a candidate for CAR T-cell therapy?",
           "current_treatment": "An example regimen (fictional).", "study_nct": "NCT00000000"},
    )  # fmt: skip
    when = datetime(2025, 1, 11, 9, tzinfo=UTC)
    StatusChange.objects.create(submission=submission, from_value="new", to_value="in_review", changed_at=when)
    content = b"%PDF-1.4\n% A fictional sample document.\n%%EOF\n"
    attachment = Attachment(
        pk=990001, submission=submission, record_item="pathology", original_name="pathology-report-sample.pdf",
        content_type="application/pdf", size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        sha1=hashlib.sha1(content).hexdigest(), uploaded_at=datetime(2025, 1, 10, 14, 31, tzinfo=UTC),
    )  # fmt: skip
    attachment.file.save("sample.pdf", ContentFile(content), save=True)
    return submission


def test_sample_bundle_in_docs_is_current():
    """Regenerate with FHIR_SAMPLE_REGENERATE=1 (then read the diff: it is the README's example)."""
    text = json.dumps(fhir.submission_bundle(sample_submission(), now=NOW), ensure_ascii=False, indent=2) + "\n"
    if os.environ.get("FHIR_SAMPLE_REGENERATE") == "1":
        SAMPLE.write_text(text, encoding="utf-8")
    Bundle.model_validate(json.loads(SAMPLE.read_text(encoding="utf-8")))
    assert SAMPLE.read_text(encoding="utf-8") == text, "docs/fhir-sample-bundle.json is stale: see the docstring"


def test_export_action_queries_do_not_grow_with_the_submissions(coordinator):
    def queries(submissions):
        with CaptureQueriesContext(connection) as captured:
            run_export_fhir(coordinator, submissions)
        return len(captured)

    two = [referral(), referral()]
    for submission in two:
        make_attachment(submission)
    five = [*two, referral(), KINDS["second-opinion"](), KINDS["existing-patient"]()]
    make_attachment(five[-1])
    assert queries(five) == queries(two)

"""One fictional submission and its checklist, history, notes and documents, as rows (dicts by attname)."""

import random
import secrets
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from referrals.demo_data.vocabulary import (
    CREDENTIALS,
    DEMO_TOKEN_PREFIX,
    DOCUMENTS,
    DONE,
    EN_ENDINGS,
    EN_STEMS,
    ES_ENDINGS,
    ES_STEMS,
    FAMILY_MESSAGES,
    GIVEN,
    HOSPITALS,
    NOTES,
    OPEN,
    OTHER_DIAGNOSES,
    PATIENT_MESSAGES,
    PAYERS,
    QUESTIONS,
    TREATMENTS,
    URGENT_REASONS,
    YEARS,
    S,
)
from referrals.models import Attachment, Note, RecordItem, StatusChange
from referrals.models.prescreen import months_on


def npi_with_check_digit(first_nine):
    """A 10-digit NPI: ``first_nine`` and the Luhn check digit over "80840" + them (CMS's rule)."""
    total = 0
    for position, digit in enumerate(int(d) for d in reversed("80840" + first_nine)):
        if position % 2 == 0:  # doubled: the check digit will sit to the right of these
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return first_nine + str((10 - total % 10) % 10)


class Maker:
    """Builds one submission's rows at a time from a seeded ``random.Random``."""

    def __init__(self, *, seed, notes, attachments, coordinators, document):
        self.rng = random.Random(seed)
        self.notes, self.attachments, self.coordinators, self.document = notes, attachments, coordinators, document
        self.until = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        self.referrers = [self._referrer(n) for n in range(400)]
        self.last_open_patient = None

    def _surname(self, spanish):
        rng = self.rng
        if spanish:
            first = rng.choice(ES_STEMS) + rng.choice(ES_ENDINGS)
            return f"{first} {rng.choice(ES_STEMS)}{rng.choice(ES_ENDINGS)}" if rng.random() < 0.4 else first
        return rng.choice(EN_STEMS) + rng.choice(EN_ENDINGS)

    def _phone(self):
        return f"+1{self.rng.randint(201, 989)}55501{self.rng.randint(0, 99):02d}"

    def _referrer(self, n):
        rng = self.rng
        given, surname = rng.choice(GIVEN), self._surname(rng.random() < 0.3)
        return {
            "referrer_name": f"Dr. {given} {surname}",
            "referrer_credentials": rng.choice(CREDENTIALS),
            "referrer_npi": npi_with_check_digit(str(rng.randint(100_000_000, 299_999_999))),
            "referrer_practice": rng.choice(HOSPITALS),
            "referrer_phone": self._phone(),
            "referrer_fax": self._phone() if rng.random() < 0.5 else "",
            "referrer_email": f"{given}.{surname.replace(' ', '')}{n}@example.org".lower(),
        }

    def _count(self, mean):
        return min(8, round(self.rng.expovariate(1 / mean))) if mean > 0 else 0

    def _between(self, start, end):
        return start + (end - start) * self.rng.random()

    def submission(self, pk, reference):
        """``(submission row, {model: [rows]})`` for submission ``pk``."""
        rng = self.rng
        kind = rng.choices(list(S.Kind), weights=(55, 30, 15))[0]
        received = self.until - timedelta(days=YEARS * 365 * rng.random() ** 1.4)
        age_days = (self.until - received).days
        open_share = 0.9 if age_days < 10 else 0.5 if age_days < 30 else 0.2 if age_days < 60 else 0.003
        if rng.random() < open_share:
            status = rng.choice(OPEN[kind])
        else:
            statuses, weights = zip(*DONE[kind], strict=True)
            status = rng.choices(statuses, weights=weights)[0]
        spanish = rng.random() < 0.2
        dob = received.date() - timedelta(days=int(365.25 * min(25, abs(rng.gauss(9, 6)))))
        name = f"{rng.choice(GIVEN)} {self._surname(spanish if rng.random() < 0.9 else not spanish)}"
        if status in S.OPEN_STATUSES:
            earlier = self.last_open_patient
            if earlier and earlier[1] <= received.date() and rng.random() < 0.05:  # sent twice: a likely duplicate
                name, dob = earlier
                name = name.upper() if rng.random() < 0.5 else name
            self.last_open_patient = (name, dob)
        row = {
            "id": pk,
            "reference": reference,
            "confirmation_token": secrets.token_urlsafe(32),
            "form_token": DEMO_TOKEN_PREFIX + secrets.token_urlsafe(32),
            "kind": kind,
            "status": status,
            "language": S.Language.SPANISH if spanish else S.Language.ENGLISH,
            "received_at": received,
            "patient_name": name,
            "patient_dob": dob,
            "age_months_at_submission": months_on(dob, timezone.localdate(received)),
            "contact_name": f"{rng.choice(GIVEN)} {name.split(' ', 1)[1]}",
            "contact_phone": self._phone(),
        }
        if kind != S.Kind.EXISTING_PATIENT:
            row["preferred_language"] = "Spanish" if spanish else "English"
            row["interpreter_needed"] = spanish and rng.random() < 0.6
        if rng.random() < 0.7:
            row["contact_email"] = f"family{pk}@example.org"
        getattr(self, f"_{kind}")(row)
        return row, self._work(row)

    def _referral(self, row):
        rng = self.rng
        row.update(rng.choice(self.referrers), submitter_role=S.SubmitterRole.CLINICIAN, family_aware=True)
        row["patient_sex"] = rng.choice([S.Sex.FEMALE, S.Sex.MALE, S.Sex.MALE, S.Sex.UNKNOWN])
        row["diagnosis"] = rng.choices(list(S.Diagnosis), weights=(80, 12, 6, 2))[0]
        if row["diagnosis"] == S.Diagnosis.OTHER:
            row["diagnosis_other"] = rng.choice(OTHER_DIAGNOSES)
        row["disease_status"] = rng.choices(list(S.DiseaseStatus), weights=(35, 25, 25, 15))[0]
        row["prior_lines_of_therapy"] = rng.randint(1, 6)
        received = row["received_at"].date()
        if rng.random() < 0.7:
            row["mrd_result"] = rng.choice([S.MRDResult.DETECTABLE] * 3 + [S.MRDResult.UNDETECTABLE])
            if row["mrd_result"] == S.MRDResult.DETECTABLE:
                row["mrd_level"] = Decimal(rng.choice(["0.0100", "0.0500", "0.2000", "1.5000", "12.0000"]))
            row["mrd_method"] = rng.choice(list(S.MRDMethod))
            row["mrd_date"] = received - timedelta(days=rng.randint(3, 40))
        row["cd19_status"] = rng.choices(list(S.CD19Status), weights=(75, 7, 8, 10))[0]
        row["cd22_status"] = rng.choices(list(S.CD22Status), weights=(50, 5, 5, 40))[0]
        for flag, share in (("prior_cd19_therapy", 0.35), ("prior_car_t", 0.1), ("prior_transplant", 0.25)):
            if rng.random() < share:
                row[flag] = True
                row[f"{flag}_date"] = max(row["patient_dob"], received - timedelta(days=rng.randint(60, 900)))
        row["current_treatment"] = rng.choice(TREATMENTS)
        row["clinical_question"] = rng.choice(QUESTIONS)
        if rng.random() < 0.05:
            row["urgency"], row["urgent_reason"] = S.Urgency.URGENT, rng.choice(URGENT_REASONS)
        if rng.random() < 0.8:
            row["insurance_payer"], row["insurance_member_id"] = rng.choice(PAYERS), f"DEMO{rng.randint(1, 10**8):08d}"

    def _second_opinion(self, row):
        rng = self.rng
        role = rng.choices([S.SubmitterRole.PARENT, S.SubmitterRole.ADULT_PATIENT, S.SubmitterRole.OTHER], (80, 8, 12))
        row.update(submitter_role=role[0], consent_to_contact=True, not_emergency_acknowledged=True)
        if role[0] == S.SubmitterRole.OTHER:
            row["submitter_relationship"] = rng.choice(["Grandmother", "Aunt", "Family friend"])
        row["preferred_contact_method"] = rng.choice(list(S.ContactMethod)) if "contact_email" in row else "phone"
        row["preferred_contact_time"] = rng.choice(list(S.ContactTime))
        row["diagnosis"] = rng.choices(list(S.Diagnosis), weights=(70, 10, 5, 15))[0]
        if row["diagnosis"] == S.Diagnosis.OTHER:
            row["diagnosis_other"] = rng.choice(OTHER_DIAGNOSES)
        row["disease_status"] = rng.choice([*S.DiseaseStatus.values, ""])
        row["prior_cd19_therapy"], row["prior_car_t"] = rng.random() < 0.3, rng.random() < 0.08
        row["prior_transplant"] = rng.random() < 0.2
        row["current_hospital"] = rng.choice(HOSPITALS)
        if rng.random() < 0.6:
            row["current_oncologist"] = f"Dr. {rng.choice(GIVEN)} {self._surname(False)}"
            row["oncologist_phone"] = self._phone()
        row["message"] = rng.choice(FAMILY_MESSAGES)
        if rng.random() < 0.7:
            row["insurance_payer"], row["insurance_member_id"] = rng.choice(PAYERS), f"DEMO{rng.randint(1, 10**8):08d}"

    def _existing_patient(self, row):
        rng = self.rng
        row["submitter_role"] = rng.choice([S.SubmitterRole.PARENT] * 9 + [S.SubmitterRole.ADULT_PATIENT])
        row["medical_record_number"] = f"MRN{rng.randint(1, 10**7):07d}"
        row["topic"] = rng.choice(list(PATIENT_MESSAGES))
        row["message"] = PATIENT_MESSAGES[row["topic"]]
        row["preferred_contact_time"] = rng.choice(list(S.ContactTime))
        row["not_emergency_acknowledged"] = True

    def _work(self, row):
        """The coordinators' side: timestamps, history, notes, checklist, documents (fills ``row``'s workflow fields)."""
        rng, pk, status, received = self.rng, row["id"], row["status"], row["received_at"]
        end = min(self.until, received + timedelta(days=rng.uniform(3, 45)))
        assign = self.coordinators and (status != S.Status.NEW or rng.random() < 0.3)
        who, username = rng.choice(self.coordinators) if assign else (None, "")
        row["assigned_to_id"] = who
        steps = {
            S.Status.NEW: [],
            S.Status.IN_REVIEW: ["in_review"],
            S.Status.AWAITING_RECORDS: ["in_review", "awaiting_records"],
            S.Status.ACCEPTED: ["in_review", "awaiting_records", "in_review", "accepted"],
            S.Status.DECLINED: ["in_review", "declined"],
            S.Status.CLOSED: rng.choice([["closed"], ["in_review", "closed"]]),
            S.Status.ANSWERED: rng.choice([["answered"], ["in_review", "answered"]]),
        }[status]
        times = sorted(self._between(received, end) for _step in range(len(steps) + 2))
        history = []
        if who is not None:
            history.append(self._change(pk, "assigned", "", username, who, times[0]))
        if steps:
            row["first_contacted_at"] = times[1]
            history.append(self._change(pk, "contacted", "", "", who, times[1]))
        previous = "new"
        for step, when in zip(steps, times[2:], strict=True):
            history.append(self._change(pk, "status", previous, step, who, when))
            if step == "awaiting_records":
                row["records_requested_at"] = when
            previous = step
        if status in S.DECIDED_STATUSES:
            row["decided_at"] = times[-1]
        if status == S.Status.ACCEPTED:
            row["consult_date"] = (times[-1] + timedelta(days=rng.randint(3, 21))).date()
            row["records_completed_at"] = times[-2]
        if status == S.Status.DECLINED:
            row["decline_reason"] = rng.choice(list(S.DeclineReason))
        complete = "records_completed_at" in row or status in (S.Status.DECLINED, S.Status.ANSWERED)
        items = [
            {
                "submission_id": pk,
                "item": item,
                "state": "received" if complete or (status != S.Status.NEW and rng.random() < 0.5) else "missing",
                "updated_at": times[-1],
            }
            for item in RecordItem.Item.values
        ]
        notes = [
            {
                "submission_id": pk,
                "author_id": who,
                "body": rng.choice(NOTES),
                "created_at": self._between(received, end),
            }
            for _n in range(self._count(self.notes))
        ]
        name, size, sha256, sha1 = self.document
        documents = []
        for _n in range(self._count(self.attachments / (3 if row["kind"] == S.Kind.EXISTING_PATIENT else 1))):
            item = rng.choice(list(DOCUMENTS))
            documents.append(
                {
                    "submission_id": pk,
                    "source": Attachment.Source.FORM if not documents else rng.choice(list(Attachment.Source)),
                    "record_item": item,
                    "file": name,
                    "original_name": DOCUMENTS[item],
                    "content_type": "application/pdf",
                    "size": size,
                    "sha256": sha256,
                    "sha1": sha1,
                    "uploaded_at": self._between(received, end) if documents else received,
                }
            )
        return {StatusChange: history, Note: notes, RecordItem: items, Attachment: documents}

    @staticmethod
    def _change(pk, action, from_value, to_value, who, when):
        return {
            "submission_id": pk,
            "action": action,
            "from_value": from_value,
            "to_value": to_value,
            "changed_by_id": who,
            "changed_at": when,
        }

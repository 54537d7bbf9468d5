"""The made-up words, names and weights demo submissions are built from."""

from referrals.models import RecordItem, Submission

DEMO_TOKEN_PREFIX = "demo:"
BATCH_SIZE = 5000
YEARS = 10

S = Submission
GIVEN = (
    "Ava Liam Mia Noah Sofia Mateo Emma Lucas Olivia Ethan Isabella Santiago Camila Diego Valentina Leo Zoe Omar "
    "Amara Elijah Lucia Gabriel Aaliyah Jayden Chloe Daniel Ximena Adrian Hannah Carlos Maya Samuel Aria Luis "
    "Grace Nicolas Layla Sebastian Elena Julian Nora Miguel Ruby Andres Ella Tomas Lily Emilio Paula Caleb"
).split()
EN_STEMS = (
    "Ash Black Brad Brook Bur Cald Carr Clay Corn Crom Dal Dun El Fair Farn Gold Green Hale Hart Hay Heath Hol "
    "Hun Kend Kings Lang Lind Mar Mid Mor New North Oak Pem Pres Rad Red Rom Rush Sand Shel Stan Stock West Whit "
    "Win Wood Wy Yard Bram Cross Fen Glen Har Kirk Lock Mill Pen Thorn"
).split()
EN_ENDINGS = (
    "ford ley ton well wood field son man by worth more wick dale hurst ridge stone brook combe ham land shaw "
    "stead thorpe bury croft gate holm lock mere row"
).split()
ES_STEMS = (
    "Alb Alc Alv Ar Bal Ben Bust Cab Cal Cam Cas Cer Cor Dom Esc Est Fer Gal Gar Gil Guer Her Ib Lar Lop Mar Mend "
    "Mol Mor Nav Ort Pad Par Per Quir Ram Rey Rod Sal San Sol Tor Ur Val Var Vel Ver Vill Zam Zav Arr Bor Cuev "
    "Duar Esp Fuent Lun Ochoa Pin Rosal"
).split()
ES_ENDINGS = "ez ado era ino oza ales ero illo ana eda uera on ejo ia anda".split()
HOSPITALS = [
    f"{town} {kind}"
    for town in ("Springfield", "Riverside", "Fairview", "Lakewood", "Greenville", "Madison", "Georgetown", "Salem")
    for kind in ("Children's Hospital", "Medical Center", "Cancer Institute")
]
PAYERS = ["Acme Health Plan", "Blue Meadow Insurance", "State Medicaid (demo)", "Northwind Care", "Harbor Health"]
CREDENTIALS = ["MD", "MD", "MD, PhD", "DO", "NP", "PA"]
OTHER_DIAGNOSES = ["Mixed-phenotype acute leukemia", "B-lymphoblastic lymphoma", "Burkitt leukemia"]
TREATMENTS = [
    "Reinduction with the COG AALL1331 backbone",
    "Blinatumomab cycle 2",
    "Inotuzumab ozogamicin",
    "Maintenance chemotherapy",
    "Salvage chemotherapy (FLAG-IDA)",
    "",
]
QUESTIONS = [
    "Is the patient a candidate for CAR T-cell therapy?",
    "Would you consider the patient for a clinical trial after a second relapse?",
    "Please advise on timing of apheresis relative to current therapy.",
    "",
]
URGENT_REASONS = ["Rising blasts on the last marrow", "Relapse during maintenance", "Counts falling fast"]
FAMILY_MESSAGES = [
    "We would like a second opinion about CAR T-cell therapy for our child.",
    "Our doctor mentioned CAR T. Could we talk to your team?",
    "Queremos una segunda opinión sobre la terapia de células CAR T.",
    "We are looking for a clinical trial after a relapse.",
]
PATIENT_MESSAGES = {
    "appointment": "Can we move next week's clinic visit to the afternoon?",
    "symptoms": "A low fever since last night. Should we come in?",
    "medication": "We need a refill before the weekend.",
    "results": "Are the results from the last marrow back?",
    "records": "Please send the treatment summary to our local oncologist.",
    "billing": "We got a bill we do not understand.",
    "other": "A question about parking for the infusion visit.",
}
NOTES = [
    "Left a voicemail for the family; will call again tomorrow.",
    "Spoke with the referring office; pathology report on its way.",
    "Reviewed at the CAR T intake meeting.",
    "Family prefers calls after 5 pm.",
    "Interpreter booked for the consult.",
    "Insurance authorization requested.",
]
DOCUMENTS = {
    RecordItem.Item.PATHOLOGY: "pathology-report.pdf",
    RecordItem.Item.FLOW_MRD: "flow-mrd-report.pdf",
    RecordItem.Item.TREATMENT_SUMMARY: "treatment-summary.pdf",
    RecordItem.Item.INSURANCE_CARD: "insurance-card.pdf",
    "": "referral-letter.pdf",
}
OPEN = {
    S.Kind.REFERRAL: [S.Status.NEW, S.Status.IN_REVIEW, S.Status.AWAITING_RECORDS],
    S.Kind.SECOND_OPINION: [S.Status.NEW, S.Status.IN_REVIEW, S.Status.AWAITING_RECORDS],
    S.Kind.EXISTING_PATIENT: [S.Status.NEW, S.Status.IN_REVIEW],
}
DONE = {  # (status, weight) for submissions that are finished
    S.Kind.REFERRAL: [(S.Status.ACCEPTED, 40), (S.Status.DECLINED, 25), (S.Status.CLOSED, 35)],
    S.Kind.SECOND_OPINION: [(S.Status.ACCEPTED, 30), (S.Status.DECLINED, 20), (S.Status.CLOSED, 50)],
    S.Kind.EXISTING_PATIENT: [(S.Status.ANSWERED, 85), (S.Status.CLOSED, 15)],
}

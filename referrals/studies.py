"""The program's clinical studies, as intake and the queue see them.

Referrals never import ``programs``: the ``Study`` model is looked up through
Django's app registry, and the matching rules are the ones ``programs.matching``
defines (``Study.objects.recruiting_criteria()`` returns them per study).
"""

import re

from django.apps import apps

NCT_RE = re.compile(r"\ANCT[0-9]{8}\Z")


def _studies():
    return apps.get_model("programs", "Study").objects


def study_named(nct_number, *, recruiting=False):
    """The study with this NCT number, or None (for anything that is not an NCT number too).

    ``recruiting=True`` finds only a published, recruiting study: one whose page offers "Refer a patient".
    """
    if not isinstance(nct_number, str) or not NCT_RE.match(nct_number):
        return None
    studies = _studies().published().recruiting() if recruiting else _studies().all()
    return studies.filter(nct_number=nct_number).first()


def recruiting_criteria():
    """Each published, recruiting study's matching limits (``programs.matching.Criteria``), by NCT number."""
    return _studies().recruiting_criteria()


def matching_criteria(submission, criteria=None):
    """The recruiting studies whose limits admit this submission's patient, as ``Criteria``."""
    criteria = recruiting_criteria() if criteria is None else criteria
    return [
        study
        for study in criteria
        if study.admits(
            age_months=submission.age_months_at_submission,
            diagnosis=submission.diagnosis,
            cd19_status=submission.cd19_status,
            cd22_status=submission.cd22_status,
        )
    ]

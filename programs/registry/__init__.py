"""Studies from ClinicalTrials.gov: read the API v2 JSON (``parse``), write it keeping staff edits (``service``).

Used by ``manage.py import_studies`` and the admin's upload page (``StudyAdmin.import_view``).
"""

from .report import FileReport, ImportSummary
from .service import IMPORTED_FIELDS, import_file, import_studies

__all__ = ["IMPORTED_FIELDS", "FileReport", "ImportSummary", "import_file", "import_studies"]

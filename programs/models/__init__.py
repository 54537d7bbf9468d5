"""The program's public content. Staff edit all of it in the admin; templates hold layout only.

Rich text fields hold Markdown, rendered and sanitized by ``programs.markdown.render_markdown``.
Text fields the public reads have a column per language (``programs/translation.py``).
"""

from .base import MARKDOWN_HELP, Content, PublishedQuerySet
from .choices import FAMILY_TOPICS, STATUS_DISPLAY_ORDER, PageKey, StudyPhase, StudyStatus
from .pages import Page, Story, Therapy, Video
from .program import Highlight, Program
from .seed import ContentSeed
from .studies import Study, StudyQuerySet, nct_validator

__all__ = [
    "FAMILY_TOPICS",
    "MARKDOWN_HELP",
    "STATUS_DISPLAY_ORDER",
    "Content",
    "ContentSeed",
    "Highlight",
    "Page",
    "PageKey",
    "Program",
    "PublishedQuerySet",
    "Story",
    "Study",
    "StudyPhase",
    "StudyQuerySet",
    "StudyStatus",
    "Therapy",
    "Video",
    "nct_validator",
]

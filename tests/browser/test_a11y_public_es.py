"""The public content pages in Spanish (/es/...): the same checks as in English."""

import pytest

from .helpers import PAGES, check_public_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_public_page_is_accessible_in_spanish(page, program_content, name, path, status):
    check_public_page(page, name, path, status, "es")

"""Security headers on the public pages."""

import pytest


@pytest.mark.django_db
def test_csp_lets_no_base_element_change_where_relative_links_go(client):
    # base-uri 'self' would still let injected markup send relative links and form posts to another path.
    assert "base-uri 'none'" in client.get("/")["Content-Security-Policy"]

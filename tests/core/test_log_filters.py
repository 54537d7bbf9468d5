"""Secret links never reach a log line: Django's "Not Found: /records/<token>/" is written with the token masked."""

import logging

import pytest

from core.log_filters import RedactSecretPaths, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Not Found: /records/abcDEF_123-xyz/", "Not Found: /records/[token]/"),
        ("Gone: /es/records/abc/received/", "Gone: /es/records/[token]/received/"),
        ('"GET /received/tok3n/ HTTP/1.1" 200', '"GET /received/[token]/ HTTP/1.1" 200'),
        ("Not Found: /studies/NCT01234567/", "Not Found: /studies/NCT01234567/"),
    ],
)
def test_tokens_in_paths_are_masked(text, expected):
    assert redact(text) == expected


@pytest.mark.django_db
def test_the_configured_console_handler_masks_a_404_for_an_unknown_records_link(client, capsys):
    token = "UNKNOWNtokenQzx81"
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, RedactSecretPaths) for f in h.filters))
    records = []
    capture = logging.Handler()
    capture.emit = lambda record: records.append(handler.format(record))
    capture.filters = handler.filters
    logging.getLogger("django.request").addHandler(capture)
    try:
        assert client.get(f"/records/{token}/").status_code == 404
    finally:
        logging.getLogger("django.request").removeHandler(capture)
    assert records, "Django logs the 404"
    assert all(token not in line for line in records)
    assert any("/records/[token]/" in line for line in records)

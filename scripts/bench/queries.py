"""SQL queries per request, counted once per scenario in the bench process.

The same request wrk sends (same path, same cookies, same form), made through ``django.test.Client`` with
the servers' settings (the bench process has their environment) against the same database and the same
Redis cache, under ``CaptureQueriesContext``. A GET is made once first and counted the second time, so a
cached page counts what a reader gets from a warm cache, as under wrk. A streamed answer (the CSV export) is
read to its end inside the count.
"""

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

HOST = "127.0.0.1"


def count(path, *, method="GET", data=None, cookies=None, expect=200, page_cache=True):
    """Queries of one request; raises if it does not answer ``expect`` (the scenario would be measuring an error)."""
    client = Client(HTTP_HOST=HOST)
    for name, value in (cookies or {}).items():
        client.cookies[name] = value
    overrides = {} if page_cache else {"PAGE_CACHE_SECONDS": 0}
    with override_settings(**overrides):
        if method == "GET":
            client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path) if method == "GET" else client.post(path, data)
            if response.streaming:  # a streamed export reads its rows while it is sent: count those too
                b"".join(response.streaming_content)
    if response.status_code != expect:
        raise RuntimeError(f"{method} {path} answered {response.status_code} in-process (expected {expect})")
    return len(captured.captured_queries)


def csv_rows(path, data, cookies):
    """Rows (header excluded) of a CSV download made in-process, or None when the answer is not a CSV."""
    import csv
    import io

    client = Client(HTTP_HOST=HOST)
    for name, value in cookies.items():
        client.cookies[name] = value
    response = client.post(path, data)
    if response.status_code != 200 or "csv" not in response.get("Content-Type", ""):
        return None
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return len(list(csv.reader(io.StringIO(content.decode("utf-8-sig", "replace"))))) - 1

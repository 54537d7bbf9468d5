import pytest

from programs.models import Page, Story, Study, Therapy, Video

pytestmark = pytest.mark.django_db


def test_sitemap_lists_every_public_page_in_both_languages(client, content):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    xml = response.content.decode()
    paths = ["/", "/therapies/", "/studies/", "/stories/", "/videos/", "/existing-patients/"]
    paths += [
        obj.get_absolute_url() for model in (Therapy, Study, Story, Video, Page) for obj in model.objects.published()
    ]
    assert len(set(paths)) == 5 + 7 + 2 + 2 + 1 + 2  # lists, pages, therapies, published studies, stories, videos
    for path in paths:
        assert f"<loc>http://testserver{path}</loc>" in xml
        assert f"<loc>http://testserver/es{path}</loc>" in xml
    assert 'hreflang="es"' in xml
    assert "NCT0900" not in xml  # the unpublished example studies


def test_every_sitemap_url_answers_200(client, content):
    import re

    xml = client.get("/sitemap.xml").content.decode()
    locations = re.findall(r"<loc>http://testserver(.*?)</loc>", xml)
    assert len(locations) > 20
    for path in locations:
        assert client.get(path).status_code == 200, path


def test_robots_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text
    assert client.get("/sitemap.xml").status_code == 200

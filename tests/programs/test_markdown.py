import pytest
from django.template import Context, Template

from programs.markdown import render_markdown


def test_renders_markdown():
    html = render_markdown("Some **bold** text\n\n- one\n- two\n\n## Heading")
    assert "<strong>bold</strong>" in html
    assert "<li>one</li>" in html
    assert "<h2>Heading</h2>" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('x')</script>hello",
        "hello <SCRIPT src=https://evil.example/x.js></SCRIPT>",
        "<p>hello<script>\nalert(1)\n</script></p>",
    ],
)
def test_strips_script_with_its_content(source):
    html = render_markdown(source)
    assert "script" not in html.lower()
    assert "alert" not in html
    assert "hello" in html


@pytest.mark.parametrize(
    "source",
    [
        '<p onclick="steal()">hello</p>',
        '<a href="https://example.org" onmouseover="steal()">hello</a>',
        "<img src=x onerror=steal()>hello",
        '<div onload="steal()">hello</div>',
    ],
)
def test_strips_event_handler_attributes(source):
    html = render_markdown(source)
    assert "steal" not in html
    assert "onclick" not in html and "onerror" not in html and "onmouseover" not in html
    assert "hello" in html


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="JaVaScRiPt:alert(1)">click</a>',
        '<a href=" javascript:alert(1)">click</a>',
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="vbscript:msgbox(1)">click</a>',
    ],
)
def test_strips_unsafe_link_schemes(source):
    html = render_markdown(source)
    assert "javascript" not in html.lower()
    assert "data:" not in html and "vbscript" not in html
    assert "click" in html


def test_keeps_safe_links_and_sets_rel():
    html = render_markdown("[a](https://example.org) [b](mailto:team@example.org) [c](/studies/)")
    assert 'href="https://example.org"' in html
    assert 'href="mailto:team@example.org"' in html
    assert 'href="/studies/"' in html
    assert html.count('rel="noopener noreferrer"') == 3


def test_strips_tags_outside_the_allow_list():
    html = render_markdown(
        '<iframe src="https://evil.example"></iframe><style>body{}</style><b style="color:red">x</b>'
    )
    assert "iframe" not in html
    assert "style" not in html
    assert "<b>x</b>" in html


def test_empty_text():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_template_filter_outputs_sanitized_html():
    out = Template("{% load programs_markdown %}{{ text|markdown }}").render(
        Context({"text": "**hi** <script>x()</script>"})
    )
    assert out.strip() == "<p><strong>hi</strong> </p>"


def test_site_links_follow_the_page_language(db):
    source = "[Ask for a visit](/request-a-visit/), [refer](/refer/?x=1#top), [out](https://example.org/a/)"
    english = render_markdown(source, language="en")
    assert 'href="/request-a-visit/"' in english
    spanish = render_markdown(source, language="es")
    assert 'href="/es/request-a-visit/"' in spanish
    assert 'href="/es/refer/?x=1#top"' in spanish
    assert 'href="https://example.org/a/"' in spanish
    # A path the site does not have stays as written; a protocol-relative link is not the site's own.
    assert 'href="/nowhere/"' in render_markdown("[x](/nowhere/)", language="es")
    assert 'href="//evil.example/"' in render_markdown("[x](//evil.example/)", language="es")


def test_spanish_pages_link_to_the_spanish_forms(client, content):
    html = client.get("/es/therapies/car-t-cell-therapy/").content.decode()
    assert 'href="/es/request-a-visit/"' in html
    assert 'href="/es/refer/"' in html
    assert 'href="/request-a-visit/"' in client.get("/therapies/car-t-cell-therapy/").content.decode()

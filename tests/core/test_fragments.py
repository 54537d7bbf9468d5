"""``{% once_per_language %}``: the site's chrome, rendered once per language and reused (core.templatetags.core_fragments)."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse
from django.utils import translation

CHROME = Template(
    '{% load i18n core_fragments %}{% once_per_language %}<a href="{% url "programs:therapy_list" %}">'
    '{% translate "Therapies" %}</a> {{ reader }}{% endonce_per_language %} {{ reader }}'
)


def render(language, reader):
    with translation.override(language):
        return CHROME.render(Context({"reader": reader}))


def test_the_block_is_rendered_once_per_language_and_reused():
    english = render("en", "first")
    assert english == '<a href="/therapies/">Therapies</a> first first'
    spanish = render("es", "second")
    assert spanish.startswith('<a href="/es/therapies/">Terapias</a> second')
    # The block keeps what it rendered first in each language; the rest of the template is rendered each time.
    assert render("en", "third") == '<a href="/therapies/">Therapies</a> first third'
    assert render("es", "fourth").endswith("second fourth")


def test_the_tag_takes_no_arguments():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load core_fragments %}{% once_per_language 'x' %}{% endonce_per_language %}")


@pytest.mark.django_db
def test_pages_in_turn_each_show_the_chrome_in_their_own_language(client):
    english_url, spanish_url = reverse("programs:home"), "/es/"
    for _round in range(2):
        english = client.get(english_url).content.decode()
        spanish = client.get(spanish_url).content.decode()
        assert '<a class="nav-link" href="/therapies/">Therapies</a>' in english
        assert '<a class="nav-link" href="/es/therapies/">Terapias</a>' in spanish
        assert "Skip to main content" in english and "Skip to main content" not in spanish
        # The language switch is outside the reused parts: it links to this page in the other language.
        assert 'hreflang="es"' in english and 'hreflang="en"' in spanish

"""Family-facing pages read easily: grade 8 or below in English, Fernández Huerta 70 or above in Spanish.

Measured over each page's main content as rendered from the shipped content, template
text included, since that is what a family reads. Physician pages are exempt. The
family forms and confirmations are measured in tests/referrals/test_plain_language.py.
"""

import pytest

from programs.readability import ENGLISH_MAX_GRADE, SPANISH_MIN_EASE, english_grade, html_text, spanish_ease

pytestmark = pytest.mark.django_db

FAMILY_PAGES = {
    "home": "/",
    "what to expect (families)": "/what-to-expect/families/",
    "existing patients": "/existing-patients/",
    "cost and insurance": "/families/costs/",
    "travel and lodging": "/families/travel/",
    "interpreters": "/families/interpreters/",
    "office hours": "/families/hours/",
}


def main_text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    return html_text(html.split('<main id="main"', 1)[1].split("</main>", 1)[0].split(">", 1)[1])


@pytest.mark.parametrize("name", FAMILY_PAGES)
def test_family_page_reads_at_grade_8_in_english(client, content, name):
    grade = english_grade(main_text(client, FAMILY_PAGES[name]))
    assert grade <= ENGLISH_MAX_GRADE, (
        f"{name} (en) reads at Flesch-Kincaid grade {grade}; target <= {ENGLISH_MAX_GRADE}"
    )


@pytest.mark.parametrize("name", FAMILY_PAGES)
def test_family_page_reads_easily_in_spanish(client, content, name):
    ease = spanish_ease(main_text(client, "/es" + FAMILY_PAGES[name]))
    assert ease >= SPANISH_MIN_EASE, f"{name} (es) reads at Fernández Huerta {ease}; target >= {SPANISH_MIN_EASE}"


def test_the_measures_tell_hard_text_from_easy_text():
    hard = (
        "Chimeric antigen receptor T-cell immunotherapy constitutes an individualized therapeutic modality "
        "necessitating comprehensive multidisciplinary evaluation, apheresis, manufacturing and lymphodepleting "
        "chemotherapy prior to administration."
    )
    easy = "We take some of your child's T cells. A lab teaches them to find the cancer. Then we give them back."
    assert english_grade(hard) > ENGLISH_MAX_GRADE >= english_grade(easy)
    dificil = (
        "La inmunoterapia con linfocitos T modificados genéticamente constituye una modalidad terapéutica "
        "individualizada que requiere una evaluación multidisciplinaria exhaustiva previa a su administración."
    )
    facil = "Tomamos unas células de su hijo. En un laboratorio les enseñan a hallar el cáncer. Luego se las damos."
    assert spanish_ease(dificil) < SPANISH_MIN_EASE <= spanish_ease(facil)


def test_block_text_ends_every_block_as_a_sentence():
    html = "<h2>Before you call</h2><ul><li>Insurance card</li><li>Medicine list.</li></ul><p>Call us!</p>"
    assert html_text(html) == "Before you call. Insurance card. Medicine list. Call us!"
    assert html_text("<p>Text</p><script>var x = 1;</script><svg><title>icon</title></svg>") == "Text."

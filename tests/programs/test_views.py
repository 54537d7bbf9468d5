import pytest
from django.urls import reverse

from programs.models import Page, Program, Study

pytestmark = pytest.mark.django_db

# (url, text the English page must show, text the Spanish page must show). Every public page, from the shipped content.
PAGES = [
    (
        "/",
        "Is cancer immunotherapy right for my child?",
        "¿La inmunoterapia contra el cáncer es buena opción para mi hijo?",
    ),
    ("/therapies/", "CAR T-cell therapy", "Terapia de células CAR T"),
    ("/therapies/car-t-cell-therapy/", "their genes are changed", "Terapia de células CAR T"),
    ("/therapies/how-cancer-immunotherapy-works/", "T cells", "células T"),
    ("/studies/", "NCT01626495", "NCT01626495"),
    ("/studies/NCT01626495/", "https://clinicaltrials.gov/study/NCT01626495", "Estudio inicial (piloto)"),
    ("/stories/", "Torie&#x27;s CAR T story", "La historia de Torie con la terapia CAR T"),
    ("/stories/tories-car-t-story/", "Torie", "Torie"),
    ("/videos/", "How Cancer Immunotherapy Works", "Cómo funciona la inmunoterapia contra el cáncer"),
    ("/videos/how-cancer-immunotherapy-works/", "T cells", "células T"),
    ("/videos/video-tour/", "Video Tour", "recorrido en video"),
    ("/what-to-expect/families/", "What to expect: families", "Qué esperar: familias"),
    (
        "/what-to-expect/physicians/",
        "What to expect: referring physicians",
        "Qué esperar: médicos que remiten pacientes",
    ),
    ("/existing-patients/", "Existing patients and family members", "Pacientes actuales y sus familias"),
    ("/families/costs/", "Cost and insurance", "Costos y seguro médico"),
    ("/families/travel/", "Travel and lodging", "Viaje y alojamiento"),
    ("/families/interpreters/", "Interpreters", "Intérpretes"),
    ("/families/hours/", "Office hours and after hours", "Horario de atención y fuera de horario"),
]

# Loose bounds: they catch an N+1 query, not a single extra lookup.
MAX_QUERIES = 8


@pytest.mark.parametrize("prefix", ["", "/es"])
@pytest.mark.parametrize(("url", "english", "spanish"), PAGES)
def test_public_pages(client, content, django_assert_max_num_queries, prefix, url, english, spanish):
    expected = spanish if prefix else english
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(prefix + url)
    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html
    assert html.count("<h1") == 1
    assert '<meta name="description" content="' in html
    assert '<meta name="description" content="">' not in html
    assert f'<html lang="{"es" if prefix else "en"}">' in html


def test_public_pages_query_count_does_not_grow_with_content(client, content, django_assert_max_num_queries):
    for n in range(10):
        Study.objects.create(
            nct_number=f"NCT1000000{n}",
            title=f"Study {n}",
            phase=Study.Phase.PHASE_1,
            minimum_age="0 Years",
            maximum_age="21 Years",
            conditions="ALL",
            eligibility_summary="e",
            contact="c",
            published=True,
        )
        content.highlights.create(text=f"Extra highlight {n}", source="src", order=100 + n)
    for url in ["/", "/studies/", "/studies/?status=recruiting&age=4"]:
        with django_assert_max_num_queries(MAX_QUERIES):
            assert client.get(url).status_code == 200


def test_home_shows_every_highlight_with_its_source(client, content):
    html = client.get("/").content.decode()
    highlights = list(content.highlights.all())
    assert len(highlights) == 5
    for highlight in highlights:
        assert highlight.text.replace("'", "&#x27;") in html
        assert highlight.source.replace("'", "&#x27;") in html
    for fact in ["more than 400 children", "90 percent", "Maude SL, et al. N Engl J Med. 2014;371:1507-17",
                 "first national and the first international", "August 2017", "CD19"]:  # fmt: skip
        assert fact in html


def test_home_shows_the_guidance_and_two_paths(client, content, settings):
    html = client.get("/").content.decode()
    assert "not the first treatment" in html
    assert "not given to children whose cancer has just been diagnosed" in html
    assert "Cancer Center" in html
    assert "I'm a parent or family member" in html
    assert "I'm a referring physician" in html
    for name, args in [
        ("referrals:second_opinion", []),
        ("referrals:refer", []),
        ("programs:what_to_expect", ["families"]),
        ("programs:what_to_expect", ["physicians"]),
        ("programs:contact", []),
    ]:
        assert f'href="{reverse(name, args=args)}"' in html
    assert settings.PHONE_MAIN in html and settings.PHONE_PHYSICIAN in html and settings.PHONE_AFTER_HOURS in html
    # The shipped address is a placeholder (example.org): not shown as if real (tests/programs/test_translations.py).
    assert content.contact_email not in html
    # The answers to what families ask before they call, linked from the home page.
    for key in ["costs", "travel", "interpreters", "hours"]:
        assert f'href="{reverse("programs:family_page", args=[key])}"' in html


def test_family_what_to_expect_page_links_to_the_family_questions(client, content):
    html = client.get("/es/what-to-expect/families/").content.decode()
    questions = html.split('class="family-questions', 1)[1].split("</section>", 1)[0]
    positions = [questions.index(f'href="/es/families/{key}/"') for key in ["costs", "travel", "interpreters", "hours"]]
    assert positions == sorted(positions)  # in FAMILY_TOPICS order, whatever the keys' alphabetical order
    topic = client.get("/families/travel/").content.decode()
    assert 'href="/families/travel/" aria-current="page"' in topic
    assert 'href="/families/costs/"' in topic


def test_family_page_shows_the_phone_lines_and_the_form(client, content, settings):
    html = client.get("/families/hours/").content.decode()
    assert settings.PHONE_MAIN in html and settings.PHONE_AFTER_HOURS in html
    assert f'href="{reverse("referrals:second_opinion")}"' in html


def test_unknown_or_unpublished_family_page_is_404(client, content):
    assert client.get("/families/parking/").status_code == 404
    assert client.get("/families/physicians/").status_code == 404  # a page, but not a family question
    Page.objects.filter(key="travel").update(published=False)
    assert client.get("/families/travel/").status_code == 404
    assert 'href="/families/travel/"' not in client.get("/").content.decode()


def test_contact_page_links_to_existing_patient_form(client, content):
    html = client.get("/existing-patients/").content.decode()
    assert f'href="{reverse("referrals:existing_patient")}"' in html
    assert "911" in html


def test_spanish_pages_link_within_spanish(client, content):
    html = client.get("/es/").content.decode()
    assert 'href="/es/what-to-expect/families/"' in html


def test_home_without_content_still_offers_both_paths(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{reverse("referrals:refer")}"' in html
    assert f'href="{reverse("referrals:second_opinion")}"' in html


def test_unpublished_program_text_is_hidden(client, content):
    Program.objects.update(published=False)
    html = client.get("/").content.decode()
    assert "Is cancer immunotherapy right for my child?" not in html


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("therapy", "/therapies/hidden-therapy/"),
        ("study", "/studies/NCT12345678/"),
        ("story", "/stories/hidden-story/"),
        ("video", "/videos/hidden-video/"),
    ],
)
def test_unpublished_items_are_not_found(client, content, hidden, kind, url):
    assert client.get(url).status_code == 404
    hidden[kind].published = True
    hidden[kind].save()
    assert client.get(url).status_code == 200


def test_unpublished_items_are_not_listed(client, content, hidden):
    for url in ["/", "/therapies/", "/studies/", "/stories/", "/videos/", "/sitemap.xml"]:
        html = client.get(url).content.decode()
        for item in hidden.values():
            assert str(item) not in html
            assert item.get_absolute_url() not in html


@pytest.mark.parametrize("url", ["/what-to-expect/families/", "/what-to-expect/physicians/", "/existing-patients/"])
def test_unpublished_pages_are_not_found(client, hidden_pages, url):
    assert client.get(url).status_code == 404


def test_missing_pages_are_not_found(client, content):
    assert client.get("/what-to-expect/existing_patients/").status_code == 404
    assert client.get("/what-to-expect/nobody/").status_code == 404
    assert client.get("/studies/NCT00000000/").status_code == 404
    assert client.get("/therapies/nothing/").status_code == 404


def test_post_is_not_allowed(client, content):
    assert client.post("/").status_code == 405


class TestStudyFilters:
    @pytest.fixture(autouse=True)
    def every_shipped_study_published(self, content):
        # The shipped examples with made-up NCT numbers ship unpublished; publish them to filter a known set.
        Study.objects.update(published=True)

    def numbers(self, response):
        return {s.nct_number for s in response.context["studies"]}

    def test_no_filter_lists_every_published_study(self, client, content):
        response = client.get("/studies/")
        assert self.numbers(response) == set(Study.objects.published().values_list("nct_number", flat=True))

    def test_by_status(self, client, content):
        response = client.get("/studies/", {"status": "recruiting"})
        assert response.status_code == 200
        assert self.numbers(response) == {"NCT09000001", "NCT09000002"}
        response = client.get("/studies/", {"status": "completed"})
        assert self.numbers(response) == {"NCT01626495", "NCT02435849"}

    def test_by_age(self, client, content):
        # Age ranges of the shipped studies: 1-24, 3-21, 1-29, 1-29, 1-25.
        assert self.numbers(client.get("/studies/", {"age": "2"})) == {
            "NCT01626495",
            "NCT09000001",
            "NCT09000002",
            "NCT09000003",
        }
        assert self.numbers(client.get("/studies/", {"age": "28"})) == {"NCT09000001", "NCT09000002"}
        assert self.numbers(client.get("/studies/", {"age": "0"})) == set()
        assert self.numbers(client.get("/studies/", {"age": "40"})) == set()

    def test_by_status_and_age(self, client, content):
        response = client.get("/studies/", {"status": "not_yet_recruiting", "age": "2"})
        assert self.numbers(response) == {"NCT09000003"}
        assert "Show all studies" in response.content.decode()

    def test_empty_values_mean_no_filter(self, client, content):
        response = client.get("/studies/", {"status": "", "age": ""})
        assert response.status_code == 200
        assert len(self.numbers(response)) == 5

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"age": "seven"}, "Enter the age as a whole number of years"),
            ({"age": "-1"}, "Enter an age of 0 or more."),
            ({"age": "500"}, "Enter an age of 120 or less."),
            ({"age": "1e3"}, "Enter the age as a whole number of years"),
            ({"status": "maybe"}, "Choose a status from the list."),
            ({"status": "<script>"}, "Choose a status from the list."),
        ],
    )
    def test_bad_values_get_a_clear_message(self, client, content, params, message):
        response = client.get("/studies/", params)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html
        assert "<script>" not in html
        assert self.numbers(response) == set()

    def test_form_keeps_the_chosen_values(self, client, content):
        html = client.get("/studies/", {"status": "recruiting", "age": "7"}).content.decode()
        assert '<option value="recruiting" selected>' in html
        assert 'value="7"' in html


def test_rich_text_from_the_database_is_sanitized_on_pages(client, content):
    page = Page.objects.get(key=Page.Key.FAMILIES)
    page.body = 'Hi <script>alert(1)</script><a href="javascript:alert(2)" onclick="x()">link</a>'
    page.save()
    html = client.get("/what-to-expect/families/").content.decode()
    assert "alert(" not in html
    assert "javascript:" not in html
    assert "onclick" not in html


def test_studies_are_listed_recruiting_first(client, content):
    Study.objects.update(published=True)
    statuses = [study.status for study in client.get("/studies/").context["studies"]]
    assert statuses == ["recruiting", "recruiting", "not_yet_recruiting", "completed", "completed"]


def test_example_studies_with_made_up_nct_numbers_ship_unpublished(client, content):
    # A made-up NCT number could one day belong to an unrelated trial: never link to it publicly.
    html = client.get("/studies/").content.decode()
    assert "NCT0900" not in html
    assert client.get("/studies/NCT09000001/").status_code == 404
    assert Study.objects.filter(nct_number__startswith="NCT0900", published=False).count() == 3
    home = client.get("/").content.decode()
    assert "New studies open often" in home
    assert "0 clinical studies" not in home


def test_home_page_title_does_not_repeat_the_program_name(client, content):
    html = client.get("/").content.decode()
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.count("Cancer Immunotherapy Program") == 1, title


def test_every_fact_of_the_source_page_is_on_the_site(client, content):
    """The program's source page, fact by fact (our wording), across the public pages."""
    urls = [url for url, *_texts in PAGES]
    html = " ".join(client.get(url).content.decode() for url in urls).replace("&#x27;", "'")
    facts = [
        "own immune system",  # what immunotherapy is
        "strengthen the immune system",  # boosts the immune system
        "laboratory-made substance",  # man-made substances that target and kill cancer cells
        "only on the surface of B cells",  # reprogrammed T cells
        "widely seen as a breakthrough",
        "does not cure every child's cancer",  # chemotherapy
        "very hard to treat a second time",  # relapse
        "ten years ago",
        "other disorders of the blood",
        "Children's Hospital of Philadelphia",
        "more than 400 children",
        "90 percent",
        "opened in 2012",
        "Maude SL, et al. N Engl J Med. 2014;371:1507-17",
        "first national and the first international",
        "August 2017",
        "historic",
        "CD19",
        "not the first treatment",
        "just been diagnosed",  # CAR T is not for newly diagnosed patients
        "diagnosis and how far the disease",  # the team decides by diagnosis and stage
        "Cancer Center",  # alternatives
        "work side by side",  # oncologists and researchers collaborate
        "Existing patients and family members",
        "Request a visit or a second opinion",
        "Refer a patient",
        "What families can expect after contacting us",
        "Torie's CAR T story",
        "several clinical trials",
        "How Cancer Immunotherapy Works",
        "Video Tour",
        "pick out B cells that have turned cancerous",  # CAR T-cell therapy
    ]
    missing = [fact for fact in facts if fact not in html]
    assert missing == []

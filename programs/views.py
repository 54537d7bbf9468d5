from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from core.page_cache import cached_page

from .forms import StudyFilterForm
from .models import FAMILY_TOPICS, Page, Program, Story, Study, Therapy, Video


def _program():
    """The published program with its highlights, or None on an empty install."""
    return Program.objects.published().prefetch_related("highlights").first()


def _family_pages():
    return Page.objects.only("key", "title", "summary").family_questions()


@require_safe
@cached_page
def home(request):
    context = {
        "program": _program(),
        "therapies": list(Therapy.objects.published().only("slug", "title", "summary")),
        "stories": list(Story.objects.published().only("slug", "title", "summary")[:3]),
        "videos": list(Video.objects.published().only("slug", "title", "description")[:3]),
        "recruiting_count": Study.objects.published().filter(status=Study.Status.RECRUITING).count(),
        "family_pages": _family_pages(),
    }
    return render(request, "programs/home.html", context)


@require_safe
@cached_page
def therapy_list(request):
    return render(request, "programs/therapy_list.html", {"therapies": Therapy.objects.published()})


@require_safe
@cached_page
def therapy_detail(request, slug):
    therapy = get_object_or_404(Therapy.objects.published(), slug=slug)
    return render(request, "programs/therapy_detail.html", {"therapy": therapy})


@require_safe
@cached_page
def study_list(request):
    form = StudyFilterForm(request.GET)
    status = 200
    if form.is_valid():
        studies = form.filter(Study.objects.published()).recruiting_first()
    else:
        # A bad filter value answers 400 with the form's message and no results.
        studies = []
        status = 400
    context = {
        "form": form,
        "studies": studies,
        "program": Program.objects.published().only("studies_intro").first(),
        "filtered": any(request.GET.get(f) for f in form.fields),
    }
    return render(request, "programs/study_list.html", context, status=status)


@require_safe
@cached_page
def study_detail(request, nct_number):
    study = get_object_or_404(Study.objects.published(), nct_number=nct_number.upper())
    return render(request, "programs/study_detail.html", {"study": study})


@require_safe
@cached_page
def story_list(request):
    return render(request, "programs/story_list.html", {"stories": Story.objects.published()})


@require_safe
@cached_page
def story_detail(request, slug):
    story = get_object_or_404(Story.objects.published(), slug=slug)
    return render(request, "programs/story_detail.html", {"story": story})


@require_safe
@cached_page
def video_list(request):
    return render(request, "programs/video_list.html", {"videos": Video.objects.published()})


@require_safe
@cached_page
def video_detail(request, slug):
    video = get_object_or_404(Video.objects.published(), slug=slug)
    return render(request, "programs/video_detail.html", {"video": video})


@require_safe
@cached_page
def what_to_expect(request, audience):
    if audience not in (Page.Key.FAMILIES, Page.Key.PHYSICIANS):
        raise Http404
    page = get_object_or_404(Page.objects.published(), key=audience)
    family_pages = _family_pages() if audience == Page.Key.FAMILIES else []
    return render(request, "programs/page.html", {"page": page, "audience": audience, "family_pages": family_pages})


@require_safe
@cached_page
def family_page(request, key):
    """An answer to what families ask before they call: cost, travel, interpreters, hours."""
    if key not in FAMILY_TOPICS:
        raise Http404
    page = get_object_or_404(Page.objects.published(), key=key)
    context = {"page": page, "audience": Page.Key.FAMILIES, "family_pages": _family_pages()}
    return render(request, "programs/page.html", context)


@require_safe
@cached_page
def contact(request):
    page = get_object_or_404(Page.objects.published(), key=Page.Key.EXISTING_PATIENTS)
    program = Program.objects.published().only("contact_email").first()
    return render(request, "programs/contact.html", {"page": page, "program": program})


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")

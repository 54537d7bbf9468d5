"""The status page: a reference number and the patient's date of birth give the plain-language stage."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def status(request):
    return render(request, "referrals/status.html", {})

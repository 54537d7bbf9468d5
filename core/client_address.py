"""The client's IP address, for the rate limit and the access log (one rule for both)."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or the address our outermost trusted proxy saw.

    X-Forwarded-For is read only behind ``TRUSTED_PROXY_COUNT`` proxies: each
    appends the address it received from, so the entry ``count`` places from
    the right is the one our outermost proxy added; entries further left can be
    forged by the client. None when the result is not a valid IP address.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None

"""Request types for views."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from mentorship.models import User


class AuthenticatedRequest(HttpRequest):
    """A request behind LoginRequiredMiddleware: its user is always a real account."""

    user: User  # type: ignore[assignment]


def client_ip(request: HttpRequest) -> str:
    """Return the client's address, seen through TRUSTED_PROXY_COUNT reverse proxies.

    Each trusted proxy appends the address it received the request from to
    X-Forwarded-For, so the client is the Nth entry from the right; anything further
    left was written by the client and is not trusted.
    """
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        addresses = [address.strip() for address in forwarded if address.strip()]
        if len(addresses) >= hops:
            return addresses[-hops]
    return request.META.get("REMOTE_ADDR", "")

"""Request types for views."""

from __future__ import annotations

from django.http import HttpRequest

from mentorship.models import User


class AuthenticatedRequest(HttpRequest):
    """A request behind LoginRequiredMiddleware: its user is always a real account."""

    user: User  # type: ignore[assignment]

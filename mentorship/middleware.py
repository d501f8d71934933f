"""Per-request middleware: the viewer's time zone, session lifetime, cache headers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# When the session's user last signed in, in seconds since the epoch.
LOGIN_AT_KEY = "_auth_login_at"
# When the session's idle expiry last moved ahead, in seconds since the epoch.
SEEN_AT_KEY = "_auth_seen_at"
# Moving the idle expiry writes the session: at most once this many seconds.
REFRESH_SECONDS = 60


class UserTimeZoneMiddleware:
    """Activate the signed-in user's time zone for the request, then deactivate it.

    Templates then show times in that zone and forms read the times typed into them
    in it. Comes after AuthenticationMiddleware, which sets request.user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            timezone.activate(user.zone)  # type: ignore[union-attr]
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


@receiver(user_logged_in, dispatch_uid="mentorship.middleware.stamp_login_time")
def stamp_login_time(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """Start the absolute lifetime at every sign-in, a repeated one included."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT_KEY] = now
        request.session[SEEN_AT_KEY] = now


class SessionLifetimeMiddleware:
    """End a signed-in session SESSION_COOKIE_AGE seconds after its last request
    (idle timeout), and SESSION_ABSOLUTE_SECONDS after its sign-in however active it
    has been.

    The idle timeout is the session's own expiry, which a save moves
    SESSION_COOKIE_AGE ahead: a request saves the session when the last move is
    REFRESH_SECONDS old, so a busy page does not write the session on every request
    and the timeout is exact to within that. A session without a sign-in stamp is of
    unknown age and ends (stamp_login_time stamps every sign-in). Comes after
    AuthenticationMiddleware and before LoginRequiredMiddleware, which then sends the
    ended session to the login page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            # No stamp: signed in before the lifetime was kept, so of unknown age.
            login_at = session.get(LOGIN_AT_KEY, 0)
            if now - int(login_at) >= settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
            elif now - int(session.get(SEEN_AT_KEY, 0)) >= REFRESH_SECONDS:
                session[SEEN_AT_KEY] = now
        return self.get_response(request)


class NoStoreForAuthenticatedMiddleware:
    """Tell browsers and proxies not to keep what a signed-in person was sent.

    Pages and downloads of a signed-in person hold confidential text; a response that
    chose its own Cache-Control (never_cache, the calendar feed) keeps it. Comes after
    AuthenticationMiddleware; a response to a request that was signed in when it
    arrived counts, so the logout page's answer does too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if (signed_in or request.user.is_authenticated) and not response.has_header(
            "Cache-Control"
        ):
            response["Cache-Control"] = "no-store, private"
        return response

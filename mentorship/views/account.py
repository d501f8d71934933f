"""A person's own settings page, and the calendar feed at their secret address."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentorship import account
from mentorship.account_forms import CalendarFeedForm, PreferencesForm
from mentorship.lib.http import AuthenticatedRequest

FEED_ACTIONS = {
    "create": (
        account.turn_on_calendar_feed,
        gettext_lazy("Your calendar feed is on."),
    ),
    "regenerate": (
        account.regenerate_calendar_feed,
        gettext_lazy(
            "Your calendar feed has a new address. The old one no longer works."
        ),
    ),
    "off": (account.turn_off_calendar_feed, gettext_lazy("Your calendar feed is off.")),
}


@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    """The user's time zone and reminder lead, and their calendar feed."""
    user = request.user
    form = PreferencesForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        account.update_preferences(
            user=user,
            time_zone=form.cleaned_data["time_zone"],
            checkin_reminder_minutes=form.cleaned_data["checkin_reminder_minutes"],
        )
        messages.success(request, _("Your preferences are saved."))
        return redirect("mentorship:preferences")
    return render(
        request,
        "mentorship/preferences.html",
        {"form": form, "feed_url": account.feed_url(user)},
    )


@require_POST
def calendar_token(request: AuthenticatedRequest) -> HttpResponse:
    """Turn the calendar feed on or off, or move it to a new secret address."""
    form = CalendarFeedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with your calendar feed."))
        return redirect("mentorship:preferences")
    change, confirmation = FEED_ACTIONS[form.cleaned_data["action"]]
    change(user=request.user)
    messages.success(request, confirmation)
    return redirect("mentorship:preferences")


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The user's upcoming check-ins as iCalendar; the address is the only secret."""
    user = account.feed_owner(token)
    if user is None:
        raise Http404
    response = HttpResponse(
        account.calendar_feed(user=user), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="mentoring.ics"'
    response["Cache-Control"] = "no-store, private"
    return response

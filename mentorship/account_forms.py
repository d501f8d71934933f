"""Forms of a person's own settings: they validate; mentorship.account saves."""

from __future__ import annotations

import functools
import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from mentorship.models import User


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone name this machine knows, sorted (read from disk once)."""
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_(
            "Check-in times are shown to you, and emailed to you, in this zone."
        ),
    )

    class Meta:
        model = User
        fields = ["time_zone", "checkin_reminder_minutes"]
        labels = {"checkin_reminder_minutes": _("Check-in reminder email")}
        help_texts = {
            "checkin_reminder_minutes": _(
                "How long before each check-in we email you a reminder."
            )
        }


class CalendarFeedForm(forms.Form):
    ACTIONS = [
        ("create", _("Turn on")),
        ("regenerate", _("Make a new address")),
        ("off", _("Turn off")),
    ]

    action = forms.ChoiceField(choices=ACTIONS)

"""Forms for check-ins: planning, moving, cancelling and recording them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mentorship.models import CheckIn, FeedbackItem, MeetingFormat, RevisitPrompt

DATETIME_INPUT = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)
TEXT_AREA = forms.Textarea(attrs={"rows": 3})


class WhenField(forms.DateTimeField):
    """A date and time typed in the viewer's own time zone (the active one)."""

    widget = DATETIME_INPUT

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Date and time"))
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)


class ExtraCheckInForm(forms.Form):
    scheduled_at = WhenField()
    duration = forms.IntegerField(
        label=_("Length (minutes)"), min_value=5, max_value=480, initial=60
    )


class RescheduleForm(forms.Form):
    scheduled_at = WhenField(label=_("New date and time"))
    reason = forms.CharField(label=_("Why it moves"), max_length=1000, widget=TEXT_AREA)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is cancelled"), max_length=1000, widget=TEXT_AREA
    )


class MeetingTimeForm(forms.Form):
    meeting_time = forms.TimeField(
        label=_("Regular meeting time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("In the mentee's time zone; planned check-ins ahead move with it."),
    )


class RecordForm(forms.ModelForm):
    status = forms.ChoiceField(
        label=_("Did it take place?"),
        choices=[
            (CheckIn.Status.HELD, _("Held")),
            (CheckIn.Status.MISSED, _("Missed")),
        ],
        widget=forms.RadioSelect,
    )
    format = forms.ChoiceField(
        label=_("How you met"),
        choices=[("", "—"), *MeetingFormat.choices],
        required=False,
    )

    class Meta:
        model = CheckIn
        fields = ["status", "format", "alignment", "progress", "next_steps"]
        widgets = {
            "alignment": TEXT_AREA,
            "progress": TEXT_AREA,
            "next_steps": TEXT_AREA,
        }

    def __init__(self, *args: Any, dimensions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions
        existing = {r.dimension: r.rating for r in self.instance.ratings.all()}
        for index, name in enumerate(dimensions):
            self.fields[f"rating_{index}"] = forms.TypedChoiceField(
                label=name,
                choices=[("", "—"), *[(n, str(n)) for n in range(1, 6)]],
                coerce=int,
                empty_value=None,
                required=False,
                initial=existing.get(name),
                help_text=_("1 (far from it) to 5 (fully there)"),
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("status") == CheckIn.Status.HELD and not data.get("format"):
            self.add_error("format", _("Say how you met."))
        return data

    def ratings(self) -> dict[str, int]:
        return {
            name: self.cleaned_data[f"rating_{index}"]
            for index, name in enumerate(self.dimensions)
            if self.cleaned_data.get(f"rating_{index}")
        }

    def rating_fields(self) -> list[forms.BoundField]:
        return [self[f"rating_{index}"] for index in range(len(self.dimensions))]


class FeedbackItemForm(forms.ModelForm):
    """One piece of feedback: all four parts, or none (a blank row is skipped)."""

    class Meta:
        model = FeedbackItem
        fields = list(FeedbackItem.FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 2}) for name in FeedbackItem.FIELDS
        }
        help_texts = {
            "situation": _("When and where: the specific moment."),
            "observation": _("What you saw or heard, without judgement."),
            "impact": _("The effect it had."),
            "suggestion": _("What to keep or try next time."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        filled = [
            name for name in FeedbackItem.FIELDS if (data.get(name) or "").strip()
        ]
        if filled and len(filled) < len(FeedbackItem.FIELDS):
            for name in FeedbackItem.FIELDS:
                if name not in filled:
                    self.add_error(name, _("Give all four parts, or leave all empty."))
        return data

    def item(self) -> dict[str, str] | None:
        data = {
            name: (self.cleaned_data.get(name) or "").strip()
            for name in FeedbackItem.FIELDS
        }
        return data if all(data.values()) else None


FeedbackFormSet = forms.formset_factory(
    FeedbackItemForm,
    extra=0,
    min_num=1,
    max_num=FeedbackItem.LIMIT,
    validate_max=True,
)


def feedback_items(formset: Any) -> list[dict[str, str]]:
    return [item for form in formset.forms if (item := form.item())]


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it closes"),
        max_length=1000,
        widget=TEXT_AREA,
        required=False,
        help_text=_(
            "Shown on the mentorship page to the mentor, the mentee and you; "
            "not to supervisors or other coordinators."
        ),
    )
    confirm = forms.BooleanField(
        label=_("Close this mentorship: check-ins ahead are cancelled"),
    )


class RevisitForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What did you decide?"),
        choices=RevisitPrompt.Outcome.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What you agreed, or why the agreement should change"),
        max_length=2000,
        widget=TEXT_AREA,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("outcome") == RevisitPrompt.Outcome.AMENDED
            and not (data.get("note") or "").strip()
        ):
            self.add_error("note", ValidationError(_("Say what should change.")))
        return data

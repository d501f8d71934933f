"""Forms for notes: they validate and normalise; the services write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import dateformat, timezone
from django.utils.translation import gettext_lazy as _

from mentorship.models import CheckIn, Mentorship, Note, User


class CheckInChoiceField(forms.ModelChoiceField):
    def __init__(self, *args: Any, viewer: User, **kwargs: Any) -> None:
        self.viewer = viewer
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> CheckIn | None:
        try:
            return super().to_python(value)
        except ValidationError:
            # A malformed id is just another check-in that is not on offer.
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None

    def label_from_instance(self, obj: CheckIn) -> str:  # type: ignore[override]
        when = timezone.localtime(obj.scheduled_at, self.viewer.zone)
        return f"{dateformat.format(when, 'D j M Y, H:i')} ({obj.get_status_display()})"


class NoteEditForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["body", "visibility"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8}),
            "visibility": forms.RadioSelect,
        }

    def __init__(self, *args: Any, mentorship: Mentorship, viewer: User, **kwargs):
        super().__init__(*args, **kwargs)
        partner = mentorship.partner_of(viewer)
        visibility = cast(forms.ChoiceField, self.fields["visibility"])
        visibility.choices = [
            (Note.Visibility.PRIVATE, _("Private: only you")),
            (
                Note.Visibility.SHARED,
                _("Shared: you and %(name)s") % {"name": partner.full_name},
            ),
        ]


class NoteForm(NoteEditForm):
    class Meta(NoteEditForm.Meta):
        fields = ["body", "visibility", "checkin"]

    def __init__(self, *args: Any, mentorship: Mentorship, viewer: User, **kwargs):
        super().__init__(*args, mentorship=mentorship, viewer=viewer, **kwargs)
        # Only this mentorship's check-ins can be chosen; addressed by their public
        # id, so another mentorship's check-in is an invalid choice.
        self.fields["checkin"] = CheckInChoiceField(
            queryset=mentorship.checkins.exclude(
                status=CheckIn.Status.CANCELLED
            ).order_by("-scheduled_at"),
            to_field_name="public_id",
            required=False,
            label=_("About a check-in (optional)"),
            empty_label=_("None"),
            viewer=viewer,
        )

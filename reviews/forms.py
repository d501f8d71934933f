"""Forms of reviews and consent: they validate and normalise, the services decide."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import SuccessCriterion
from mentorship.models import User
from reviews.models import TEXT_LIMIT, ConsentScope, CriterionStatus, ProgressReview
from reviews.services import Assessment, Completion

RATINGS = [(n, str(n)) for n in range(1, 6)]


def _rating_field(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )


def _text_field(label: Any, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_LIMIT,
        required=required,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AssessmentForm(forms.Form):
    """One party's assessment: status, evidence and rating for each criterion."""

    version_id = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, criteria: list[SuccessCriterion], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            self.fields[f"status_{c.pk}"] = forms.ChoiceField(
                label=_("Status"), choices=[("", "—"), *CriterionStatus.choices]
            )
            self.fields[f"evidence_{c.pk}"] = _text_field(_("Evidence"))
            self.fields[f"rating_{c.pk}"] = _rating_field(_("Rating (1 to 5)"))

    def rows(self) -> list[tuple[SuccessCriterion, list[forms.BoundField]]]:
        """Each criterion with its bound fields, for the template to lay out."""
        return [
            (c, [self[f"{name}_{c.pk}"] for name in ("status", "evidence", "rating")])
            for c in self.criteria
        ]

    def assessments(self) -> list[Assessment]:
        data = self.cleaned_data
        return [
            Assessment(
                criterion_id=c.pk,
                status=data[f"status_{c.pk}"],
                evidence=data[f"evidence_{c.pk}"],
                rating=data[f"rating_{c.pk}"],
            )
            for c in self.criteria
        ]


class CompletionForm(forms.Form):
    """The calibration, the scorecard at the review, and the outcome."""

    progress_means = _text_field(_("What counts as progress"), required=True)
    setback_means = _text_field(_("What counts as a setback"), required=True)
    goal_adaptation = _text_field(_("How goals adapt"), required=True)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=ProgressReview.Outcome.choices,
        widget=forms.RadioSelect,
    )
    criteria_to_change = forms.ModelMultipleChoiceField(
        label=_("Criteria the amendment changes"),
        queryset=SuccessCriterion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when you recalibrate: an amendment draft opens for them."),
    )
    note = _text_field(_("Why (optional)"))

    def __init__(
        self,
        *args: Any,
        dimensions: list[str],
        criteria: list[SuccessCriterion],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions
        field = self.fields["criteria_to_change"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = SuccessCriterion.objects.filter(
            pk__in=[c.pk for c in criteria]
        )
        for i, name in enumerate(dimensions):
            self.fields[f"dimension_{i}"] = _rating_field(name)

    def dimension_fields(self) -> list[forms.BoundField]:
        return [self[f"dimension_{i}"] for i in range(len(self.dimensions))]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        recalibrate = data.get("outcome") == ProgressReview.Outcome.RECALIBRATE
        if recalibrate and not data.get("criteria_to_change"):
            self.add_error(
                "criteria_to_change", _("Choose the criteria the amendment changes.")
            )
        return data

    def completion(self) -> Completion:
        data = self.cleaned_data
        recalibrate = data["outcome"] == ProgressReview.Outcome.RECALIBRATE
        return Completion(
            outcome=data["outcome"],
            note=data["note"],
            progress_means=data["progress_means"],
            setback_means=data["setback_means"],
            goal_adaptation=data["goal_adaptation"],
            ratings={
                name: data[f"dimension_{i}"] for i, name in enumerate(self.dimensions)
            },
            criteria_to_change=[c.pk for c in data["criteria_to_change"]]
            if recalibrate
            else [],
        )


class ConsentForm(forms.Form):
    scope = forms.MultipleChoiceField(
        label=_("What your supervisor may see"),
        choices=ConsentScope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one part to share.")},
    )
    summary = _text_field(_("Your summary"))
    summary.help_text = _(
        "Only with the last part ticked. Write it yourself, or paste one your mentor "
        "drafted and you approve: your supervisor reads exactly this text."
    )
    expires_on = forms.DateField(
        label=_("Consent ends after"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to keep it until you withdraw it."),
    )
    seen_digest = forms.CharField(widget=forms.HiddenInput)
    agree = forms.BooleanField(
        label=_("I agree to the statement above."),
        error_messages={"required": _("Tick the box to agree, or leave this page.")},
    )

    def __init__(self, *args: Any, mentee: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mentee = mentee

    def clean_expires_on(self) -> date | None:
        day = self.cleaned_data["expires_on"]
        today = timezone.localtime(timezone.now(), self.mentee.zone).date()
        if day is not None and day < today:
            raise forms.ValidationError(
                _("The end of the consent cannot be in the past.")
            )
        return day

    def expires_at(self) -> datetime | None:
        """The consent lasts through its last day, in the mentee's time zone."""
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        return datetime.combine(
            day + timedelta(days=1), time(0), tzinfo=self.mentee.zone
        )

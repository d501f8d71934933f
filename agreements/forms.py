"""Forms of agreements: they validate and normalise; services do the writing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import (
    AgreementContent,
    AgreementTemplate,
    AgreementVersion,
    Channel,
    ConfidentialityException,
    MeetingFormat,
    SuccessCriterion,
)
from agreements.services import INTENT_TEXT, DisclosureRequest, Draft
from mentorship.forms import DimensionsField, TagField
from mentorship.models import Cadence, Cohort, Program

MAX_CRITERIA = 12
MAX_EXCEPTIONS = 8


def _textareas(model: type[models.Model]) -> dict[str, forms.Widget]:
    return {
        name: forms.Textarea(attrs={"rows": 3})
        for name in AgreementContent.CONTENT_FIELDS
        if isinstance(model._meta.get_field(name), models.TextField)
    }


class SectionFields(forms.Form):
    """The fields and rules of every agreement section, for versions and templates."""

    formats = forms.MultipleChoiceField(
        label=_("Meeting formats"),
        choices=MeetingFormat.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    channels = forms.MultipleChoiceField(
        label=_("Communication channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    confidential_kinds = TagField(
        label=_("Kinds of information held confidential"),
        help_text=_("Separate them with commas."),
    )
    scorecard_dimensions = DimensionsField(
        label=_("Scorecard dimensions"),
        required=True,
        max_tags=8,
        help_text=_("Separate them with commas."),
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.program = program
        retention = self.fields["retention_days"]
        retention.widget.attrs.update(
            min=program.retention_min_days, max=program.retention_max_days
        )
        retention.help_text = _(
            "Between %(low)d and %(high)d days in this program."
        ) % {
            "low": program.retention_min_days,
            "high": program.retention_max_days,
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        cadence, days = data.get("cadence"), data.get("cadence_days")
        if cadence == Cadence.CUSTOM:
            if not days:
                self.add_error(
                    "cadence_days", _("Give the number of days between meetings.")
                )
            elif days > 365:
                self.add_error("cadence_days", _("Meet at least once a year."))
        elif cadence:
            data["cadence_days"] = None
        retention = data.get("retention_days")
        low, high = self.program.retention_min_days, self.program.retention_max_days
        if retention is not None and not low <= retention <= high:
            self.add_error(
                "retention_days",
                _("This program keeps notes between %(low)d and %(high)d days.")
                % {"low": low, "high": high},
            )
        return data


class SectionsForm(SectionFields, forms.ModelForm):
    """Every section of a draft, checked against the program's rules."""

    class Meta:
        model = AgreementVersion
        fields = AgreementContent.CONTENT_FIELDS
        widgets = _textareas(AgreementVersion)


class TemplateForm(SectionFields, forms.ModelForm):
    """A program's agreement template: a name and a default for every section."""

    class Meta:
        model = AgreementTemplate
        fields = ["name", *AgreementContent.CONTENT_FIELDS]
        widgets = _textareas(AgreementTemplate)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        clash = self.program.agreement_templates.filter(name__iexact=name).exclude(
            pk=self.instance.pk
        )
        if clash.exists():
            raise ValidationError(
                _("This program already has a template with this name.")
            )
        return name


class CriterionForm(forms.ModelForm):
    class Meta:
        model = SuccessCriterion
        fields = SuccessCriterion.FIELDS
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        self.fields["metric"].help_text = _("How progress is measured.")
        self.fields["target"].help_text = _("The value that counts as met.")

    def clean_due_on(self) -> Any:
        due = self.cleaned_data["due_on"]
        if not self.cohort.starts_on <= due <= self.cohort.ends_on:
            raise ValidationError(
                _("Choose a date within the cohort (%(start)s to %(end)s).")
                % {"start": self.cohort.starts_on, "end": self.cohort.ends_on}
            )
        return due


class ExceptionForm(forms.ModelForm):
    class Meta:
        model = ConfidentialityException
        fields = ConfidentialityException.FIELDS


CriterionFormSet = forms.formset_factory(
    CriterionForm, extra=1, can_delete=True, max_num=MAX_CRITERIA, validate_max=True
)
ExceptionFormSet = forms.formset_factory(
    ExceptionForm, extra=1, can_delete=True, max_num=MAX_EXCEPTIONS, validate_max=True
)


class DraftToken(forms.Form):
    """When the editor loaded the draft: a save over a newer change is refused."""

    seen_updated_at = forms.DateTimeField(widget=forms.HiddenInput)


class DraftForms:
    """The sections form and the two row formsets of one draft, validated together."""

    def __init__(
        self, version: AgreementVersion, data: Any = None, *, cohort: Cohort
    ) -> None:
        self.token = DraftToken(
            data, prefix="draft", initial={"seen_updated_at": version.updated_at}
        )
        self.sections = SectionsForm(
            data, instance=version, program=cohort.program, prefix="sections"
        )
        self.criteria = CriterionFormSet(
            data,
            prefix="criteria",
            initial=[_row(c, SuccessCriterion.FIELDS) for c in version.criteria.all()],
            form_kwargs={"cohort": cohort},
        )
        self.exceptions = ExceptionFormSet(
            data,
            prefix="exceptions",
            initial=[
                _row(e, ConfidentialityException.FIELDS)
                for e in version.exceptions.all()
            ],
        )

    def is_valid(self) -> bool:
        every = (self.token, self.sections, self.criteria, self.exceptions)
        results = [f.is_valid() for f in every]
        return all(results)

    def draft(self) -> Draft:
        sections = {
            name: self.sections.cleaned_data[name]
            for name in AgreementContent.CONTENT_FIELDS
        }
        return Draft(
            sections=sections,
            criteria=kept_rows(self.criteria, SuccessCriterion.FIELDS),
            exceptions=kept_rows(self.exceptions, ConfidentialityException.FIELDS),
        )


def _row(obj: Any, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def kept_rows(formset: Any, fields: list[str]) -> list[dict[str, Any]]:
    # A blank extra row has no cleaned data; an existing row left as it was keeps its
    # values (it is "unchanged", not empty).
    return [
        {name: form.cleaned_data[name] for name in fields}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class SignForm(forms.Form):
    typed_name = forms.CharField(
        label=_("Your full name"),
        max_length=150,
        help_text=_("As it appears on your account."),
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    intent = forms.BooleanField(label=INTENT_TEXT, required=False)
    seen_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)


class AmendmentForm(forms.Form):
    rationale = forms.CharField(
        label=_("Why should the agreement change?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Both of you see this with the amendment and in its history."),
    )


PDF_MAX_BYTES = 10 * 1024 * 1024


class VerifyForm(forms.Form):
    """A verification code from a PDF, or the PDF itself: one of the two."""

    code = forms.CharField(
        label=_("Verification code"),
        required=False,
        max_length=20,
        help_text=_("Printed at the foot of every page, e.g. 3F2A-09BC-77D1."),
    )
    document = forms.FileField(label=_("Or the PDF file"), required=False)

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).replace("-", "").lower()
        if code and (len(code) != 12 or any(c not in "0123456789abcdef" for c in code)):
            raise ValidationError(
                _("A code has 12 letters and digits, like 3F2A-09BC-77D1.")
            )
        return code

    def clean_document(self) -> Any:
        document = self.cleaned_data["document"]
        if document is None:
            return None
        if document.size > PDF_MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB."))
        if document.read(5) != b"%PDF-":
            raise ValidationError(_("This file is not a PDF."))
        document.seek(0)
        return document

    def clean(self) -> dict[str, Any]:
        super().clean()
        code, document = (
            self.cleaned_data.get("code"),
            self.cleaned_data.get("document"),
        )
        if not self.errors and bool(code) == bool(document):
            raise ValidationError(_("Give either a verification code or a PDF file."))
        return self.cleaned_data


class CompareForm(forms.Form):
    older = forms.TypedChoiceField(label=_("Compare version"), coerce=int)
    newer = forms.TypedChoiceField(label=_("with version"), coerce=int)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [(n, str(n)) for n in numbers]
        for name in ("older", "newer"):
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = choices


class DisclosureForm(forms.Form):
    exception = forms.TypedChoiceField(label=_("Exception invoked"), coerce=int)
    disclosed_to = forms.CharField(
        label=_("Disclosed to"),
        max_length=200,
        help_text=_("A role or an organisation is enough."),
    )
    disclosed_on = forms.DateField(
        label=_("Disclosed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("What was disclosed, in brief"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only what the other party needs to know."),
    )
    other_party_informed_on = forms.DateField(
        label=_("Other party informed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(
        self,
        *args: Any,
        exceptions: list[ConfidentialityException],
        earliest: date,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.earliest = earliest
        self.by_position = {e.position: e for e in exceptions}
        field = self.fields["exception"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (e.position, f"{e.get_kind_display()}: {e.description}") for e in exceptions
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        today = timezone.localdate()
        for name in ("disclosed_on", "other_party_informed_on"):
            day = self.cleaned_data.get(name)
            if day and day > today:
                self.add_error(name, _("This date is in the future."))
            elif day and day < self.earliest:
                self.add_error(name, _("This date is before the mentorship started."))
        return self.cleaned_data

    def to_request(self) -> DisclosureRequest:
        data = self.cleaned_data
        return DisclosureRequest(
            exception=self.by_position[data["exception"]],
            disclosed_to=" ".join(data["disclosed_to"].split()),
            disclosed_on=data["disclosed_on"],
            description=data["description"].strip(),
            other_party_informed_on=data["other_party_informed_on"],
        )


class CohortTemplateForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=AgreementTemplate.objects.none(),
        to_field_name="public_id",
        required=False,
        label=_("Agreements in this cohort start from"),
        empty_label=_("The program's defaults"),
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = program.agreement_templates.all()

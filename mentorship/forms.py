"""Forms of the program app: they validate and normalise; services do the writing."""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from mentorship.models import (
    Availability,
    Cadence,
    Cohort,
    Membership,
    Program,
    Role,
    User,
)
from mentorship.services import InvitationRequest, RowError

MAX_TAGS = 12
MAX_TAG_LENGTH = 40
MAX_DIMENSIONS = 8
CSV_COLUMNS = ["email", "name", "role", "supervisor_email"]
CSV_MAX_BYTES = 512 * 1024
CSV_MAX_ROWS = 500


class EmailAuthenticationForm(AuthenticationForm):
    """The login form, asking for the email address that is the account's login."""

    username = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["username"])


def one_line(text: str) -> str:
    """Collapse runs of white space, line breaks included, into single spaces."""
    return " ".join(text.split())


class TagField(forms.CharField):
    """Comma-separated tags, normalised to a sorted, lower-case, de-duplicated list.

    The typed text is checked as a CharField first (length, no NUL character), then
    split into entries.
    """

    def __init__(self, *, max_tags: int = MAX_TAGS, **kwargs: Any):
        self.max_tags = max_tags
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 1000)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def split(self, text: str) -> list[str]:
        return sorted({one_line(part).lower() for part in text.split(",")} - {""})

    def clean(self, value: Any) -> list[str]:  # type: ignore[override]
        tags = self.split(super().clean(value))
        if self.required and not tags:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(tags) > self.max_tags:
            raise ValidationError(
                _("Give at most %(count)d entries."), params={"count": self.max_tags}
            )
        for tag in tags:
            if len(tag) > MAX_TAG_LENGTH:
                raise ValidationError(
                    _(
                        "“%(tag)s…” is too long: keep each entry under %(max)d characters."
                    ),
                    params={"tag": tag[:20], "max": MAX_TAG_LENGTH},
                )
        return tags


class DimensionsField(TagField):
    """Scorecard dimensions: like tags, but keeping the capitalisation and order given."""

    def split(self, text: str) -> list[str]:
        seen: dict[str, str] = {}
        for part in text.split(","):
            name = one_line(part)
            if name and name.lower() not in seen:
                seen[name.lower()] = name
        return list(seen.values())


class ProgramForm(forms.ModelForm):
    scorecard_dimensions = DimensionsField(
        label=_("Scorecard dimensions"),
        required=True,
        max_tags=MAX_DIMENSIONS,
        help_text=_("Separate dimensions with commas."),
    )

    class Meta:
        model = Program
        fields = [
            "name",
            "description",
            "framework_reference",
            "default_cadence",
            "default_cadence_days",
            "retention_min_days",
            "default_retention_days",
            "retention_max_days",
            "default_review_cadence",
            "scorecard_dimensions",
            "requires_effective_agreement",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_name(self) -> str:
        # Names go into email subjects: no line breaks.
        return one_line(self.cleaned_data["name"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        cadence, days = data.get("default_cadence"), data.get("default_cadence_days")
        if cadence == Cadence.CUSTOM:
            if not days:
                self.add_error(
                    "default_cadence_days",
                    _("Give the number of days between meetings (1 to 365)."),
                )
            elif days > 365:
                self.add_error("default_cadence_days", _("Meet at least once a year."))
        else:
            data["default_cadence_days"] = None
        self._clean_retention(data)
        return data

    def _clean_retention(self, data: dict[str, Any]) -> None:
        low = data.get("retention_min_days")
        default = data.get("default_retention_days")
        high = data.get("retention_max_days")
        if low is not None and low < 1:
            self.add_error("retention_min_days", _("Keep notes at least one day."))
        if high is not None and high > 3650:
            self.add_error(
                "retention_max_days", _("Keep notes at most ten years (3650 days).")
            )
        if (
            low is not None
            and default is not None
            and high is not None
            and not (low <= default <= high)
        ):
            self.add_error(
                "default_retention_days",
                _(
                    "The default must lie between the shortest and the longest retention."
                ),
            )


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = ["name", "starts_on", "ends_on", "status"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, program: Program, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.program = program

    def clean_name(self) -> str:
        name = one_line(self.cleaned_data["name"])
        clash = self.program.cohorts.filter(name__iexact=name).exclude(
            pk=self.instance.pk
        )
        if clash.exists():
            raise ValidationError(
                _("This program already has a cohort with this name.")
            )
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        starts, ends = data.get("starts_on"), data.get("ends_on")
        for field in ("starts_on", "ends_on"):
            day = data.get(field)
            if day and not 2000 <= day.year <= 2100:
                self.add_error(field, _("Give a date between the years 2000 and 2100."))
        if starts and ends and ends <= starts:
            self.add_error("ends_on", _("The cohort must end after it starts."))
        elif starts and ends and (ends - starts).days > 5 * 366:
            self.add_error("ends_on", _("A cohort lasts at most five years."))
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    full_name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    supervisor_email = forms.EmailField(
        label=_("Supervisor's email"),
        required=False,
        help_text=_("For a mentee: their line manager, who may later read a summary."),
    )

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"])

    def clean_supervisor_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["supervisor_email"])

    def clean_full_name(self) -> str:
        return one_line(self.cleaned_data["full_name"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        supervisor, role = data.get("supervisor_email"), data.get("role")
        if supervisor and role and role != Role.MENTEE:
            self.add_error("supervisor_email", _("Only a mentee has a supervisor."))
        if supervisor and supervisor == data.get("email"):
            self.add_error(
                "supervisor_email", _("A person cannot supervise themselves.")
            )
        return data

    def to_request(self) -> InvitationRequest:
        data = self.cleaned_data
        return InvitationRequest(
            email=data["email"],
            full_name=data["full_name"],
            role=data["role"],
            supervisor_email=data["supervisor_email"],
        )


class InvitationImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: email, name, role, supervisor_email. UTF-8, at most 500 rows."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.row_errors: list[RowError] = []
        self.rows: list[tuple[int, InvitationRequest]] = []

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise ValidationError(_("The file is larger than 512 KB."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                _("The file is not UTF-8 text. Save it as CSV UTF-8.")
            ) from None
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [column.strip().lower() for column in next(reader, [])]
        if header != CSV_COLUMNS:
            raise ValidationError(
                _("The first line must be exactly: %(columns)s"),
                params={"columns": ",".join(CSV_COLUMNS)},
            )
        try:
            self._read_rows(reader)
        except csv.Error as error:
            raise ValidationError(
                _("Line %(line)d cannot be read as CSV: %(error)s"),
                params={"line": reader.line_num, "error": error},
            ) from None
        if not self.rows and not self.row_errors:
            raise ValidationError(_("The file has no rows below the header."))
        if self.row_errors:
            raise ValidationError(
                ngettext_lazy(
                    "%(count)d problem found; nothing was imported. Fix it and upload again.",
                    "%(count)d problems found; nothing was imported. Fix them and upload again.",
                    "count",
                ),
                params={"count": len(self.row_errors)},
            )
        return upload

    def _read_rows(self, reader: Any) -> None:
        seen: dict[tuple[str, str], int] = {}
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(self.rows) + len({e.line for e in self.row_errors}) >= CSV_MAX_ROWS:
                self.row_errors.append(RowError(line, "file", str(_("Too many rows."))))
                return
            if len(values) != len(CSV_COLUMNS):
                message = _("Expected 4 columns, found %(n)d.") % {"n": len(values)}
                self.row_errors.append(RowError(line, "row", message))
                continue
            row = dict(zip(CSV_COLUMNS, values, strict=True))
            form = InvitationForm(
                {
                    "email": row["email"],
                    "full_name": row["name"],
                    "role": row["role"].strip().lower(),
                    "supervisor_email": row["supervisor_email"],
                }
            )
            if not form.is_valid():
                for field, messages in form.errors.items():
                    self.row_errors.extend(
                        RowError.at(line, field, m) for m in messages
                    )
                continue
            request = form.to_request()
            key = (request.email, request.role)
            if key in seen:
                message = _("Same email and role as line %(line)d.") % {
                    "line": seen[key]
                }
                self.row_errors.append(RowError(line, "email", message))
                continue
            seen[key] = line
            self.rows.append((line, request))


class ProfileForm(forms.ModelForm):
    goals = TagField(
        label=_("Goals"),
        help_text=_("What you want to grow in, separated by commas."),
    )
    strengths = TagField(
        label=_("Strengths"),
        help_text=_("What you can help others with, separated by commas."),
    )
    availability = forms.MultipleChoiceField(
        label=_("Availability"),
        choices=Availability.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Membership
        fields = ["goals", "strengths", "availability", "capacity"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.instance.role != Role.MENTOR:
            del self.fields["capacity"]
        else:
            self.fields["capacity"].widget.attrs.update(min=0, max=20)

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if capacity > 20:
            raise ValidationError(_("Take on at most 20 mentees."))
        return capacity


class PairForm(forms.Form):
    # People are chosen by public id: sequential user ids never reach the browser.
    mentor = forms.ModelChoiceField(
        queryset=User.objects.none(), to_field_name="public_id", label=_("Mentor")
    )
    mentee = forms.ModelChoiceField(
        queryset=User.objects.none(), to_field_name="public_id", label=_("Mentee")
    )
    supervisor = forms.ModelChoiceField(
        queryset=User.objects.none(),
        to_field_name="public_id",
        label=_("Supervisor"),
        required=False,
        help_text=_("The line manager the mentee named, if they take part."),
    )
    started_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for role in (Role.MENTOR, Role.MENTEE, Role.SUPERVISOR):
            field = self.fields[str(role)]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = User.objects.filter(
                memberships__cohort=cohort, memberships__role=role
            ).order_by("full_name")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        mentor, mentee = data.get("mentor"), data.get("mentee")
        supervisor = data.get("supervisor")
        if mentor and mentee and mentor == mentee:
            self.add_error("mentee", _("A person cannot mentor themselves."))
        if supervisor and supervisor in (mentor, mentee):
            self.add_error(
                "supervisor", _("The supervisor cannot be the mentor or the mentee.")
            )
        return data


class AcceptInvitationForm(forms.Form):
    """A new account's name and password, checked by the project's password validators."""

    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_full_name(self) -> str:
        return one_line(self.cleaned_data["full_name"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(email=self.email, full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(first, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return data

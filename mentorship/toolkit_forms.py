"""Forms for the toolkit: they validate and normalise; the services write."""

from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from mentorship.models import ToolkitEntry
from mentorship.models.toolkit import LINK_LIMIT, LINK_SCHEMES

SEARCH_LIMIT = 200


class ToolkitEntryForm(forms.ModelForm):
    # Declared to pass assume_scheme (Django 6's default) and to name the schemes.
    link = forms.URLField(
        label=_("Link (optional)"),
        required=False,
        max_length=LINK_LIMIT,
        assume_scheme="https",
        validators=[URLValidator(schemes=LINK_SCHEMES)],
        help_text=_("A web address (http or https) to an article, a tool or a talk."),
    )

    class Meta:
        model = ToolkitEntry
        fields = ["kind", "title", "body", "link", "is_anonymous"]
        labels = {"kind": _("What is it?")}
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}


class DeclineForm(forms.ModelForm):
    class Meta:
        model = ToolkitEntry
        fields = ["decline_reason"]
        labels = {"decline_reason": _("Reason for the author (optional)")}
        widgets = {"decline_reason": forms.Textarea(attrs={"rows": 2})}


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_LIMIT,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *ToolkitEntry.Kind.choices],
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    @property
    def filters(self) -> dict[str, str]:
        """The valid filters; a field with an error filters nothing."""
        if not self.is_bound:
            return {"query": "", "kind": ""}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"query": data.get("q", ""), "kind": data.get("kind", "")}

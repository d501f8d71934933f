"""Form helpers with no domain meaning."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import BaseForm


def add_service_error(form: BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError next to its field, or at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)

"""Query helpers with no domain meaning."""

from __future__ import annotations

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def count_of(related: QuerySet, *, by: str) -> Coalesce:
    """Return a correlated COUNT(*) of `related` per outer row, grouped on `by`.

    Two Count() annotations over different joins multiply each other's rows; one
    subquery per count keeps each to its own table.
    """
    counted = related.order_by().values(by).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

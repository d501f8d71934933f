"""Fixture the no-raw-sql-string-formatting rule must flag (5 findings). Never imported."""

from django.db import connection
from django.db.models.expressions import RawSQL

from mentorship.models import Note


def search(term: str):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM mentorship_note WHERE body LIKE '%{term}%'")
        cursor.execute("SELECT id FROM mentorship_note WHERE body = '%s'" % term)  # noqa: UP031
    Note.objects.raw("SELECT * FROM mentorship_note WHERE body = '{}'".format(term))  # noqa: UP032
    Note.objects.extra(where=[f"body = '{term}'"])
    return Note.objects.annotate(x=RawSQL("SELECT '" + term + "'", []))


def safe(term: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM mentorship_note WHERE body = %s", [term])

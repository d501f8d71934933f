"""Refuse UPDATE and DELETE on signatures and agreement events (PostgreSQL only).

The application has no path that changes or removes them; the trigger makes the
database refuse it too, so a changed signature can only come from outside the app,
where the hash chain then shows it.
"""

from django.db import migrations

TABLES = ["agreements_signature", "agreements_agreementevent"]

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION agreements_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)  # its % is not a placeholder
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION agreements_refuse_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS agreements_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_agreements_versions_signatures_events")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]

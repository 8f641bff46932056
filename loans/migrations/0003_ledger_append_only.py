"""On PostgreSQL the database itself refuses UPDATE and DELETE of posted ledger rows."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION loans_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'ledger rows are append-only: post a reversal, not ' || TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER loans_ledger_append_only
    BEFORE UPDATE OR DELETE ON loans_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION loans_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS loans_ledger_append_only ON loans_ledgerentry;
DROP FUNCTION IF EXISTS loans_ledger_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("loans", "0002_loan_core")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]

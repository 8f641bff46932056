"""Migration operations shared by the apps' migrations."""

from __future__ import annotations

from django.db import migrations


def set_fillfactor(table: str, percent: int, *, previous: int) -> migrations.RunPython:
    """PostgreSQL only (other databases have no such setting): leave ``100 - percent`` % of
    each page of ``table`` free, so that an update of a row can stay on its page (HOT: no
    index writes when no indexed column changes). Reversed to ``previous``."""

    def run(percent: int):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                name = schema_editor.quote_name(table)
                schema_editor.execute(f"ALTER TABLE {name} SET (fillfactor = {int(percent)})")

        return apply

    return migrations.RunPython(run(percent), run(previous))

"""The escrow categories of spec/escrow.md; ops add more in the admin."""

from django.db import migrations

CATEGORIES = [
    ("property_tax", "Property tax"),
    ("insurance", "Insurance"),
    ("holdback", "Holdback"),
    ("interest_reserve", "Interest reserve"),
]


def add_categories(apps, schema_editor):
    category = apps.get_model("escrow", "EscrowCategory")
    for code, name in CATEGORIES:
        category.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("escrow", "0001_escrow_accounts")]

    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]

"""The default tier rules and cadences (issue #3 §4): A every 7 days from 1,000,000 a
year and for strategic accounts, B 14 days from 300,000, C 30 days from 50,000, D 60."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    ("A", 7, Decimal("1000000"), True),
    ("B", 14, Decimal("300000"), False),
    ("C", 30, Decimal("50000"), False),
    ("D", 60, Decimal("0"), False),
]


def add_defaults(apps, schema_editor):
    TierRule = apps.get_model("customers", "TierRule")
    for tier, cadence, minimum, strategic in DEFAULTS:
        TierRule.objects.get_or_create(
            tier=tier,
            defaults={
                "cadence_days": cadence,
                "min_annual_value": minimum,
                "for_strategic": strategic,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]

"""The default sales process (默认销售流程) with the stages of issue #3 §7."""

from decimal import Decimal

from django.db import migrations

PIPELINE = "默认销售流程"
STAGES = [
    ("初步接洽", "Initial contact", Decimal("10"), "open"),
    ("需求确认", "Needs confirmed", Decimal("25"), "open"),
    ("方案报价", "Proposal and quote", Decimal("50"), "open"),
    ("商务谈判", "Negotiation", Decimal("70"), "open"),
    ("赢单", "Won", Decimal("100"), "won"),
    ("输单", "Lost", Decimal("0"), "lost"),
]


def create_default(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    if Pipeline.objects.filter(name=PIPELINE).exists():
        return
    # Another pipeline may already be the default (set up by hand); only claim it if free.
    is_default = not Pipeline.objects.filter(is_default=True).exists()
    pipeline = Pipeline.objects.create(name=PIPELINE, is_default=is_default)
    for position, (name, english, probability, outcome) in enumerate(STAGES, start=1):
        Stage.objects.create(
            pipeline=pipeline,
            name=name,
            english_name=english,
            position=position,
            probability=probability,
            outcome=outcome,
        )


def remove_default(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    pipeline = Pipeline.objects.filter(name=PIPELINE).first()
    if (
        pipeline
        and not apps.get_model("sales", "Opportunity").objects.filter(pipeline=pipeline).exists()
    ):
        Stage.objects.filter(pipeline=pipeline).delete()
        pipeline.delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_stage_english_name")]

    operations = [migrations.RunPython(create_default, remove_default)]

"""Search indexes: pg_trgm GIN indexes on PostgreSQL, FTS5 trigram tables kept in sync by
triggers on SQLite, and lower(email) on contacts. See rapport/search/db.py."""

from django.db import migrations


def forwards(apps, schema_editor):
    from rapport.search import db

    db.ensure(schema_editor.connection)


def backwards(apps, schema_editor):
    from rapport.search import db

    db.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("sales", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

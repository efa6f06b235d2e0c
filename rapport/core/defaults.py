"""Default rows an app needs to work (tier rules, the default pipeline).

They are written by the app's data migration, and again after every `flush` through the
`post_migrate` signal (the way Django restores content types), so a database emptied by
`flush` — or by a TransactionTestCase — still has them. The functions are idempotent."""

from __future__ import annotations

import importlib

from django.db.models.signals import post_migrate


def connect_defaults(app_config, migration: str, function: str) -> None:
    """Run `function(apps, schema_editor)` of `<app>.migrations.<migration>` after migrate
    and flush of `app_config`."""

    def _run(sender, apps=None, using="default", **kwargs):
        module = importlib.import_module(f"{app_config.name}.migrations.{migration}")
        from django.apps import apps as global_apps

        getattr(module, function)(apps or global_apps, None)

    post_migrate.connect(_run, sender=app_config, weak=False, dispatch_uid=f"defaults-{migration}")

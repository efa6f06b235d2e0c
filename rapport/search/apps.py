from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "rapport.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from rapport.search import db

        # SQLite drops triggers and unknown indexes when a migration rebuilds a table;
        # put them back after every migrate (idempotent, cheap when all is in place).
        post_migrate.connect(db.after_migrate, dispatch_uid="rapport.search.indexes")

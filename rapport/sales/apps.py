from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "rapport.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from rapport.core.defaults import connect_defaults

        connect_defaults(self, "0003_default_pipeline", "create_default")
        from rapport.sales import panels

        panels.register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "rapport.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from rapport.core.defaults import connect_defaults

        connect_defaults(self, "0002_default_tier_rules", "add_defaults")
        from rapport.customers import menu, panels

        menu.register()
        panels.register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "rapport.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from rapport.customers import menu, panels

        menu.register()
        panels.register()

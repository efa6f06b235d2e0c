from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "rapport.goals"
    label = "goals"
    verbose_name = _("Goals and KPIs")

    def ready(self) -> None:
        from rapport.goals import menu

        menu.register()

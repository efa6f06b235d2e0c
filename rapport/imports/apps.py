from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "rapport.imports"
    label = "imports"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from rapport.core.navigation import NavItem, register_nav
        from rapport.imports import jobs  # noqa: F401  (registers the job kinds)

        register_nav(NavItem(_("Import"), "imports:list", order=70))

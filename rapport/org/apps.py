from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "rapport.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from rapport.org import signals  # noqa: F401  (login/logout audit hooks)

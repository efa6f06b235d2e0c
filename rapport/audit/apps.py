from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "rapport.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from rapport.audit import jobs  # noqa: F401  (registers the export job kind)

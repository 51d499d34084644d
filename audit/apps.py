from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from . import recorder, security_log

        recorder.connect_configured_models()
        checks.register(check_retention)
        del security_log  # imported for its receiver of security events


def check_retention(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from django.conf import settings

    from .security_log import MINIMUM_RETENTION_DAYS

    days = settings.SECURITY_LOG_RETENTION_DAYS
    if days < MINIMUM_RETENTION_DAYS:
        return [
            checks.Error(
                f"SECURITY_LOG_RETENTION_DAYS is {days}: the security log is kept at least "
                f"{MINIMUM_RETENTION_DAYS} days (等保 2.0 level 3).",
                id="audit.E001",
            )
        ]
    return []

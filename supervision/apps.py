"""App config for supervision: urge notices, supervision groups and visits, the look-back,
the evaluation and the red-and-black list, over the measures of rectification."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision and evaluation")

    def ready(self) -> None:
        # The urge notices and look-backs shown on rectification's pages.
        from . import sections  # noqa: F401

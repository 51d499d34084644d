"""App config for reminders: the ladder, the sweep, its deliveries, the bell and the digests."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        # Mentions in the comment threads of the layers below reach people through the bell.
        from . import mentions, people

        mentions.connect()
        # A new liaison or lead official hears the rung their measures stand on now.
        people.connect()

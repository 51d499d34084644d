"""App config for demo: the demo data, the generated data of any size and the benchmark.

The one app besides config/urls.py that composes every layer; nothing imports it."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = _("Demo and benchmark")

"""The measure list's `?jurisdiction=` filter, so that a number of a drilled-in dashboard opens
exactly the measures that jurisdiction's office reads (rectification.filters.add_filter)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from accounts.selectors import jurisdictions_below, measures_in_jurisdictions
from config.filters import IdFilter
from rectification import filters
from rectification.models import Measure


def _of_jurisdiction(qs: QuerySet[Measure], name: str, value: int | None) -> QuerySet[Measure]:
    # It only narrows what the list already shows the user: a jurisdiction outside their
    # scope leaves nothing, and shows nothing of it.
    if value is None:
        return qs
    return qs.filter(measures_in_jurisdictions(jurisdictions_below(value)))


filters.add_filter(
    "jurisdiction", IdFilter(method=_of_jurisdiction, label=gettext_lazy("jurisdiction"))
)

"""Sections that the layers above add to rectification's pages, without this layer knowing them.

The start pages, the round page and the measure page show the measure's life; what an app
above has to say on them (supervision: the urge notices pressing a unit or a measure, a
round's look-back) it registers here from its AppConfig.ready: a function that gives its
part of the page's context, and the templates that show that part in the page's named slots.
A page asks for its sections once; a slot is a loop of includes in its template.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from accounts.models import User

# The pages and their slots, so that a typo in a registration fails at start-up.
PAGES: dict[str, frozenset[str]] = {
    "my_tasks": frozenset({"top"}),
    "workbench": frozenset({"counters", "actions", "queues"}),
    "round_detail": frozenset({"numbers"}),
    "measure_detail": frozenset({"records"}),
    "measure_bulk": frozenset({"actions"}),
}


@dataclass(frozen=True)
class Section:
    page: str
    context: Callable[..., Mapping[str, Any] | None]
    slots: Mapping[str, str]


_sections: list[Section] = []


def register(page: str, context: Callable[..., Mapping[str, Any] | None], **slots: str) -> None:
    """Show `context(user, **objects)` on `page` through a template per slot; a context of
    None hides the section for that user."""
    unknown = set(slots) - PAGES[page]
    if unknown:
        raise ValueError(f"{page} has no slot {', '.join(sorted(unknown))}")
    if any(s.page == page and s.context is context for s in _sections):
        return
    _sections.append(Section(page=page, context=context, slots=slots))


def page_sections(page: str, user: User, **objects: Any) -> dict[str, list[dict[str, Any]]]:
    """{slot: [{"template": name, "c": context}, …]} for the sections registered on `page`."""
    slots: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for section in _sections:
        if section.page != page:
            continue
        context = section.context(user, **objects)
        if context is None:
            continue
        for slot, template in section.slots.items():
            slots[slot].append({"template": template, "c": context})
    return dict(slots)

"""The page pieces of bulk actions (rectification.bulk), shared by the views of rectification
(measures/bulk/) and of supervision (urges/bulk/), which may not import each other's views."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import ngettext

from config.errors import DomainError
from config.pages import posted_next

from . import bulk


def bulk_page_context(request: HttpRequest, targets: list[bulk.Target]) -> dict:
    """What every bulk page shows: the selection, carried on in its forms, and where to go back."""
    post = request.POST
    return {
        "targets": targets,
        "selection": {
            "all_matching": bool(post.get("all_matching")),
            "filter": post.get("filter", ""),
            "ids": [t.id for t in targets],
        },
        "back": posted_next(request, reverse("measure-list")),
    }


def bulk_outcome(request: HttpRequest, context: dict, run: Callable[..., bulk.Outcome]) -> bool:
    """Run a bulk action's preview or (step=apply) the action itself; True when it is done.

    A refusal names the blocking measures on the page; a preview leaves what it would change
    and the versions it read for the confirmation."""
    apply = request.POST.get("step") == "apply"
    try:
        versions = bulk.parse_versions(request.POST.get("versions")) if apply else None
        outcome = run(preview=not apply, versions=versions)
    except bulk.BulkRefused as error:
        context["refusal"] = error
        return False
    except DomainError as error:
        context["error"] = error.message
        return False
    if apply:
        messages.success(
            request,
            ngettext(
                "Done: %(n)d measure changed.",
                "Done: %(n)d measures changed.",
                len(outcome.changed),
            )
            % {"n": len(outcome.changed)},
        )
        return True
    context["outcome"] = outcome
    context["versions"] = bulk.versions_text(outcome.versions)
    return False

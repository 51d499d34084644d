"""Pages of inspection rounds: create and edit a round (the office)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.auth import signed_in_user
from config.errors import DomainError, NotAllowed

from . import services
from .forms import RoundForm
from .selectors import rounds_visible_to


@login_required
def round_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not signed_in_user(request).is_office:
        raise PermissionDenied(_("Only office staff can create or edit rounds."))
    instance = get_object_or_404(rounds_visible_to(signed_in_user(request)), pk=pk) if pk else None
    form = RoundForm(request.POST or None, instance=instance, user=signed_in_user(request))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.round_save(
                actor=signed_in_user(request),
                fields=form.cleaned_data,
                inspection_round=instance,
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The round is saved."))
            return redirect("round-detail", saved.pk)
    return render(request, "inspections/round_form.html", {"form": form, "round": instance})

"""Page for uploading a filled-in ledger (整改台账): check it first, then import it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import DomainError
from findings.views import office_round

from .ledger import XLSX_CONTENT_TYPE, LedgerRejected, import_ledger


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Ledger (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only, save nothing"), required=False, initial=True
    )


@login_required
def ledger_import_page(request: HttpRequest) -> HttpResponse:
    inspection_round = office_round(request)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    context = {"round": inspection_round, "form": form, "result": None, "errors": []}
    if request.method == "POST" and form.is_valid():
        dry_run = form.cleaned_data["dry_run"]
        try:
            result = import_ledger(
                actor=request.user,
                inspection_round=inspection_round,
                file=form.cleaned_data["file"],
                dry_run=dry_run,
            )
        except LedgerRejected as exc:
            form.add_error(None, exc.message)
            context["errors"] = exc.errors
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if dry_run:
                context["result"] = result.as_dict()
            else:
                summary = result.plan.summary()
                messages.success(
                    request,
                    _(
                        "Ledger imported: %(created)d measures created, %(updated)d updated, "
                        "%(unchanged)d unchanged."
                    )
                    % {
                        "created": summary["measures_created"],
                        "updated": summary["measures_updated"],
                        "unchanged": summary["measures_unchanged"],
                    },
                )
                return redirect(f"{reverse('ledger-import-page')}?round={inspection_round.pk}")
    return render(request, "rectification/ledger_import.html", context)

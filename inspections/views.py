"""Pages of inspection rounds: create and edit a round (the office), and its rectification
reports to the inspecting body (报告报账)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.auth import signed_in_user
from accounts.models import User
from config.errors import DomainError, NotAllowed

from . import services
from .api import RoundReportSerializer
from .forms import RoundForm
from .models import InspectionRound, RoundReport
from .selectors import round_reports_visible_to, rounds_visible_to


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


@login_required
@require_http_methods(["GET", "POST"])
def round_reports(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's rectification reports (报告报账): office records each one's due date, its
    sending with the file, and the acknowledgement; leaders read. The checks are those of
    the API (RoundReportSerializer), so the page and the API refuse the same things."""
    user = signed_in_user(request)
    if not user.sees_jurisdiction:
        raise PermissionDenied(_("Rectification reports are kept by the office."))
    inspection_round = get_object_or_404(rounds_visible_to(user), pk=pk)
    reports = round_reports_visible_to(user).filter(round=inspection_round).order_by("due", "id")
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if not user.is_office:
            raise PermissionDenied(_("Only office staff can record rectification reports."))
        report = None
        if request.POST.get("report"):
            report = get_object_or_404(reports, pk=request.POST["report"])
        data: dict = {
            name: request.POST[name]
            for name in ("title", "addressees", "due", "sent_on", "acknowledged_on")
            if request.POST.get(name, "").strip()
        }
        if report is None:
            data["round"] = str(inspection_round.pk)
        else:
            # A date emptied in the form is cleared (a sending recorded by mistake).
            for name in ("sent_on", "acknowledged_on"):
                data.setdefault(name, None)
        if "file" in request.FILES:
            data["file"] = request.FILES["file"]
        serializer = RoundReportSerializer(
            report, data=data, partial=report is not None, context={"request": request}
        )
        if report is None and "title" not in data:
            errors = {"report": None, "fields": {"title": [_("Give the report a title.")]}}
        elif serializer.is_valid():
            serializer.save(**({} if report else {"recorded_by": user}))
            messages.success(request, _("The rectification report is saved."))
            return redirect("round-reports", inspection_round.pk)
        else:
            errors = {"report": report.pk if report else None, "fields": serializer.errors}
        status = 400
    context = {**_reports_context(user, inspection_round, reports), "errors": errors}
    return render(request, "inspections/round_reports.html", context, status=status)


def _reports_context(user: User, inspection_round: InspectionRound, reports: QuerySet) -> dict:
    return {
        "round": inspection_round,
        "reports": reports,
        "today": timezone.localdate(),
        "can_edit": user.is_office,
        "addressees": RoundReport.Addressees.choices,
    }

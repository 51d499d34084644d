"""Pages of rectification: each role's start page and work queues, the rounds with their
problems' measures, the measure list, one measure with its whole record, and the steps
a user takes from those pages (each calls one service). What the apps above show on
these pages comes through rectification.sections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.auth import signed_in_user
from accounts.models import User
from accounts.selectors import jurisdiction_scope
from config.api import DeferredJoinPaginator
from config.errors import DomainError, StaleVersion
from config.pages import posted_next
from findings.selectors import (
    late_clues,
    late_feedback_counts,
    late_petitions,
    problems_visible_to,
)
from findings.services import problem_update
from inspections.selectors import rounds_owned_by

from . import bulk, comments, services
from .bulk_pages import bulk_outcome, bulk_page_context
from .filters import MeasureFilter
from .forms import (
    ApproveForm,
    BulkActionForm,
    CommentForm,
    DecisionForm,
    EndorseForm,
    EvidenceForm,
    ExtensionRequestForm,
    MeasureForm,
    MeasureFormSet,
    ProblemForm,
    ProgressForm,
    ReopenForm,
    ReturnForm,
    ReviewForm,
    StartForm,
    SubmitForm,
    VersionForm,
    first_error,
)
from .models import (
    Extension,
    Measure,
    today,
)
from .sections import page_sections
from .selectors import (
    TASK_TABS,
    chain_queue,
    due_soon_measures,
    extensions_visible_to,
    liaison_task_counts,
    liaison_tasks,
    liaison_tasks_in_order,
    listed,
    measure_timeline,
    measures_visible_to,
    overdue_measures,
    owns_round,
    pending_extensions,
    people_of,
    review_queue,
    round_counts,
    round_stats,
    rounds_in_view,
    unassigned_measures,
    workbench_counts,
)
from .timeline import timeline_chart

QUEUE_LENGTH = 20  # rows per workbench list; the link under each opens the whole list
PAGE_SIZE = 20
# Measures per page of a round: a large round holds ten thousand.
ROUND_PAGE_SIZE = 100


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its daily work is."""
    user = signed_in_user(request)
    if user.is_liaison:
        return redirect("my-tasks")
    if user.is_office:
        return redirect("workbench")
    if user.role == User.Role.LEADER:
        # A superior with reviews waiting starts at them (the dashboard is a click away).
        return redirect("my-tasks" if chain_queue(user).exists() else "dashboard")
    if user.is_supervisor:
        return redirect("supervision-home")
    return redirect("round-list")


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """我的整改任务: first what waits for the user's endorsement or review (a unit head's, a
    round's superior's), then the unit's open measures, red first, then yellow, then by
    deadline. A leader who is a round's superior reads only the first part."""
    user = signed_in_user(request)
    # Evaluated at once: the page lists it. Someone who is no liaison and has nothing waiting
    # (a superior who has just reviewed the last one) goes on to their own landing page.
    waiting = list(chain_queue(user)[:QUEUE_LENGTH])
    if not (user.is_liaison or waiting):
        messages.info(request, _("Nothing waits for your endorsement or review."))
        return redirect("home")
    tab = request.GET.get("tab", "todo")
    if tab not in TASK_TABS:
        tab = "todo"
    day = today()
    counts = liaison_task_counts(user, day)
    tasks = liaison_tasks(user, tab=tab, as_of=day) if user.is_liaison else Measure.objects.none()
    # The tab's count is one of the tabs' counts already read: not counted again.
    known = counts[tab] if user.is_liaison else 0
    in_order = liaison_tasks_in_order(user, tab=tab, as_of=day)
    page = DeferredJoinPaginator(tasks, PAGE_SIZE, count=known, in_order=in_order).page_for(
        request.GET
    )
    return render(
        request,
        "rectification/my_tasks.html",
        {
            "waiting": waiting,
            "page": page,
            "tab": tab,
            "counts": counts,
            "sections": page_sections("my_tasks", user, day=day, limit=QUEUE_LENGTH),
            "today": day,
        },
    )


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """工作台: what waits for the office, each queue with its count and its oldest rows."""
    user = signed_in_user(request)
    if not user.is_office:
        raise PermissionDenied(_("The workbench is for the inspection office's staff."))
    day = today()
    counts = workbench_counts(user, day)
    counts["extensions"] = pending_extensions(user).count()
    late = late_feedback_counts(user, day)
    counts["late_clues"], counts["late_petitions"] = late["clues"], late["petitions"]
    counts["late_feedback"] = late["clues"] + late["petitions"]
    context = {
        "sections": page_sections("workbench", user, day=day, limit=QUEUE_LENGTH),
        "today": day,
        "counts": counts,
        "review": review_queue(user)[:QUEUE_LENGTH],
        "extensions": pending_extensions(user)[:QUEUE_LENGTH],
        "overdue": overdue_measures(user, day)[:QUEUE_LENGTH],
        "due_soon": due_soon_measures(user, day)[:QUEUE_LENGTH],
        "unassigned": unassigned_measures(user)[:QUEUE_LENGTH],
        # Queried only when some are late: the workbench of an office with none pays nothing.
        "late_clues": late_clues(user, day)[:QUEUE_LENGTH] if late["clues"] else [],
        "late_petitions": late_petitions(user, day)[:QUEUE_LENGTH] if late["petitions"] else [],
        "limit": QUEUE_LENGTH,
    }
    return render(request, "rectification/workbench.html", context)


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    rounds = rounds_in_view(user).order_by("-feedback_date", "-id")
    page = DeferredJoinPaginator(rounds, PAGE_SIZE).page_for(request.GET)
    # Counted for the rounds of this page only, in one grouped query; a liaison counts their
    # unit's measures (and the problems holding them) only.
    page.object_list = list(page.object_list)
    if user.sees_jurisdiction:  # whole rounds of theirs; joint rounds' measures of theirs
        own = [r.pk for r in page.object_list if owns_round(user, r)]
        joint = [r.pk for r in page.object_list if not owns_round(user, r)]
        counts = round_counts(own)
        if joint:
            counts.update(round_counts(joint, led_in=jurisdiction_scope(user)))
    else:
        counts = round_counts([r.pk for r in page.object_list], user.unit_id)
    for inspection_round in page.object_list:
        row = counts.get(inspection_round.pk, {})
        inspection_round.problem_count = row.get("problems", 0)
        inspection_round.measure_count = row.get("measures", 0)
        inspection_round.closed_count = row.get("closed", 0)
    return render(request, "rectification/round_list.html", {"page": page, "rounds": page})


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's numbers, then its measures a page at a time, under their problems."""
    user = signed_in_user(request)
    inspection_round = get_object_or_404(rounds_in_view(user), pk=pk)
    measures = listed(measures_visible_to(user), "problem__aspect")
    measures = measures.filter(problem__round=inspection_round)
    page = DeferredJoinPaginator(measures, ROUND_PAGE_SIZE).page_for(request.GET)
    problems: dict[int, dict] = {}
    for measure in page.object_list:
        entry = problems.setdefault(
            measure.problem_id, {"problem": measure.problem, "measures": []}
        )
        entry["measures"].append(measure)
    context = {
        "round": inspection_round,
        "joint": user.sees_jurisdiction and not owns_round(user, inspection_round),
        # The inspection team (市县联动: county staff on a city's team), for office and leaders.
        "team": (
            list(inspection_round.team.select_related("jurisdiction").order_by("username"))
            if user.sees_jurisdiction
            else []
        ),
        "stats": round_stats(inspection_round, user, problem_list=False),
        "problems": sorted(problems.values(), key=lambda e: e["problem"].seq),
        "sections": page_sections("round_detail", user, inspection_round=inspection_round),
        "page": page,
        # "All matching" on the round page: every measure of the round the user sees.
        "bulk_filter": f"round={inspection_round.pk}",
    }
    return render(request, "rectification/round_detail.html", context)


# The filters a dashboard number opens the list with; the list's own form keeps them.
DRILLDOWN_FILTERS = (
    "as_of",
    "counted",
    "overdue",
    "category",
    "problem_completed",
    "due_month",
    "closed_month",
)


@login_required
def measure_list(request: HttpRequest) -> HttpResponse:
    measures = listed(measures_visible_to(signed_in_user(request)))
    filtered = MeasureFilter(request.GET, queryset=measures.order_by("deadline", "id"))
    page = DeferredJoinPaginator(filtered.qs, 50).page_for(request.GET)
    kept = [(name, request.GET[name]) for name in DRILLDOWN_FILTERS if request.GET.get(name)]
    return render(
        request,
        "rectification/measure_list.html",
        {
            "filter": filtered,
            "page": page,
            "statuses": Measure.Status.choices,
            "kept_filters": kept,
        },
    )


@login_required
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    # The measure with its problem, round, aspect and lead unit; its three people (lead
    # official, submitter, signer) in one more query: joined to the measure as well, they
    # made PostgreSQL plan for 2-5 ms a read that runs in 0.3.
    measure = get_object_or_404(
        measures_visible_to(user)
        .select_related(None)
        .select_related("problem__round", "problem__aspect", "lead_unit"),
        pk=pk,
    )
    people_of(measure)
    lead = user.is_admin or services.is_lead_liaison(user, measure)
    # Read once, shown twice (the evidence list and the timeline); the count the page asks
    # for is the list's length rather than a subquery of the measure's row.
    extensions = list(measure.extensions.select_related("requested_by", "decided_by"))
    evidence = list(measure.evidence.select_related("uploaded_by"))
    measure.evidence_count = len(evidence)  # type: ignore[attr-defined]
    context = {
        "measure": measure,
        "timeline": measure_timeline(measure, user, evidence=evidence, extensions=extensions),
        "evidence": evidence,
        "extensions": extensions,
        "has_pending_extension": any(x.status == Extension.Status.PENDING for x in extensions),
        "can_act_for_unit": lead,
        "can_review": user.is_office,
        # The head's endorsement or the superior's review, when the measure waits for it.
        "can_take_chain_step": measure.status
        in (Measure.Status.ENDORSING, Measure.Status.REVIEWING)
        and services.waits_for(user, measure),
        "is_cooperating": user.is_liaison and not lead,
        "sections": page_sections("measure_detail", user, measure=measure),
        "today": today(),
        "comments": comments.measure_comments(measure),
        "can_comment": comments.can_comment(user, measure),
        "now": timezone.now(),
    }
    return render(request, "rectification/measure_detail.html", context)


def tell_posted(request: HttpRequest, posted: comments.Posted, done: str) -> None:
    """The writer hears what became of the comment and of each mention."""
    messages.success(request, done)
    for line in posted.messages():
        messages.info(request, line)


@login_required
@require_POST
def measure_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """A new comment in the measure's thread; nothing is saved if it is refused."""
    user = signed_in_user(request)
    measure = get_object_or_404(measures_visible_to(user), pk=pk)
    back = reverse("measure-detail", args=[measure.pk]) + "#comments"
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    try:
        posted = comments.measure_comment_post(
            measure=measure, actor=user, text=form.cleaned_data["text"]
        )
    except DomainError as error:
        _refused(request, error)
        return redirect(back)
    tell_posted(request, posted, _("Comment posted."))
    return redirect(back)


@login_required
@require_POST
def measure_comment_edit(request: HttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    user = signed_in_user(request)
    measure = get_object_or_404(measures_visible_to(user), pk=pk)
    found = get_object_or_404(measure.comments, pk=comment_pk)
    back = reverse("measure-detail", args=[measure.pk]) + "#comments"
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    try:
        posted = comments.measure_comment_edit(
            comment_id=found.pk, actor=user, text=form.cleaned_data["text"]
        )
    except DomainError as error:
        _refused(request, error)
        return redirect(back)
    tell_posted(request, posted, _("Comment saved; the earlier text is kept."))
    return redirect(back)


# --- Steps taken from the pages -----------------------------------------------------------------

STEPS: dict[str, tuple[type, Callable]] = {
    "start": (StartForm, services.measure_start),
    "submit": (SubmitForm, services.measure_submit),
    "endorse": (EndorseForm, services.measure_endorse),
    "review": (ReviewForm, services.measure_review),
    "approve": (ApproveForm, services.measure_approve),
    "return": (ReturnForm, services.measure_return),
    "reopen": (ReopenForm, services.measure_reopen),
}


def _done_message(step: str) -> str:
    return {
        "start": _("The measure is now in progress."),
        "submit": _("Submitted for sign-off. The office will review it."),
        "endorse": _("Endorsed; it goes on to the next step."),
        "review": _("Reviewed; it goes on to the office for sign-off."),
        "approve": _("Signed off."),
        "return": _("Returned to the unit with your reason."),
        "reopen": _("Reopened with its new deadline."),
    }[step]


def _back(request: HttpRequest, measure_id: int | None = None) -> str:
    """Where a step returns to: the page it came from, if it is ours, else the measure."""
    if measure_id is not None:
        return posted_next(request, reverse("measure-detail", args=[measure_id]))
    return posted_next(request, reverse("home"))


def _refused(request: HttpRequest, error: DomainError) -> None:
    """A refused step as a message: what the service said, and for a stale page how to go on."""
    if isinstance(error, StaleVersion):
        messages.error(
            request,
            _(
                "Someone else changed this measure after you opened it. The page now shows "
                "the current record; check it and try again."
            ),
        )
    else:
        messages.error(request, error.message)


@login_required
@require_POST
def measure_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    measure = get_object_or_404(measures_visible_to(signed_in_user(request)), pk=pk)
    if step not in STEPS:
        raise PermissionDenied(_("There is no such step."))
    form_class, service = STEPS[step]
    form = form_class(request.POST, request.FILES)
    back = _back(request, measure.pk)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(back)
    data = dict(form.cleaned_data)
    version = data.pop("version", None)
    # A sign-off with nothing to show for it is confirmed, not taken by a slip of the hand;
    # the box is on the page, and this check holds without its script.
    if step == "approve" and not data.pop("without_evidence") and not measure.evidence.exists():
        messages.error(
            request,
            _(
                "This measure has no evidence file. "
                "Tick “Sign off without evidence” to sign it off."
            ),
        )
        return redirect(back)
    try:
        moved = service(
            measure_id=measure.pk, actor=signed_in_user(request), expected_version=version, **data
        )
    except DomainError as error:
        _refused(request, error)
        return redirect(back)
    if moved.status == Measure.Status.ENDORSING:
        messages.success(
            request, _("Submitted; it now waits for the endorsement of the unit's head.")
        )
    else:
        messages.success(request, _done_message(step))
    return redirect(back)


@login_required
@require_POST
def measure_progress(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_object_or_404(measures_visible_to(signed_in_user(request)), pk=pk)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
    else:
        try:
            services.progress_report_create(
                measure_id=measure.pk, actor=signed_in_user(request), **form.cleaned_data
            )
            messages.success(request, _("Progress reported."))
        except DomainError as error:
            _refused(request, error)
    return redirect(_back(request, measure.pk))


@login_required
@require_POST
def measure_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Several evidence files at once: all are saved, or none (the first refusal is shown)."""
    measure = get_object_or_404(measures_visible_to(signed_in_user(request)), pk=pk)
    form = EvidenceForm(request.POST)
    files = request.FILES.getlist("file")
    if not files:
        messages.error(request, _("Choose at least one file."))
    elif not form.is_valid():
        messages.error(request, first_error(form))
    else:
        try:
            with transaction.atomic():
                for uploaded in files:
                    services.evidence_upload(
                        measure_id=measure.pk,
                        actor=signed_in_user(request),
                        uploaded_file=uploaded,
                        description=form.cleaned_data["description"],
                    )
            messages.success(request, _("%(n)d file(s) uploaded.") % {"n": len(files)})
        except DomainError as error:
            messages.error(request, f"{uploaded.name}：{error.message}")
    return redirect(_back(request, measure.pk))


@login_required
@require_POST
def measure_extension(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_object_or_404(measures_visible_to(signed_in_user(request)), pk=pk)
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
    else:
        try:
            services.extension_request(
                measure_id=measure.pk, actor=signed_in_user(request), **form.cleaned_data
            )
            messages.success(request, _("Extension requested. The office will decide."))
        except DomainError as error:
            _refused(request, error)
    return redirect(_back(request, measure.pk))


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    extension = get_object_or_404(extensions_visible_to(signed_in_user(request)), pk=pk)
    service = {
        "approve": services.extension_approve,
        "reject": services.extension_reject,
    }.get(decision)
    if service is None:
        raise PermissionDenied(_("There is no such step."))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
    else:
        try:
            service(extension_id=extension.pk, actor=signed_in_user(request), **form.cleaned_data)
            messages.success(
                request,
                _("Extension approved; the new deadline is in force.")
                if decision == "approve"
                else _("Extension rejected."),
            )
        except DomainError as error:
            _refused(request, error)
    return redirect(_back(request, extension.measure_id))


# --- The office enters and edits problems and measures -----------------------------------------


def _require_office(request: HttpRequest) -> None:
    if not signed_in_user(request).is_office:
        raise PermissionDenied(_("Only office staff can enter and edit problems and measures."))


def _measure_rows(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms if form.has_changed()]


def _show_refusal(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
def problem_create(request: HttpRequest, round_pk: int) -> HttpResponse:
    """A new problem with several measures at once, units and deadlines included."""
    _require_office(request)
    inspection_round = get_object_or_404(rounds_owned_by(signed_in_user(request)), pk=round_pk)
    data = request.POST if request.method == "POST" else None
    form = ProblemForm(data, inspection_round=inspection_round, prefix="problem")
    formset = MeasureFormSet(data, form_kwargs={"user": signed_in_user(request)}, prefix="measures")
    if data is not None and form.is_valid() and formset.is_valid():
        rows = _measure_rows(formset)
        if not rows:
            form.add_error(None, _("Write at least one measure."))
        else:
            try:
                problem = services.problem_with_measures_create(
                    actor=signed_in_user(request),
                    inspection_round=inspection_round,
                    problem_fields=form.cleaned_data,
                    measures=rows,
                )
            except DomainError as error:
                _show_refusal(form, error)
            else:
                messages.success(
                    request,
                    _("Problem %(seq)d is saved with %(n)d measure(s).")
                    % {"seq": problem.seq, "n": len(rows)},
                )
                return redirect("round-detail", inspection_round.pk)
    return render(
        request,
        "rectification/problem_form.html",
        {"form": form, "formset": formset, "round": inspection_round},
    )


@login_required
def problem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_office(request)
    problem = get_object_or_404(problems_visible_to(signed_in_user(request)), pk=pk)
    data = request.POST if request.method == "POST" else None
    form = ProblemForm(data, instance=problem, inspection_round=problem.round, prefix="problem")
    if data is not None and form.is_valid():
        try:
            problem_update(actor=signed_in_user(request), problem=problem, fields=form.cleaned_data)
        except DomainError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("The problem is saved."))
            return redirect("round-detail", problem.round_id)
    return render(
        request,
        "rectification/problem_form.html",
        {"form": form, "formset": None, "round": problem.round, "problem": problem},
    )


@login_required
def measures_add(request: HttpRequest, problem_pk: int) -> HttpResponse:
    _require_office(request)
    problem = get_object_or_404(problems_visible_to(signed_in_user(request)), pk=problem_pk)
    data = request.POST if request.method == "POST" else None
    formset = MeasureFormSet(data, form_kwargs={"user": signed_in_user(request)}, prefix="measures")
    if data is not None and formset.is_valid():
        rows = _measure_rows(formset)
        try:
            services.measures_add(actor=signed_in_user(request), problem=problem, measures=rows)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(n)d measure(s) added.") % {"n": len(rows)})
            return redirect("round-detail", problem.round_id)
    return render(
        request,
        "rectification/problem_form.html",
        {"form": None, "formset": formset, "round": problem.round, "problem": problem},
    )


@login_required
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a measure's text, lead official and units, deadline and kind; each change goes
    into its history. A stale page (someone saved in between) is refused, not overwritten."""
    _require_office(request)
    measure = get_object_or_404(measures_visible_to(signed_in_user(request)), pk=pk)
    data = request.POST if request.method == "POST" else None
    form = MeasureForm(data, instance=measure, user=signed_in_user(request))
    version = VersionForm(data or {"version": measure.version})
    if data is not None and form.is_valid() and version.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.measure_update(
                measure_id=measure.pk,
                actor=signed_in_user(request),
                changes=changes,
                expected_version=version.cleaned_data["version"],
            )
        except StaleVersion:
            messages.error(
                request,
                _("Someone else changed this measure after you opened it; nothing was saved."),
            )
            return redirect("measure-edit", measure.pk)
        except DomainError as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("The measure is saved."))
            return redirect("measure-detail", measure.pk)
    return render(
        request,
        "rectification/measure_form.html",
        {"form": form, "measure": measure, "version": measure.version},
    )


# --- Bulk actions (批量操作) ---------------------------------------------------------------------


@login_required
@require_POST
def measure_bulk(request: HttpRequest) -> HttpResponse:
    """The selected measures (ticked, or all matching the list's filter), an action on them,
    its preview (how many it changes, or which measures block it), then the action itself."""
    _require_office(request)
    user = signed_in_user(request)
    back = posted_next(request, reverse("measure-list"))
    try:
        targets = bulk.select_posted(user, request.POST)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    context = bulk_page_context(request, targets)
    form = BulkActionForm(request.POST if "action" in request.POST else None, user=user)
    context["form"] = form
    context["sections"] = page_sections("measure_bulk", user, count=len(targets))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        common: dict[str, Any] = {"actor": user, "targets": targets}
        runs: dict[str, Callable[..., bulk.Outcome]] = {
            "update": lambda **k: bulk.bulk_update(changes=form.changes(), **common, **k),
            "shift_deadlines": lambda **k: bulk.bulk_shift_deadlines(
                days=data["days"], reason=data["reason"], **common, **k
            ),
            "approve": lambda **k: bulk.bulk_approve(comment=data["comment"], **common, **k),
            "return": lambda **k: bulk.bulk_return(reason=data["reason"], **common, **k),
        }
        if bulk_outcome(request, context, runs[data["action"]]):
            return redirect(back)
    return render(request, "rectification/measure_bulk.html", context)


# --- The round timeline (挂图作战) ------------------------------------------------------------


@login_required
def round_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    inspection_round = get_object_or_404(rounds_in_view(signed_in_user(request)), pk=pk)
    measures = measures_visible_to(signed_in_user(request)).filter(problem__round=inspection_round)
    chart = timeline_chart(inspection_round, list(measures), today())
    return render(
        request,
        "rectification/round_timeline.html",
        {"round": inspection_round, "chart": chart},
    )

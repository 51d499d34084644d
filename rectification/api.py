"""API for measures: CRUD with filters and optimistic concurrency; transitions below."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.auth import signed_in_user
from accounts.models import User
from accounts.selectors import units_assignable_by, users_visible_to
from config.api import OfficeWritesOthersRead, PlannedRepresentation, VisibleRelatedField
from config.errors import PreconditionRequired, StaleVersion
from config.seq import seq_field
from config.uploads import CONTENT_TYPES
from config.viewsets import ScopedViewSet
from findings.selectors import problems_visible_to

from . import bulk, comments, services
from .bulk_serializers import (
    BULK_RESPONSES,
    MeasureBulkSerializer,
    outcome_data,
    refusal_response,
)
from .filters import MeasureFilter
from .models import (
    Evidence,
    Extension,
    Measure,
    MeasureComment,
    ProgressReport,
    StatusChange,
)
from .selectors import (
    evidence_visible_to,
    extensions_visible_to,
    listed,
    measure_history,
    measures_visible_to,
    scope_in_order,
)
from .thread_serializers import (
    CommentTextSerializer,
    PostedCommentSerializer,
    ThreadCommentSerializer,
    posted_data,
)


class MeasureSerializer(PlannedRepresentation, serializers.ModelSerializer):
    problem = VisibleRelatedField(visible_to=problems_visible_to)
    seq = seq_field()
    round = serializers.IntegerField(source="problem.round_id", read_only=True)
    problem_title = serializers.CharField(source="problem.title", read_only=True)
    lead_unit = VisibleRelatedField(visible_to=units_assignable_by, required=False, allow_null=True)
    lead_unit_name = serializers.CharField(
        source="lead_unit.name", read_only=True, default=None, allow_null=True
    )
    lead_official_user = VisibleRelatedField(
        visible_to=users_visible_to, required=False, allow_null=True
    )
    cooperating_units = VisibleRelatedField(
        visible_to=units_assignable_by, many=True, required=False
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.SerializerMethodField()
    colour = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = [
            "id",
            "round",
            "problem",
            "problem_title",
            "seq",
            "text",
            "lead_official",
            "lead_official_user",
            "lead_unit",
            "lead_unit_name",
            "cooperating_units",
            "deadline",
            "is_long_term",
            "is_immediate",
            "status",
            "status_label",
            "is_overdue",
            "colour",
            "result_summary",
            "submitted_at",
            "closed_at",
            "closed_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "result_summary",
            "submitted_at",
            "closed_at",
            "closed_by",
            "version",
            "created_at",
            "updated_at",
        ]
        validators: list = []

    def get_is_overdue(self, measure: Measure) -> bool:
        return measure.is_overdue()

    def get_colour(self, measure: Measure) -> str:
        return measure.warning_colour()

    def validate(self, attrs: dict) -> dict:
        deadline = attrs.get("deadline", getattr(self.instance, "deadline", None))
        is_long_term = attrs.get("is_long_term", getattr(self.instance, "is_long_term", False))
        if deadline is None and not is_long_term:
            raise serializers.ValidationError(
                {"deadline": [_("A measure needs a deadline unless it is long-term.")]}
            )
        return attrs


# `"3"`, `W/"3"`, or a bare `3` as earlier clients sent it; anything else names no version.
ETAG_PATTERN = re.compile(r'(?:W/)?"(\d{1,12})"|(\d{1,12})')


def expected_version(request: Request, measure: Measure | None = None) -> int | None:
    """The version an If-Match header names (`"3"`, `W/"3"`, a list, or `*`), if any.

    RFC 9110: a header that names no current version fails the precondition (412) whatever
    it holds (`W/"abc"`, `"0"`); a well-formed list matches if any member does.
    """
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    versions = set()
    for tag in raw.split(","):
        match = ETAG_PATTERN.fullmatch(tag.strip())
        if match:
            versions.add(int(match.group(1) or match.group(2)))
    if measure is not None and measure.version in versions:
        return measure.version
    if measure is None and len(versions) == 1:
        return versions.pop()
    if measure is not None and len(versions) == 1:
        services.check_version(measure, versions.pop())  # raises, naming both versions
    raise StaleVersion(
        _("If-Match names %(sent)s, but the measure is now version %(now)s. Reload it.")
        % {"sent": raw[:40], "now": measure.version if measure else "?"}
    )


def required_version(request: Request, measure: Measure) -> int | None:
    """Edits and deletions of a measure must say which version they change (428 without)."""
    if not request.headers.get("If-Match", "").strip():
        raise PreconditionRequired(
            _('Send If-Match with the ETag of the measure (such as "3") to change it.')
        )
    return expected_version(request, measure)


def etag(measure: Measure) -> str:
    return f'"{measure.version}"'


# --- Transitions, progress and history --------------------------------------------------------


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


# The texts a step needs are checked by its service, after who may take the step and from
# which state: an outsider learns nothing from which field is missing.
class SubmitSerializer(CommentSerializer):
    result_summary = serializers.CharField(
        max_length=10000, allow_blank=True, required=False, default=""
    )


class EndorseSerializer(CommentSerializer):
    evidence_file = serializers.FileField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The signed endorsement as a scan (multipart); kept as evidence.",
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ReopenSerializer(ReasonSerializer):
    deadline = serializers.DateField(required=False, allow_null=True, default=None)


class ProgressReportSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.__str__", read_only=True)
    period = serializers.CharField(max_length=10, required=False)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "measure",
            "author",
            "author_name",
            "period",
            "text",
            "percent",
            "created_at",
        ]
        read_only_fields = ["measure", "author", "created_at"]
        extra_kwargs = {
            "text": {"max_length": 10000},
            "percent": {"min_value": 0, "max_value": 100},
        }


class HistorySerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.__str__", read_only=True)
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    old = serializers.CharField(source="old_value", read_only=True)
    new = serializers.CharField(source="new_value", read_only=True)

    class Meta:
        model = StatusChange
        fields = [
            "id",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "actor",
            "actor_name",
            "at",
            "comment",
            "field",
            "old",
            "new",
        ]
        read_only_fields = fields


def _transition_action(name: str, serializer_class, service):
    """A POST endpoint that validates its body, calls one service and answers the measure."""

    @extend_schema(request=serializer_class, responses=MeasureSerializer)
    def endpoint(self, request: Request, pk: str | None = None) -> Response:
        measure = self.get_object()
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        service(
            measure_id=measure.pk,
            actor=signed_in_user(request),
            expected_version=expected_version(request, measure),
            **body.validated_data,
        )
        return self._respond(measure.pk)

    endpoint.__name__ = name
    return endpoint


class MeasureWorkflowMixin:
    """The measure's life (DESIGN.md section 5); every rule is in rectification.services."""

    if TYPE_CHECKING:
        # Provided by the viewset the mixin is combined with.
        def get_object(self) -> Measure: ...

    start = action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])(
        _transition_action("start", CommentSerializer, services.measure_start)
    )
    submit = action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])(
        _transition_action("submit", SubmitSerializer, services.measure_submit)
    )
    endorse = action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])(
        _transition_action("endorse", EndorseSerializer, services.measure_endorse)
    )
    review = action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])(
        _transition_action("review", CommentSerializer, services.measure_review)
    )
    approve = action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])(
        _transition_action("approve", CommentSerializer, services.measure_approve)
    )
    return_ = action(
        detail=True,
        methods=["post"],
        url_path="return",
        url_name="return",
        permission_classes=[IsAuthenticated],
    )(_transition_action("return_", ReasonSerializer, services.measure_return))
    reopen = action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])(
        _transition_action("reopen", ReopenSerializer, services.measure_reopen)
    )

    @extend_schema(responses=HistorySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every status change and field edit, oldest first."""
        rows = measure_history(self.get_object(), signed_in_user(request))
        return Response(HistorySerializer(rows, many=True).data)

    @extend_schema(methods=["GET"], responses=ThreadCommentSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=CommentTextSerializer, responses={201: PostedCommentSerializer}
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="comments",
        pagination_class=None,
        permission_classes=[IsAuthenticated],
    )
    def comments(self, request: Request, pk: str | None = None) -> Response:
        """The measure's thread (留言), oldest first; POST writes a comment, `@name` mentions."""
        measure = self.get_object()
        if request.method == "GET":
            rows = comments.measure_comments(measure)
            return Response(ThreadCommentSerializer(rows, many=True).data)
        body = CommentTextSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        posted = comments.measure_comment_post(
            measure=measure, actor=signed_in_user(request), text=body.validated_data["text"]
        )
        return Response(posted_data(posted), status=status.HTTP_201_CREATED)

    @extend_schema(request=CommentTextSerializer, responses=PostedCommentSerializer)
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"comments/(?P<comment_id>[0-9]{1,18})",
        url_name="comment",
        permission_classes=[IsAuthenticated],
    )
    def comment(self, request: Request, pk: str | None = None, comment_id: str = "") -> Response:
        """Its author's edit of a comment within minutes of writing; the earlier text is kept."""
        measure = self.get_object()
        found = get_object_or_404(MeasureComment, pk=int(comment_id), measure=measure)
        body = CommentTextSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        posted = comments.measure_comment_edit(
            comment_id=found.pk, actor=signed_in_user(request), text=body.validated_data["text"]
        )
        return Response(posted_data(posted))

    @extend_schema(methods=["GET"], responses=ProgressReportSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=ProgressReportSerializer,
        responses={201: ProgressReportSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        permission_classes=[IsAuthenticated],
    )
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """Progress reports (进展报告) in the order they were written."""
        measure = self.get_object()
        if request.method == "GET":
            rows = measure.progress.select_related("author").order_by("created_at", "id")
            return Response(ProgressReportSerializer(rows, many=True).data)
        body = ProgressReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.progress_report_create(
            measure_id=measure.pk, actor=signed_in_user(request), **body.validated_data
        )
        return Response(ProgressReportSerializer(report).data, status=status.HTTP_201_CREATED)


# --- Evidence -----------------------------------------------------------------------------------


class EvidenceSerializer(serializers.ModelSerializer):
    measure = VisibleRelatedField(visible_to=measures_visible_to)
    file = serializers.FileField(write_only=True, max_length=255)
    uploaded_by_name = serializers.CharField(source="uploaded_by.__str__", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "measure",
            "file",
            "original_name",
            "size",
            "content_type",
            "sha256",
            "description",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = [
            "original_name",
            "size",
            "content_type",
            "sha256",
            "uploaded_by",
            "uploaded_at",
        ]

    def get_download_url(self, evidence: Evidence) -> str:
        return reverse("api:evidence-download", args=[evidence.pk])


class EvidenceViewSet(ScopedViewSet):
    """Evidence files (佐证材料): uploaded as multipart, downloaded only through `download/`."""

    selector = staticmethod(evidence_visible_to)
    queryset = Evidence.objects.none()
    serializer_class = EvidenceSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    filterset_fields = ["measure"]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        evidence = services.evidence_upload(
            measure_id=body.validated_data["measure"].pk,
            actor=signed_in_user(request),
            uploaded_file=body.validated_data["file"],
            description=body.validated_data.get("description", ""),
        )
        return Response(self.get_serializer(evidence).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.evidence_delete(evidence_id=self.get_object().pk, actor=signed_in_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={
            (200, content_type): OpenApiTypes.BINARY
            for content_type in sorted(set(CONTENT_TYPES.values()))
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        """The file itself, as an attachment, for those who may see its measure."""
        evidence = self.get_object()
        return FileResponse(
            evidence.file.open("rb"),
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )


# --- Extensions ---------------------------------------------------------------------------------


class ExtensionSerializer(serializers.ModelSerializer):
    measure = VisibleRelatedField(visible_to=measures_visible_to)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.__str__", read_only=True)

    class Meta:
        model = Extension
        fields = [
            "id",
            "measure",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "old_deadline",
            "new_deadline",
            "reason",
            "status",
            "status_label",
            "decided_by",
            "decided_at",
            "decision_comment",
        ]
        read_only_fields = [
            "requested_by",
            "requested_at",
            "old_deadline",
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
        ]
        extra_kwargs = {"reason": {"max_length": 2000, "allow_blank": True}}


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ExtensionViewSet(ScopedViewSet):
    """Extension requests (延期申请): liaisons ask, office decides."""

    selector = staticmethod(extensions_visible_to)
    queryset = Extension.objects.none()
    serializer_class = ExtensionSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["measure", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        extension = services.extension_request(
            measure_id=body.validated_data["measure"].pk,
            actor=signed_in_user(request),
            new_deadline=body.validated_data["new_deadline"],
            reason=body.validated_data["reason"],
        )
        return Response(self.get_serializer(extension).data, status=status.HTTP_201_CREATED)

    def _decide(self, request: Request, service) -> Response:
        extension = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = service(
            extension_id=extension.pk, actor=signed_in_user(request), **body.validated_data
        )
        return Response(self.get_serializer(decided).data)

    @extend_schema(request=DecisionSerializer, responses=ExtensionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, services.extension_approve)

    @extend_schema(request=DecisionSerializer, responses=ExtensionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, services.extension_reject)


def measures_shown_to(user: User) -> QuerySet[Measure]:
    """The measures `user` sees, with what MeasureSerializer reads: the problem and the lead
    unit joined, the cooperating units fetched (the people it names are keys only)."""
    return listed(measures_visible_to(user)).prefetch_related("cooperating_units")


class MeasureViewSet(MeasureWorkflowMixin, ScopedViewSet):
    """Rectification measures (整改措施). GET of one answers its ETag; writes take If-Match."""

    selector = staticmethod(measures_shown_to)
    queryset = Measure.objects.none()

    serializer_class = MeasureSerializer
    permission_classes = [OfficeWritesOthersRead]
    filterset_class = MeasureFilter
    ordering_fields = ["deadline", "seq", "id", "status", "updated_at"]

    # Parameters that neither filter nor order the list.
    UNFILTERED = frozenset({"page", "page_size", "format"})

    def paginator_options(self, request: Request) -> dict[str, Any]:
        """All that a liaison sees, unfiltered and in its own order, is counted and cut into
        pages by problem from the membership index (selectors.ScopeInOrder)."""
        if self.action != "list" or not set(request.query_params) <= self.UNFILTERED:
            return {}
        in_order = scope_in_order(signed_in_user(request))
        return {"in_order": in_order} if in_order is not None else {}

    def _answer(self, measure: Measure, code: int = status.HTTP_200_OK) -> Response:
        response = Response(self.get_serializer(measure).data, status=code)
        response["ETag"] = etag(measure)
        return response

    def _respond(self, measure_id: int, code: int = status.HTTP_200_OK) -> Response:
        """Answer a measure just written, read again with everything the serializer shows."""
        return self._answer(self.get_queryset().get(pk=measure_id), code)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self._answer(self.get_object())

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        measure = services.measure_create(
            actor=signed_in_user(request), **serializer.validated_data
        )
        return self._respond(measure.pk, status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        measure = self.get_object()
        # The precondition first: a write that names no version is refused whatever it holds.
        version = required_version(request, measure)
        serializer = self.get_serializer(measure, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.measure_update(
            measure_id=measure.pk,
            actor=signed_in_user(request),
            changes=serializer.validated_data,
            expected_version=version,
        )
        return self._respond(measure.pk)

    @extend_schema(request=MeasureBulkSerializer, responses=BULK_RESPONSES)
    @action(detail=False, methods=["post"], url_path="bulk", permission_classes=[IsAuthenticated])
    def bulk(self, request: Request) -> Response:
        """One action over many measures (批量操作), all or nothing: `ids` or `filter`, then
        `preview: true` to learn what it would change; 403/409 name the measures that block."""
        body = MeasureBulkSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        actor = signed_in_user(request)
        targets = body.targets(actor)
        common = {
            "actor": actor,
            "targets": targets,
            "preview": data["preview"],
            "versions": data.get("versions"),
        }
        try:
            if data["action"] == "update":
                outcome = bulk.bulk_update(changes=dict(data["fields"]), **common)
            elif data["action"] == "shift_deadlines":
                outcome = bulk.bulk_shift_deadlines(
                    days=data["days"], reason=data["reason"], **common
                )
            elif data["action"] == "approve":
                outcome = bulk.bulk_approve(comment=data["comment"], **common)
            else:
                outcome = bulk.bulk_return(reason=data["reason"], **common)
        except bulk.BulkRefused as error:
            return refusal_response(error)
        return Response(outcome_data(outcome))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        measure = self.get_object()
        services.measure_delete(
            measure_id=measure.pk,
            actor=signed_in_user(request),
            expected_version=required_version(request, measure),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

"""API of supervision (DESIGN.md section 10): urge notices with their replies (`urges/`);
thin: each write calls one service of supervision.urges, groups, lookback or evaluation."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.auth import signed_in_user
from accounts.models import Unit, User
from accounts.selectors import of_jurisdictions, units_visible_to, users_visible_to
from config.api import VisibleRelatedField
from config.viewsets import ScopedReadOnlyViewSet, ScopedViewSet
from findings.models import Problem
from inspections.models import InspectionRound
from inspections.selectors import rounds_owned_by
from rectification import bulk
from rectification.bulk_serializers import (
    BULK_RESPONSES,
    BulkSelectionSerializer,
    outcome_data,
    refusal_response,
)
from rectification.models import Evidence, Measure, today
from rectification.selectors import evidence_visible_to, measures_visible_to, rounds_in_view
from rectification.thread_serializers import (
    CommentTextSerializer,
    PostedCommentSerializer,
    ThreadCommentSerializer,
    posted_data,
)

from . import evaluation, groups, jurisdiction_evaluation, lookback, urge_comments, urges
from .models import (
    Evaluation,
    EvaluationScheme,
    EvaluationScore,
    JurisdictionEvaluation,
    JurisdictionScore,
    LookBack,
    LookBackItem,
    RedBlackList,
    SupervisionGroup,
    SupervisionVisit,
    UrgeComment,
    UrgeNotice,
    UrgeReply,
)

# --- Urge notices ------------------------------------------------------------------------------


class ReplyEvidenceSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "measure", "original_name", "size", "download_url"]
        read_only_fields = fields

    def get_download_url(self, evidence: Evidence) -> str:
        return reverse("api:evidence-download", args=[evidence.pk])


class UrgeReplySerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.__str__", read_only=True)
    evidence = ReplyEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = UrgeReply
        fields = ["id", "notice", "author", "author_name", "text", "at", "evidence"]
        read_only_fields = fields


class UrgeNoticeSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    measures = serializers.PrimaryKeyRelatedField[Measure](many=True, read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    issued_by_name = serializers.CharField(source="issued_by.__str__", read_only=True)
    is_overdue = serializers.SerializerMethodField()
    replies = UrgeReplySerializer(many=True, read_only=True)

    class Meta:
        model = UrgeNotice
        fields = [
            "id",
            "round",
            "unit",
            "unit_name",
            "measure",
            "measures",
            "level",
            "level_label",
            "reason",
            "reply_due",
            "issued_by",
            "issued_by_name",
            "issued_at",
            "group",
            "visit",
            "status",
            "status_label",
            "is_overdue",
            "replaced_by",
            "decided_by",
            "decided_at",
            "decision_comment",
            "replies",
        ]
        read_only_fields = fields

    def get_is_overdue(self, notice: UrgeNotice) -> bool:
        """Waiting for a reply past the day it was due."""
        return notice.status == UrgeNotice.Status.OPEN and notice.reply_due < today()


class UrgeIssueSerializer(serializers.Serializer):
    measure = VisibleRelatedField(
        visible_to=measures_visible_to,
        queryset=Measure.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    unit = VisibleRelatedField(
        visible_to=units_visible_to,
        queryset=Unit.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    # The queryset names the model for the schema; requests are checked against visible_to.
    measures = VisibleRelatedField(
        visible_to=measures_visible_to,
        queryset=Measure.objects.all(),
        many=True,
        required=False,
    )
    level = serializers.ChoiceField(choices=UrgeNotice.Level.choices)
    reason = serializers.CharField(max_length=5000, allow_blank=True)
    reply_due = serializers.DateField()


class BulkUrgeSerializer(BulkSelectionSerializer):
    level = serializers.ChoiceField(choices=UrgeNotice.Level.choices)
    reason = serializers.CharField(max_length=5000, allow_blank=True)
    reply_due = serializers.DateField()


class UrgeReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000, allow_blank=True)
    evidence = VisibleRelatedField(
        visible_to=evidence_visible_to,
        queryset=Evidence.objects.all(),
        many=True,
        required=False,
    )


class UrgeAcceptSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class UrgeEscalateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=UrgeNotice.Level.choices, required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(max_length=5000, allow_blank=True)
    reply_due = serializers.DateField()


class UrgeNoticeFilter(django_filters.FilterSet):
    measure = django_filters.NumberFilter(field_name="measures", distinct=True)
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = UrgeNotice
        fields = ["status", "level", "unit", "round", "group"]

    def filter_overdue(self, queryset, name: str, value: bool | None):
        if value is None:
            return queryset
        waiting = {"status": UrgeNotice.Status.OPEN, "reply_due__lt": today()}
        return queryset.filter(**waiting) if value else queryset.exclude(**waiting)


class UrgeNoticeViewSet(ScopedViewSet):
    """Urge notices (督办单): office (or a supervision group) issues, the unit's liaison
    replies, the issuer accepts or presses again at a higher level."""

    selector = staticmethod(lambda user: urges.with_replies(urges.urges_visible_to(user)))
    queryset = UrgeNotice.objects.none()
    serializer_class = UrgeNoticeSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = UrgeNoticeFilter
    ordering_fields = ["issued_at", "reply_due", "id", "level"]
    # PATCH only for a comment's edit (comments/{id}/): a notice itself changes by its steps.
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(exclude=True)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        raise MethodNotAllowed(request.method or "PATCH")

    def _answer(self, notice_id: int, code: int = status.HTTP_200_OK) -> Response:
        notice = self.get_queryset().get(pk=notice_id)
        return Response(UrgeNoticeSerializer(notice).data, status=code)

    @extend_schema(request=UrgeIssueSerializer, responses={201: UrgeNoticeSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        body = UrgeIssueSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        notice = urges.urge_issue(
            actor=signed_in_user(request),
            measure=data["measure"],
            unit=data["unit"],
            measures=data.get("measures", []),
            level=data["level"],
            reason=data["reason"],
            reply_due=data["reply_due"],
        )
        return self._answer(notice.pk, status.HTTP_201_CREATED)

    @extend_schema(request=BulkUrgeSerializer, responses=BULK_RESPONSES)
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request: Request) -> Response:
        """One notice to each lead unit over the selected measures (`ids` or `filter`), all
        issued or none; `preview: true` issues nothing. 403/409 name the blocking measures."""
        body = BulkUrgeSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        actor = signed_in_user(request)
        try:
            outcome = urges.urge_issue_bulk(
                actor=actor,
                targets=body.targets(actor),
                level=data["level"],
                reason=data["reason"],
                reply_due=data["reply_due"],
                preview=data["preview"],
                versions=data.get("versions"),
            )
        except bulk.BulkRefused as error:
            return refusal_response(error)
        return Response(outcome_data(outcome))

    @extend_schema(methods=["GET"], responses=ThreadCommentSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=CommentTextSerializer, responses={201: PostedCommentSerializer}
    )
    @action(detail=True, methods=["get", "post"], url_path="comments", pagination_class=None)
    def comments(self, request: Request, pk: str | None = None) -> Response:
        """The notice's thread (留言), oldest first; POST writes a comment, `@name` mentions."""
        notice = self.get_object()
        if request.method == "GET":
            rows = urge_comments.urge_comments(notice)
            return Response(ThreadCommentSerializer(rows, many=True).data)
        body = CommentTextSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        posted = urge_comments.urge_comment_post(
            notice=notice, actor=signed_in_user(request), text=body.validated_data["text"]
        )
        return Response(posted_data(posted), status=status.HTTP_201_CREATED)

    @extend_schema(request=CommentTextSerializer, responses=PostedCommentSerializer)
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"comments/(?P<comment_id>[0-9]{1,18})",
        url_name="comment",
    )
    def comment(self, request: Request, pk: str | None = None, comment_id: str = "") -> Response:
        """Its author's edit of a comment within minutes of writing; the earlier text is kept."""
        notice = self.get_object()
        found = get_object_or_404(UrgeComment, pk=int(comment_id), notice=notice)
        body = CommentTextSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        posted = urge_comments.urge_comment_edit(
            comment_id=found.pk, actor=signed_in_user(request), text=body.validated_data["text"]
        )
        return Response(posted_data(posted))

    @extend_schema(request=UrgeReplyInputSerializer, responses={201: UrgeNoticeSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str | None = None) -> Response:
        notice = self.get_object()
        body = UrgeReplyInputSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        urges.urge_reply(
            notice_id=notice.pk,
            actor=signed_in_user(request),
            text=body.validated_data["text"],
            evidence=body.validated_data.get("evidence", []),
        )
        return self._answer(notice.pk, status.HTTP_201_CREATED)

    @extend_schema(request=UrgeAcceptSerializer, responses=UrgeNoticeSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        notice = self.get_object()
        body = UrgeAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        urges.urge_accept(notice_id=notice.pk, actor=signed_in_user(request), **body.validated_data)
        return self._answer(notice.pk)

    @extend_schema(request=UrgeEscalateSerializer, responses={201: UrgeNoticeSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, pk: str | None = None) -> Response:
        """Press again: answers the new, higher notice that replaces this one."""
        notice = self.get_object()
        body = UrgeEscalateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        successor = urges.urge_escalate(
            notice_id=notice.pk, actor=signed_in_user(request), **body.validated_data
        )
        return self._answer(successor.pk, status.HTTP_201_CREATED)


# --- Look-back reviews ----------------------------------------------------------------------


class LookBackSerializer(serializers.ModelSerializer):
    started_by_name = serializers.CharField(source="started_by.__str__", read_only=True)
    sampled = serializers.IntegerField(read_only=True)
    checked = serializers.IntegerField(read_only=True)
    holding = serializers.IntegerField(read_only=True)
    relapsed = serializers.IntegerField(read_only=True, help_text="Each reopened its measure")
    reclosed = serializers.IntegerField(read_only=True, help_text="Relapsed, signed off since")

    class Meta:
        model = LookBack
        fields = [
            "id",
            "round",
            "started_by",
            "started_by_name",
            "sample_size",
            "seed",
            "note",
            "started_at",
            "finished_at",
            "sampled",
            "checked",
            "holding",
            "relapsed",
            "reclosed",
        ]
        read_only_fields = fields


class LookBackStartSerializer(serializers.Serializer):
    round = VisibleRelatedField(visible_to=rounds_owned_by, queryset=InspectionRound.objects.all())
    sample_size = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text="Empty: all closed"
    )
    seed = serializers.IntegerField(
        min_value=0, max_value=lookback.MAX_SEED, required=False, allow_null=True, default=None
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class LookBackItemSerializer(serializers.ModelSerializer):
    measure_text = serializers.CharField(source="measure.text", read_only=True)
    lead_unit = serializers.IntegerField(source="measure.lead_unit_id", read_only=True)
    measure_status = serializers.CharField(source="measure.status", read_only=True)
    verdict_label = serializers.CharField(source="get_verdict_display", read_only=True)

    class Meta:
        model = LookBackItem
        fields = [
            "id",
            "look_back",
            "measure",
            "measure_text",
            "lead_unit",
            "measure_status",
            "verdict",
            "verdict_label",
            "reason",
            "new_deadline",
            "checked_by",
            "checked_at",
        ]
        read_only_fields = fields


class VerdictSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(
        choices=[LookBackItem.Verdict.HOLDING, LookBackItem.Verdict.RELAPSED]
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    deadline = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="New deadline of a relapse"
    )


class LookBackViewSet(ScopedViewSet):
    """Look-back reviews (回头看) of a round: POST starts one (all closed measures, or a
    sample of `sample_size` drawn with `seed`, stored so the sample can be drawn again)."""

    selector = staticmethod(lookback.look_backs_visible_to)
    queryset = LookBack.objects.none()
    serializer_class = LookBackSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["round"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=LookBackStartSerializer, responses={201: LookBackSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        body = LookBackStartSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        look_back = lookback.look_back_start(
            actor=signed_in_user(request), inspection_round=data.pop("round"), **data
        )
        answer = self.get_queryset().get(pk=look_back.pk)
        return Response(LookBackSerializer(answer).data, status=status.HTTP_201_CREATED)


class LookBackItemViewSet(ScopedReadOnlyViewSet):
    """The measures of look-backs and their verdicts; `verdict/` gives one (items are made
    by starting a look-back, never one by one)."""

    selector = staticmethod(lookback.look_back_items_visible_to)
    queryset = LookBackItem.objects.none()
    serializer_class = LookBackItemSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["look_back", "verdict", "measure"]

    @extend_schema(request=VerdictSerializer, responses=LookBackItemSerializer)
    @action(detail=True, methods=["post"])
    def verdict(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        body = VerdictSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lookback.look_back_verdict(
            item_id=item.pk, actor=signed_in_user(request), **body.validated_data
        )
        return Response(LookBackItemSerializer(self.get_queryset().get(pk=item.pk)).data)


# --- The hundred-point evaluation and the red-and-black list -----------------------------


class EvaluationSchemeSerializer(serializers.ModelSerializer):
    round = VisibleRelatedField(visible_to=rounds_owned_by, queryset=InspectionRound.objects.all())
    items = serializers.JSONField(
        required=False,
        help_text="[{key, name, kind: auto|manual|deduction, weight, formula | level, cap}]",
    )
    formulas = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationScheme
        fields = ["id", "round", "items", "formulas", "updated_by", "updated_at"]
        read_only_fields = ["id", "formulas", "updated_by", "updated_at"]

    def get_formulas(self, scheme: EvaluationScheme) -> dict[str, str]:
        """The sentence shown beside each automatic item's formula."""
        return {key: str(text) for key, text in evaluation.FORMULAS.items()}


class EvaluationSchemeViewSet(ScopedViewSet):
    """Evaluation schemes (评估方案), one per round: POST without items saves the default."""

    selector = staticmethod(
        lambda user: of_jurisdictions(
            EvaluationScheme.objects.select_related("round").order_by("round_id", "id"),
            user,
            "round__",
        )
        if user.sees_jurisdiction
        else EvaluationScheme.objects.none()
    )
    queryset = EvaluationScheme.objects.none()
    serializer_class = EvaluationSchemeSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["round"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        scheme = evaluation.scheme_save(
            actor=signed_in_user(request),
            inspection_round=body.validated_data["round"],
            items=body.validated_data.get("items"),
        )
        return Response(self.get_serializer(scheme).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        scheme = self.get_object()
        body = self.get_serializer(scheme, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        saved = evaluation.scheme_save(
            actor=signed_in_user(request),
            inspection_round=scheme.round,
            items=body.validated_data.get("items", scheme.items),
        )
        return Response(self.get_serializer(saved).data)


def band_field() -> serializers.ChoiceField:
    """A score's band, blank while it has no total (no item could be scored): said so in the
    schema too, which a read-only model field's choices would not."""
    return serializers.ChoiceField(
        choices=EvaluationScore.Band.choices, allow_blank=True, read_only=True
    )


class EvaluationScoreSerializer(serializers.ModelSerializer):
    # None on the round's own row (the whole round, no unit).
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, default=None, allow_null=True
    )
    band = band_field()
    band_label = serializers.CharField(source="get_band_display", read_only=True)

    class Meta:
        model = EvaluationScore
        fields = [
            "id",
            "unit",
            "unit_name",
            "items",
            "numbers",
            "manual",
            "total",
            "band",
            "band_label",
            "on_time_rate",
        ]
        read_only_fields = fields


class EvaluationSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    scores = EvaluationScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "round",
            "scheme",
            "items",
            "as_of",
            "status",
            "status_label",
            "created_by",
            "created_at",
            "published_by",
            "published_at",
            "scores",
        ]
        read_only_fields = fields


class EvaluationCreateSerializer(serializers.Serializer):
    round = VisibleRelatedField(visible_to=rounds_owned_by, queryset=InspectionRound.objects.all())
    as_of = serializers.DateField(required=False, allow_null=True, default=None)


class ManualScoreSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), allow_null=True, help_text="Empty: the round's own row"
    )
    key = serializers.CharField(max_length=30)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class EvaluationViewSet(ScopedViewSet):
    """Evaluations (百分制评估) as of a date; each unit's score and the round's, item by
    item. `publish/` freezes one; `score/` gives a manual item's score on a draft."""

    selector = staticmethod(
        lambda user: evaluation.evaluations_visible_to(user).prefetch_related(
            Prefetch("scores", queryset=evaluation.scores_visible_to(user))
        )
    )
    queryset = Evaluation.objects.none()
    serializer_class = EvaluationSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["round", "status"]
    http_method_names = ["get", "post", "head", "options"]

    def _answer(self, evaluation_id: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            EvaluationSerializer(self.get_queryset().get(pk=evaluation_id)).data, status=code
        )

    @extend_schema(request=EvaluationCreateSerializer, responses={201: EvaluationSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        body = EvaluationCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        made = evaluation.evaluation_create(
            actor=signed_in_user(request),
            inspection_round=body.validated_data["round"],
            as_of=body.validated_data["as_of"],
        )
        return self._answer(made.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        evaluation.evaluation_publish(evaluation_id=target.pk, actor=signed_in_user(request))
        return self._answer(target.pk)

    @extend_schema(request=None, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def recompute(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        evaluation.evaluation_recompute(evaluation_id=target.pk, actor=signed_in_user(request))
        return self._answer(target.pk)

    @extend_schema(request=ManualScoreSerializer, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        body = ManualScoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        evaluation.evaluation_score_manual(
            evaluation_id=target.pk, actor=signed_in_user(request), **body.validated_data
        )
        return self._answer(target.pk)


class RedBlackListSerializer(serializers.ModelSerializer):
    round = serializers.IntegerField(source="evaluation.round_id", read_only=True)

    class Meta:
        model = RedBlackList
        fields = [
            "id",
            "evaluation",
            "round",
            "period_label",
            "best_count",
            "worst_count",
            "red",
            "black",
            "published_by",
            "published_at",
        ]
        read_only_fields = ["id", "round", "red", "black", "published_by", "published_at"]
        extra_kwargs = {
            "period_label": {"required": False, "allow_blank": True},
            "best_count": {"min_value": 0, "max_value": 50},
            "worst_count": {"min_value": 0, "max_value": 50},
        }


class RedBlackListFilter(django_filters.FilterSet):
    round = django_filters.NumberFilter(field_name="evaluation__round")

    class Meta:
        model = RedBlackList
        fields = ["evaluation"]


class RedBlackListViewSet(ScopedViewSet):
    """Red-and-black lists (红黑榜) drawn from published evaluations, newest first."""

    selector = staticmethod(evaluation.red_black_lists_visible_to)
    queryset = RedBlackList.objects.none()
    serializer_class = RedBlackListSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = RedBlackListFilter
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        target = data["evaluation"]
        if (
            not evaluation.evaluations_visible_to(signed_in_user(request))
            .filter(pk=target.pk)
            .exists()
        ):
            raise serializers.ValidationError({"evaluation": [_("There is no such evaluation.")]})
        made = evaluation.red_black_publish(
            actor=signed_in_user(request),
            evaluation_id=target.pk,
            period_label=data.get("period_label", ""),
            best_count=data.get("best_count", 3),
            worst_count=data.get("worst_count", 3),
        )
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)


# --- Supervision groups and their visits -------------------------------------------------------


class SupervisionGroupSerializer(serializers.ModelSerializer):
    leader_name = serializers.SerializerMethodField()
    member_names = serializers.SerializerMethodField()
    members = serializers.PrimaryKeyRelatedField[User](many=True, read_only=True)
    rounds = serializers.PrimaryKeyRelatedField[InspectionRound](many=True, read_only=True)
    units = serializers.PrimaryKeyRelatedField[Unit](many=True, read_only=True)

    class Meta:
        model = SupervisionGroup
        fields = [
            "id",
            "name",
            "leader",
            "leader_name",
            "members",
            "member_names",
            "rounds",
            "units",
            "is_active",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_leader_name(self, group: SupervisionGroup) -> str | None:
        return str(group.leader) if group.leader else None

    def get_member_names(self, group: SupervisionGroup) -> list[str]:
        return [str(member) for member in group.members.all()]


class SupervisionGroupInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    leader = VisibleRelatedField(
        visible_to=users_visible_to,
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    members = VisibleRelatedField(
        visible_to=users_visible_to, queryset=User.objects.all(), many=True, required=False
    )
    rounds = VisibleRelatedField(
        visible_to=rounds_owned_by, queryset=InspectionRound.objects.all(), many=True
    )
    units = VisibleRelatedField(visible_to=units_visible_to, queryset=Unit.objects.all(), many=True)
    is_active = serializers.BooleanField(required=False, default=True)

    def fields_of(self) -> groups.GroupFields:
        data = self.validated_data
        return groups.GroupFields(
            name=data["name"],
            leader=data["leader"],
            members=data.get("members", []),
            rounds=data["rounds"],
            units=data["units"],
            is_active=data["is_active"],
        )


class SupervisionGroupViewSet(ScopedViewSet):
    """Supervision groups (督查组): formed and changed by the office; office and leaders read
    every group, a member the groups they sit on. A group is dissolved (`is_active` false),
    never deleted: its visits and notices stay on record."""

    selector = staticmethod(lambda user: groups.with_composition(groups.groups_visible_to(user)))
    queryset = SupervisionGroup.objects.none()
    serializer_class = SupervisionGroupSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["is_active", "rounds", "units"]
    ordering_fields = ["name", "id", "created_at"]
    http_method_names = ["get", "post", "put", "head", "options"]

    def _answer(self, group_id: int, code: int = status.HTTP_200_OK) -> Response:
        group = self.get_queryset().get(pk=group_id)
        return Response(SupervisionGroupSerializer(group).data, status=code)

    @extend_schema(
        request=SupervisionGroupInputSerializer, responses={201: SupervisionGroupSerializer}
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        actor = signed_in_user(request)
        groups.check_office(actor)
        body = SupervisionGroupInputSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        group = groups.group_create(actor=actor, fields=body.fields_of())
        return self._answer(group.pk, status.HTTP_201_CREATED)

    @extend_schema(request=SupervisionGroupInputSerializer, responses=SupervisionGroupSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        group = self.get_object()
        actor = signed_in_user(request)
        groups.check_office(actor)
        body = SupervisionGroupInputSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        groups.group_update(actor=actor, group_id=group.pk, fields=body.fields_of())
        return self._answer(group.pk)


class SupervisionVisitSerializer(serializers.ModelSerializer):
    group_name = serializers.CharField(source="group.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    method_label = serializers.CharField(source="get_method_display", read_only=True)
    recorded_by_name = serializers.CharField(source="recorded_by.__str__", read_only=True)
    urge_notices = serializers.PrimaryKeyRelatedField[UrgeNotice](many=True, read_only=True)

    class Meta:
        model = SupervisionVisit
        fields = [
            "id",
            "group",
            "group_name",
            "unit",
            "unit_name",
            "round",
            "date",
            "method",
            "method_label",
            "findings",
            "rating",
            "recorded_by",
            "recorded_by_name",
            "created_at",
            "urge_notices",
            "raised_problem",
        ]
        read_only_fields = fields


class VisitUrgeSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=UrgeNotice.Level.choices)
    reason = serializers.CharField(max_length=5000, allow_blank=True)
    reply_due = serializers.DateField()
    measures = VisibleRelatedField(
        visible_to=measures_visible_to, queryset=Measure.objects.all(), many=True
    )


class VisitProblemSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=500, allow_blank=True)
    description = serializers.CharField(max_length=10000, allow_blank=True, required=False)
    category = serializers.ChoiceField(
        choices=Problem.Category.choices, required=False, default=Problem.Category.OTHER
    )
    measure_text = serializers.CharField(max_length=5000, allow_blank=True)
    deadline = serializers.DateField()


class SupervisionVisitInputSerializer(serializers.Serializer):
    group = VisibleRelatedField(
        visible_to=groups.groups_visible_to, queryset=SupervisionGroup.objects.all()
    )
    unit = VisibleRelatedField(visible_to=units_visible_to, queryset=Unit.objects.all())
    round = VisibleRelatedField(
        visible_to=rounds_in_view,
        queryset=InspectionRound.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    date = serializers.DateField()
    method = serializers.ChoiceField(choices=SupervisionVisit.Method.choices)
    findings = serializers.CharField(max_length=10000, allow_blank=True)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    urge = VisitUrgeSerializer(required=False, allow_null=True, default=None)
    problem = VisitProblemSerializer(required=False, allow_null=True, default=None)


class SupervisionVisitViewSet(ScopedViewSet):
    """Supervision visits (督查记录): a member of the group (or office) records what was found
    at one of the group's units, and may raise from it, in the same request, an urge notice
    (`urge`) or a new problem of source special check with its first measure (`problem`).
    A visit is a record: it is neither changed nor deleted."""

    selector = staticmethod(
        lambda user: groups.visits_visible_to(user).prefetch_related("urge_notices")
    )
    queryset = SupervisionVisit.objects.none()
    serializer_class = SupervisionVisitSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["group", "unit", "round", "method"]
    ordering_fields = ["date", "id", "rating"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(
        request=SupervisionVisitInputSerializer, responses={201: SupervisionVisitSerializer}
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        body = SupervisionVisitInputSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        urge, problem = data["urge"], data["problem"]
        visit = groups.visit_record(
            actor=signed_in_user(request),
            group=data["group"],
            unit=data["unit"],
            inspection_round=data["round"],
            date=data["date"],
            method=data["method"],
            findings=data["findings"],
            rating=data["rating"],
            urge=groups.UrgeFollowUp(**urge) if urge else None,
            problem=groups.ProblemFollowUp(**problem) if problem else None,
        )
        answer = self.get_queryset().get(pk=visit.pk)
        return Response(SupervisionVisitSerializer(answer).data, status=status.HTTP_201_CREATED)


class JurisdictionScoreSerializer(serializers.ModelSerializer):
    jurisdiction_name = serializers.CharField(source="jurisdiction.name", read_only=True)
    band = band_field()
    band_label = serializers.CharField(source="get_band_display", read_only=True)

    class Meta:
        model = JurisdictionScore
        fields = [
            "jurisdiction",
            "jurisdiction_name",
            "items",
            "numbers",
            "manual",
            "total",
            "band",
            "band_label",
            "on_time_rate",
        ]


class JurisdictionEvaluationSerializer(serializers.ModelSerializer):
    jurisdiction_name = serializers.CharField(source="jurisdiction.name", read_only=True)
    scores = serializers.SerializerMethodField()

    class Meta:
        model = JurisdictionEvaluation
        fields = [
            "id",
            "jurisdiction",
            "jurisdiction_name",
            "title",
            "items",
            "as_of",
            "status",
            "published_at",
            "scores",
        ]

    @extend_schema_field(JurisdictionScoreSerializer(many=True))
    def get_scores(self, evaluation: JurisdictionEvaluation) -> list[dict]:
        # The rows the asker may read, ranked: every one for the evaluating side, a county's
        # own for the county.
        user = signed_in_user(self.context["request"])
        rows = jurisdiction_evaluation.scores_visible_to(user, evaluation)
        return JurisdictionScoreSerializer(rows, many=True).data  # type: ignore[return-value]


class JurisdictionEvaluationViewSet(ScopedReadOnlyViewSet):
    """Evaluations of the jurisdictions below (市对县考核评价): those the user's jurisdictions
    gave, and the published ones scoring a jurisdiction of theirs (its own row only). Made,
    scored and published on the pages."""

    selector = staticmethod(jurisdiction_evaluation.jurisdiction_evaluations_visible_to)
    queryset = JurisdictionEvaluation.objects.none()
    serializer_class = JurisdictionEvaluationSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["status", "jurisdiction"]
    ordering_fields = ["as_of", "id"]

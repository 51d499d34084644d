"""API for inspection rounds (their numbers are served by rectification, which has the measures)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request

from accounts.auth import signed_in_user
from accounts.selectors import jurisdictions_visible_to, units_assignable_by, users_visible_to
from config.api import OfficeWritesOthersRead, VisibleRelatedField
from config.viewsets import ScopedViewSet

from . import services
from .models import InspectionRound, RoundReport
from .selectors import round_reports_visible_to, rounds_owned_by, rounds_visible_to


class RoundSerializer(serializers.ModelSerializer):
    target_unit = VisibleRelatedField(visible_to=units_assignable_by)
    target_unit_name = serializers.CharField(source="target_unit.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    mode_label = serializers.CharField(source="get_mode_display", read_only=True)
    endorsement_superior = VisibleRelatedField(
        visible_to=users_visible_to, required=False, allow_null=True
    )
    jurisdiction = VisibleRelatedField(visible_to=jurisdictions_visible_to, required=False)
    jurisdiction_name = serializers.CharField(source="jurisdiction.name", read_only=True)
    team = VisibleRelatedField(visible_to=users_visible_to, many=True, required=False)

    class Meta:
        model = InspectionRound
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "mode",
            "mode_label",
            "jurisdiction",
            "jurisdiction_name",
            "inspecting_body",
            "target_unit",
            "target_unit_name",
            "onsite_start",
            "onsite_end",
            "feedback_date",
            "report_due_date",
            "declared_problems",
            "declared_measures",
            "accountability_count",
            "discipline_count",
            "organisational_count",
            "admonition_count",
            "criticism_count",
            "rules_established",
            "funds_recovered",
            "losses_retrieved",
            "contact",
            "endorsement",
            "endorsement_superior",
            "team",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        start = attrs.get("onsite_start", getattr(self.instance, "onsite_start", None))
        end = attrs.get("onsite_end", getattr(self.instance, "onsite_end", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"onsite_end": [_("The on-site end cannot be before its start.")]}
            )
        return attrs


class RoundViewSet(ScopedViewSet):
    """Inspection rounds (巡视/巡察轮次)."""

    selector = staticmethod(lambda user: rounds_visible_to(user).prefetch_related("team"))
    queryset = InspectionRound.objects.none()

    serializer_class = RoundSerializer
    permission_classes = [OfficeWritesOthersRead]
    filterset_fields = ["kind", "mode", "target_unit"]
    ordering_fields = ["feedback_date", "name", "id"]

    def perform_create(self, serializer) -> None:
        serializer.instance = services.round_save(
            actor=signed_in_user(self.request), fields=serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = services.round_save(
            actor=signed_in_user(self.request),
            fields=serializer.validated_data,
            inspection_round=serializer.instance,
        )


REPORT_FILE_MAX_BYTES = 20 * 1024 * 1024
REPORT_FILE_SUFFIXES = (".docx", ".doc", ".pdf", ".wps", ".ofd")


class RoundReportSerializer(serializers.ModelSerializer):
    round = VisibleRelatedField(visible_to=rounds_owned_by)
    due = serializers.DateField(
        required=False, help_text="Defaults to the round's report due date."
    )
    file = serializers.FileField(required=False, write_only=True)
    has_file = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    addressees_label = serializers.CharField(source="get_addressees_display", read_only=True)

    class Meta:
        model = RoundReport
        fields = [
            "id",
            "round",
            "title",
            "addressees",
            "addressees_label",
            "due",
            "sent_on",
            "acknowledged_on",
            "file",
            "original_name",
            "has_file",
            "is_overdue",
            "created_at",
        ]
        read_only_fields = ["original_name", "created_at"]

    def get_has_file(self, report: RoundReport) -> bool:
        return bool(report.file)

    def get_is_overdue(self, report: RoundReport) -> bool:
        return report.is_overdue(timezone.localdate())

    def validate_file(self, file):
        if file.size > REPORT_FILE_MAX_BYTES:
            raise serializers.ValidationError(
                _("The file is larger than %(mb)d MB.")
                % {"mb": REPORT_FILE_MAX_BYTES // (1024 * 1024)}
            )
        if not file.name.lower().endswith(REPORT_FILE_SUFFIXES):
            raise serializers.ValidationError(
                _("Send the report as .docx, .doc, .pdf, .wps or .ofd.")
            )
        return file

    def validate(self, attrs: dict) -> dict:
        def current(name: str):
            return attrs.get(name, getattr(self.instance, name, None))

        inspection_round = current("round")
        if self.instance is not None and "round" in attrs and attrs["round"] != self.instance.round:
            raise serializers.ValidationError(
                {"round": [_("A report cannot move to another round.")]}
            )
        if current("due") is None:
            if inspection_round is None or inspection_round.report_due_date is None:
                raise serializers.ValidationError(
                    {"due": [_("The round has no report due date: give one.")]}
                )
            attrs["due"] = inspection_round.report_due_date
        sent_on, acknowledged_on = current("sent_on"), current("acknowledged_on")
        if acknowledged_on and not sent_on:
            raise serializers.ValidationError(
                {"acknowledged_on": [_("A report is acknowledged only after it was sent.")]}
            )
        if acknowledged_on and sent_on and acknowledged_on < sent_on:
            raise serializers.ValidationError(
                {
                    "acknowledged_on": [
                        _("The acknowledgement cannot be before the report was sent.")
                    ]
                }
            )
        if sent_on and sent_on > timezone.localdate():
            raise serializers.ValidationError(
                {"sent_on": [_("The report cannot be sent in the future.")]}
            )
        if "file" in attrs:
            attrs["original_name"] = attrs["file"].name[:255]
        return attrs


class RoundReportViewSet(ScopedViewSet):
    """A round's rectification reports to the inspecting body (报告报账).

    Office staff record when each is due, when it was sent (with the file) and when the
    inspecting body acknowledged it; leaders read. A report unsent after its due date is
    overdue and counts in the dashboard.
    """

    selector = staticmethod(round_reports_visible_to)
    queryset = RoundReport.objects.none()
    serializer_class = RoundReportSerializer
    permission_classes = [OfficeWritesOthersRead]
    filterset_fields = ["round"]
    ordering_fields = ["due", "sent_on", "id"]

    def perform_create(self, serializer) -> None:
        serializer.save(recorded_by=signed_in_user(self.request))

    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        report = self.get_object()
        if not report.file:
            raise Http404
        return FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=report.original_name or report.file.name.rsplit("/", 1)[-1],
        )

"""The API's bulk requests and answers (rectification.bulk): the selection (ids or the measure
list's filter), the preview, and the refusal naming the measures that block. Shared by the API
of rectification (measures/bulk/) and of supervision (urges/bulk/), which may not import each
other's api modules."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import Unit, User
from accounts.selectors import units_assignable_by, users_visible_to
from config.api import VisibleRelatedField

from . import bulk


class BulkSelectionSerializer(serializers.Serializer):
    """Which measures: `ids`, or `filter` (the measure list's filters, as in `measures/?…`)."""

    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    filter = serializers.DictField(
        required=False,
        help_text="The filters of the measure list (round, problem, lead_unit, status, "
        "overdue, due_before, due_after, q, colour, unassigned …): every measure matching them.",
    )
    preview = serializers.BooleanField(
        default=False, help_text="Say what the action would change, and change nothing."
    )
    versions = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        help_text="The `versions` of the preview's answer: a measure changed since refuses.",
    )

    def validate_versions(self, value: dict[str, int]) -> dict[int, int]:
        try:
            return {int(key): version for key, version in value.items()}
        except ValueError:
            raise serializers.ValidationError(_("The keys are measure ids.")) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("ids" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError(
                {"ids": [_("Choose measures, or all that match a filter.")]}
            )
        return attrs

    def targets(self, actor: User) -> list[bulk.Target]:
        data = self.validated_data
        return bulk.select(actor, ids=data.get("ids"), filter=data.get("filter"))


class BulkFieldsSerializer(serializers.Serializer):
    """The fields a bulk edit sets: only those sent are changed."""

    # The queryset names the model for the schema; requests are checked against visible_to.
    lead_unit = VisibleRelatedField(
        visible_to=units_assignable_by, queryset=Unit.objects.all(), required=False, allow_null=True
    )
    cooperating_units = VisibleRelatedField(
        visible_to=units_assignable_by, queryset=Unit.objects.all(), many=True, required=False
    )
    lead_official = serializers.CharField(max_length=100, required=False, allow_blank=True)
    lead_official_user = VisibleRelatedField(
        visible_to=users_visible_to, queryset=User.objects.all(), required=False, allow_null=True
    )
    deadline = serializers.DateField(required=False)


class MeasureBulkSerializer(BulkSelectionSerializer):
    action = serializers.ChoiceField(
        choices=[
            ("update", "set lead unit, cooperating units, lead official or deadline"),
            ("shift_deadlines", "move deadlines by `days`, with a `reason`"),
            ("approve", "sign off submissions, with one `comment`"),
            ("return", "return submissions, with one `reason`"),
        ]
    )
    days = serializers.IntegerField(required=False, min_value=-3660, max_value=3660)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def get_fields(self) -> dict[str, serializers.Field]:
        # `fields` names a serializer's own attribute, so the body's "fields" is added here.
        declared = super().get_fields()
        declared["fields"] = BulkFieldsSerializer(
            required=False, help_text="For `update`: the fields to set, only those sent."
        )
        return declared

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["action"] == "update" and not attrs.get("fields"):
            raise serializers.ValidationError({"fields": [_("Choose at least one field to set.")]})
        if attrs["action"] == "shift_deadlines" and not attrs.get("days"):
            raise serializers.ValidationError(
                {"days": [_("Move the deadlines by a number of days (not 0).")]}
            )
        return attrs


class BulkOutcomeSerializer(serializers.Serializer):
    action = serializers.CharField()
    preview = serializers.BooleanField()
    selected = serializers.IntegerField(help_text="Measures selected.")
    changed = serializers.IntegerField(help_text="Measures the action changes (or would).")
    unchanged = serializers.IntegerField(help_text="Measures it leaves as they are.")
    changed_ids = serializers.ListField(child=serializers.IntegerField())
    versions = serializers.DictField(child=serializers.IntegerField())
    units = serializers.IntegerField(required=False, help_text="Urge: the units written to.")
    notices = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Urge: the notices issued."
    )


class BlockerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    message = serializers.CharField()


class BulkRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    blocked = BlockerSerializer(many=True)


def outcome_data(outcome: bulk.Outcome) -> dict[str, Any]:
    return {
        "action": outcome.action,
        "preview": outcome.preview,
        "selected": outcome.selected,
        "changed": len(outcome.changed),
        "unchanged": outcome.unchanged,
        "changed_ids": outcome.changed,
        "versions": {str(k): v for k, v in outcome.versions.items()},
        **outcome.extra,
    }


def refusal_response(error: bulk.BulkRefused) -> Response:
    return Response(
        {
            "detail": error.message,
            "code": error.code,
            "blocked": [
                {"id": b.measure_id, "number": b.number, "message": b.message}
                for b in error.blocked
            ],
        },
        status=error.status_code,
    )


BULK_RESPONSES = {
    200: BulkOutcomeSerializer,
    403: BulkRefusalSerializer,
    409: BulkRefusalSerializer,
}

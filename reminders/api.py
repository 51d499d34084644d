"""API of the notification centre: a user's own notifications, read and marked read."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.auth import signed_in_user
from config.filters import IdFilterSet

from . import services as reminders
from .models import Notification, ReminderDelivery


class NotificationFilter(IdFilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=gettext_lazy("unread")
    )

    class Meta:
        model = Notification
        fields = ["unread", "kind", "measure"]


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.SerializerMethodField()
    is_read = serializers.SerializerMethodField()
    email_status = serializers.ChoiceField(
        choices=ReminderDelivery.Status.choices,
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("Status of the email that carried this reminder, if any."),
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "measure",
            "title",
            "body",
            "created_at",
            "read_at",
            "is_read",
            "email_status",
        ]
        read_only_fields = fields

    def get_kind_label(self, notification: Notification) -> str:
        if notification.kind in reminders.Kind.values:
            return str(reminders.Kind(notification.kind).label)
        return notification.kind

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The signed-in user's own notifications (the bell); anyone else's answer 404."""

    queryset = Notification.objects.none()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "id"]

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return reminders.notifications_of(signed_in_user(self.request))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = reminders.notification_mark_read(
            notification_id=self.get_object().pk, actor=signed_in_user(request)
        )
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response(
            {"marked": reminders.notifications_mark_all_read(actor=signed_in_user(request))}
        )

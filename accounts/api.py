"""API for units, users and the current user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from audit.events import SecurityKind, security_event
from config.api import VisibleRelatedField
from config.viewsets import ScopedReadOnlyViewSet, ScopedViewSet

from .models import Jurisdiction, Unit, User
from .permissions import (
    account_fields_changeable_by,
    can_change_account,
    can_grant_role,
    can_manage_accounts,
    can_manage_units,
)
from .selectors import jurisdictions_visible_to, units_visible_to, users_visible_to


class JurisdictionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Jurisdiction
        fields = ["id", "name", "short_name", "level", "level_label", "parent"]


class JurisdictionViewSet(ScopedReadOnlyViewSet):
    """Jurisdictions (巡视巡察机构): the user's own and those below it. The system
    administrator of the top keeps them in the admin."""

    selector = staticmethod(jurisdictions_visible_to)
    queryset = Jurisdiction.objects.none()

    serializer_class = JurisdictionSerializer
    filterset_fields = ["level", "parent"]
    ordering_fields = ["name", "id"]


class SystemAdminWritesOthersRead(permissions.BasePermission):
    """Units: everyone signed in reads the tree; the system administrator keeps it."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user.is_authenticated:
            return False
        return request.method in permissions.SAFE_METHODS or can_manage_units(request.user)


class AccountManagersOnly(permissions.BasePermission):
    """Accounts: the system administrator; an administrator's account is nobody's to change."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_manage_accounts(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if request.method == "DELETE" and not request.user.has_perm("accounts.delete_user"):
            return False  # an account is deactivated, so that the audit trail keeps its name
        return can_change_account(request.user, obj)


class UnitSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    # Both are chosen within the administrator's jurisdictions; by default the parent's.
    parent: Any = VisibleRelatedField(visible_to=units_visible_to, required=False, allow_null=True)
    jurisdiction = VisibleRelatedField(visible_to=jurisdictions_visible_to, required=False)

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "kind_label",
            "parent",
            "jurisdiction",
            "is_active",
            "head",
            "webhook_url",
        ]

    def validate_parent(self, parent: Unit | None) -> Unit | None:
        node = parent
        while node is not None and self.instance is not None:
            if node.pk == self.instance.pk:
                raise serializers.ValidationError(_("A unit cannot sit below itself."))
            node = node.parent
        return parent

    def to_representation(self, instance: Unit) -> dict:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not can_manage_units(request.user):
            data.pop("webhook_url", None)
        return data


class UnitViewSet(ScopedViewSet):
    """Units (单位): the organisation tree. Everyone reads it; the system administrator keeps it."""

    selector = staticmethod(units_visible_to)
    queryset = Unit.objects.none()

    serializer_class = UnitSerializer
    permission_classes = [SystemAdminWritesOthersRead]
    filterset_fields = ["kind", "parent", "is_active"]
    ordering_fields = ["name", "id"]


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        min_length=8,
        max_length=128,
        style={"input_type": "password"},
    )
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    unit = VisibleRelatedField(visible_to=units_visible_to, required=False, allow_null=True)
    jurisdiction = VisibleRelatedField(visible_to=jurisdictions_visible_to, required=False)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "role",
            "role_label",
            "unit",
            "jurisdiction",
            "is_active",
            "password",
            "last_login",
        ]
        read_only_fields = ["last_login"]

    def validate(self, attrs: dict) -> dict:
        self._check_actor_may_write(attrs)
        role = attrs.get("role", getattr(self.instance, "role", User.Role.LIAISON))
        unit = attrs.get("unit", getattr(self.instance, "unit", None))
        if role == User.Role.LIAISON and unit is None:
            raise serializers.ValidationError(
                {"unit": [_("A unit liaison must belong to a unit.")]}
            )
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": [_("A new account needs a password.")]})
        if attrs.get("password"):
            # Judged against the account as it will be (the similarity check reads its name),
            # and answered on the field rather than under non_field_errors.
            candidate = User(
                pk=getattr(self.instance, "pk", None),
                username=attrs.get("username", getattr(self.instance, "username", "")),
                email=attrs.get("email", getattr(self.instance, "email", "")),
            )
            try:
                validate_password(attrs["password"], user=candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from None
        return attrs

    def _check_actor_may_write(self, attrs: dict) -> None:
        """三员分立: the role and the fields this actor may set, else 403 naming the field."""
        actor = self.context["request"].user
        creating = self.instance is None
        role: str = attrs.get("role", "")
        giving = bool(role) and role != getattr(self.instance, "role", None)
        if giving and not can_grant_role(actor, role, creating=creating):
            raise exceptions.PermissionDenied(
                _("You may not give an account the role %(role)s.")
                % {"role": User.Role(role).label}
            )
        if creating:
            return
        allowed = account_fields_changeable_by(actor)
        changed = [
            name
            for name, value in attrs.items()
            if name != "role" and (name == "password" or getattr(self.instance, name) != value)
        ]
        refused = [] if allowed is None else [name for name in changed if name not in allowed]
        if refused:
            raise exceptions.PermissionDenied(
                _("You may not change these fields of an account: %(fields)s.")
                % {"fields": ", ".join(refused)}
            )

    def create(self, validated_data: dict) -> User:
        password = validated_data.pop("password")
        user = User(**validated_data)
        user.set_password(password)
        # A password an administrator chose is the user's to replace at first sign-in.
        user.must_change_password = True
        user.save()
        return user

    def update(self, instance: User, validated_data: dict) -> User:
        password = validated_data.pop("password", None)
        actor = self.context["request"].user
        # A password set by someone else (only administrators write here) is a reset.
        reset = bool(password) and instance.pk != actor.pk
        if password:
            instance.set_password(password)
            instance.must_change_password = reset
        user = super().update(instance, validated_data)
        if reset:
            security_event.send(
                sender=__name__,
                kind=SecurityKind.PASSWORD_RESET,
                request=self.context["request"],
                user=actor,
                detail={"user": user.pk, "via": "api"},
            )
        return user


class UserViewSet(ScopedViewSet):
    """Accounts: the system administrator's (the security administrator works in the admin)."""

    selector = staticmethod(users_visible_to)
    queryset = User.objects.none()

    serializer_class = UserSerializer
    permission_classes = [AccountManagersOnly]
    filterset_fields = ["role", "unit", "is_active"]
    ordering_fields = ["username", "id"]


class MeSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, default=None, allow_null=True
    )
    unread_notifications = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "role",
            "role_label",
            "unit",
            "unit_name",
            "jurisdiction",
            "unread_notifications",
        ]

    def get_unread_notifications(self, user: User) -> int:
        return user.notifications.filter(read_at__isnull=True).count()


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The signed-in user: role, unit and unread notifications."""
    return Response(MeSerializer(request.user).data)

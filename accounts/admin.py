"""Admin for units and accounts: an account an administrator creates or whose password they
reset must change it at its next sign-in; the security administrator resets a lost second
factor (an action on the list, and a page per account)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.events import SecurityKind, security_event

from .models import Unit, User
from .second_factor import can_reset_second_factor, has_second_factor, reset_second_factor


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent", "head"]
    list_select_related = ["parent"]


class ResetPasswordForm(AdminPasswordChangeForm):
    """An administrator's new password for someone else is a reset: changed at next sign-in."""

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.must_change_password = True
        if commit:
            user.save()
        return user


@admin.register(User)
class TrackerUserAdmin(UserAdmin):
    list_display = ["username", "display_name", "role", "unit", "is_active", "last_login"]
    list_filter = ["role", "is_active", "unit"]
    search_fields = ["username", "display_name", "email", "unit__name"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    change_password_form = ResetPasswordForm
    actions = ["reset_second_factor_action"]
    readonly_fields = ["password_changed_at", "second_factor"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Tracker"), {"fields": ("display_name", "role", "unit")}),
        (
            _("Sign-on"),
            {"fields": ("must_change_password", "password_changed_at", "second_factor")},
        ),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Tracker"), {"fields": ("display_name", "role", "unit")}),
    )

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        if not change and obj.has_usable_password():
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = ""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            security_event.send(
                sender=__name__,
                kind=SecurityKind.PASSWORD_RESET,
                request=request,
                user=request.user,
                detail={"user": int(id), "via": "admin"},
            )
        return response

    @admin.display(description=_("second factor"))
    def second_factor(self, obj: User) -> str:
        if obj.pk is None or not has_second_factor(obj):
            return str(_("none"))
        link = reverse("user-second-factor-reset", args=[obj.pk])
        return format_html('{} · <a href="{}">{}</a>', _("enrolled"), link, _("reset"))

    @admin.action(description=_("Reset the second factor of the selected accounts"))
    def reset_second_factor_action(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = request.user
        done, refused = 0, 0
        for user in queryset:
            if can_reset_second_factor(actor, user):  # type: ignore[arg-type]
                reset_second_factor(user, actor, request=request)  # type: ignore[arg-type]
                done += 1
            else:
                refused += 1
        if done:
            self.message_user(request, _("Second factor reset for %(n)d account(s).") % {"n": done})
        if refused:
            self.message_user(
                request,
                _("%(n)d account(s) left as they were: you may not reset them.") % {"n": refused},
                level=messages.WARNING,
            )

"""An urge notice's comment thread (留言): the rules of rectification.comments over a notice,
read and written by those who see the notice (supervision.urges.urges_visible_to)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import NotAllowed
from rectification import comments, services
from rectification.models import StatusChange

from .models import UrgeComment, UrgeCommentEdit, UrgeNotice
from .urges import urges_visible_to


def can_read(user: User, notice: UrgeNotice) -> bool:
    return urges_visible_to(user).filter(pk=notice.pk).exists()


def can_comment(user: User, notice: UrgeNotice) -> bool:
    """Of those who see the notice: office, the unit's liaisons, the supervision group's
    members and the unit's head write; leaders read."""
    if user.is_office or user.is_liaison or user.is_supervisor:
        return True
    return notice.unit.head_id == user.pk


def urge_comments(notice: UrgeNotice) -> QuerySet[UrgeComment]:
    """The thread, oldest first, with authors and earlier texts: two queries."""
    return (
        notice.comments.select_related("author")
        .prefetch_related("edits")
        .order_by("created_at", "id")
    )


def _measures(notice: UrgeNotice) -> list:
    measures = {m.pk: m for m in notice.measures.all()}
    if notice.measure is not None:
        measures.setdefault(notice.measure.pk, notice.measure)
    return list(measures.values())


def _announce(comment: UrgeComment, actor: User) -> comments.Posted:
    notice = comment.notice
    mentions = comments.read_mentions(
        comment.text,
        author=actor,
        can_read=lambda u: can_read(u, notice),
        jurisdictions=(
            notice.round.jurisdiction_id if notice.round else None,
            notice.unit.jurisdiction_id,
        ),
    )
    notified = comments.announce(
        comment,
        mentions,
        measure=notice.measure,
        unit=notice.unit,
        link=reverse("urge-detail", args=[notice.pk]) + "#comments",
        title=_("%(author)s mentioned you on the urge notice to %(unit)s")
        % {"author": actor, "unit": notice.unit.name},
    )
    return comments.Posted(comment=comment, mentions=mentions, notified=notified)


@transaction.atomic
def urge_comment_post(*, notice: UrgeNotice, actor: User, text: str) -> comments.Posted:
    """A new comment on a notice the actor sees (the caller found it in their scope)."""
    if not can_comment(actor, notice):
        raise NotAllowed(_("You can read this thread but not write in it."))
    text = comments.clean_text(text)
    comment = UrgeComment.objects.create(notice=notice, author=actor, text=text)
    services.note_in_history(
        _measures(notice), action=StatusChange.Action.URGE_COMMENT, actor=actor, comment=text
    )
    return _announce(comment, actor)


@transaction.atomic
def urge_comment_edit(*, comment_id: int, actor: User, text: str) -> comments.Posted:
    """The author's edit within the window; a newly mentioned person is told, nobody twice."""
    text = comments.clean_text(text)
    comment = comments.lock_own_comment(UrgeComment, comment_id, actor)
    if text != comment.text:
        earlier = comments.record_edit(comment, UrgeCommentEdit, text)
        services.note_in_history(
            _measures(comment.notice),
            action=StatusChange.Action.URGE_COMMENT,
            actor=actor,
            comment=text,
            old_value=earlier,
            new_value=text,
        )
    return _announce(comment, actor)

"""Comment threads (留言) with mentions: the measure's thread here, and the pieces every thread
shares (the text rule, the mentions, the edit window), which supervision's urge-notice thread
reuses.

A comment is never deleted; its author may edit it for settings.COMMENT_EDIT_MINUTES, each
earlier text kept in an edit row. Comments and edits are in the measure's history (a
StatusChange row each) and, through settings.AUDIT_MODELS, in the audit chain.

`@name` (a username, or the name shown for a person) mentions someone. Those who may read
the thread are told through `comment_posted`, which the reminders layer receives (this layer
may not import it); a mention of someone who may not read the thread tells nobody, and the
writer is told so.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import jurisdictions_above
from config.errors import InvalidInput, NotAllowed

from .models import (
    COMMENT_MAX_LENGTH,
    CommentFields,
    Measure,
    MeasureComment,
    MeasureCommentEdit,
    StatusChange,
)
from .selectors import measures_visible_to
from .services import note_in_history

# Sent inside the comment's transaction, so what a receiver writes rolls back with it.
# Arguments: comment, recipients (the people to tell, each may be told already), measure (or
# None), unit (or None), link (the thread's address), title. A receiver answers the
# recipients it told now for the first time.
comment_posted = Signal()

# `@` at the start or after anything but a Latin letter, digit, `_`, `.` or `@` (not an e-mail
# address; Chinese writes `请@张三` with no space), then the name up to a space or another `@`.
MENTION = re.compile(r"(?<![A-Za-z0-9_.@])@([^\s@]{1,60})")
MAX_MENTIONS = 20


@dataclasses.dataclass
class Mentions:
    """Who a text mentions, as read against the accounts and the thread's readers."""

    readers: list[User] = dataclasses.field(default_factory=list)
    # Names of people who may not read the thread: they are told nothing.
    outsiders: list[str] = dataclasses.field(default_factory=list)
    unknown: list[str] = dataclasses.field(default_factory=list)
    ambiguous: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Posted:
    """A comment just written or edited, and what became of its mentions."""

    comment: Any
    mentions: Mentions
    notified: list[User]

    def messages(self) -> list[str]:
        """What the writer is told about the mentions, in the site's language."""
        said = []
        if self.notified:
            said.append(
                _("Notified: %(names)s.") % {"names": "、".join(str(u) for u in self.notified)}
            )
        if self.mentions.outsiders:
            said.append(
                _("%(names)s cannot see this thread and was not notified.")
                % {"names": "、".join(self.mentions.outsiders)}
            )
        if self.mentions.unknown:
            said.append(
                _("Nobody is called %(names)s; nobody was notified for it.")
                % {"names": "、".join("@" + n for n in self.mentions.unknown)}
            )
        if self.mentions.ambiguous:
            said.append(
                _("%(names)s names several people; mention them by user name.")
                % {"names": "、".join("@" + n for n in self.mentions.ambiguous)}
            )
        return said


def clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write a comment."), field="text")
    if len(text) > COMMENT_MAX_LENGTH:
        raise InvalidInput(
            _("A comment holds at most %(n)d characters.") % {"n": COMMENT_MAX_LENGTH},
            field="text",
        )
    return text


def read_mentions(
    text: str,
    *,
    author: User,
    can_read: Callable[[User], bool],
    jurisdictions: Iterable[int | None],
) -> Mentions:
    """The people `text` mentions. Each `@token` names the account whose user name, or else
    whose shown name, is the token's longest prefix (Chinese writes `@张三请回复` with no
    space); a shown name two accounts share names nobody. The author is never told.

    Only the accounts of the thread's `jurisdictions` and those above them are read: nobody
    else can read the thread, and a name of a sibling county is neither found nor told."""
    tokens = list(dict.fromkeys(MENTION.findall(text)))[:MAX_MENTIONS]
    found = Mentions()
    if not tokens:
        return found
    prefixes = {token[:end] for token in tokens for end in range(1, len(token) + 1)}
    candidates = list(
        User.objects.filter(
            is_active=True, jurisdiction_id__in=jurisdictions_above(*jurisdictions)
        ).filter(Q(username__in=prefixes) | Q(display_name__in=prefixes))
    )
    by_username = {u.username: u for u in candidates}
    by_name: dict[str, list[User]] = {}
    for u in candidates:
        if u.display_name:
            by_name.setdefault(u.display_name, []).append(u)
    people: dict[int, User] = {}
    for token in tokens:
        for end in range(len(token), 0, -1):
            name = token[:end]
            if name in by_username:
                person = by_username[name]
                people.setdefault(person.pk, person)
                break
            if name in by_name:
                if len(by_name[name]) > 1:
                    found.ambiguous.append(name)
                else:
                    person = by_name[name][0]
                    people.setdefault(person.pk, person)
                break
        else:
            found.unknown.append(token)
    for person in people.values():
        if person.pk == author.pk:
            continue
        if can_read(person):
            found.readers.append(person)
        else:
            found.outsiders.append(str(person))
    return found


def announce(
    comment: Model,
    mentions: Mentions,
    *,
    measure: Measure | None,
    unit: Any,
    link: str,
    title: str,
) -> list[User]:
    """Tell the readers a comment mentions; the people told now for the first time."""
    if not mentions.readers:
        return []
    told: set[int] = set()
    for _receiver, answer in comment_posted.send(
        sender=type(comment),
        comment=comment,
        recipients=mentions.readers,
        measure=measure,
        unit=unit,
        link=link,
        title=title,
    ):
        told.update(int(pk) for pk in answer or [])
    return [u for u in mentions.readers if u.pk in told]


def lock_own_comment(model: type[CommentFields], comment_id: int, actor: User) -> Any:
    """The comment, locked, if `actor` may still edit it: its author, within the window."""
    comment = model._default_manager.select_for_update().get(pk=comment_id)
    if comment.author_id != actor.pk:
        raise NotAllowed(_("Only its author can edit a comment."))
    if timezone.now() > comment.editable_until():
        raise NotAllowed(
            _("A comment can be edited only in the first minutes after it is written.")
        )
    return comment


def record_edit(comment: Any, edit_model: type[Model], text: str) -> str:
    """Keep the earlier text in an edit row and put the new one in place; the earlier text."""
    earlier = comment.text
    now = timezone.now()
    edit_model._default_manager.create(comment=comment, old_text=earlier, edited_at=now)
    comment.text = text
    comment.edited_at = now
    comment.save(update_fields=["text", "edited_at"])
    return earlier


# --- The measure's thread ---------------------------------------------------------------------


def thread_jurisdictions(measure: Measure | None) -> tuple[int | None, ...]:
    """Whose work a measure's thread is: its round's jurisdiction and its lead unit's (a
    joint round's county)."""
    if measure is None:
        return ()
    keys = (
        Measure.objects.filter(pk=measure.pk)
        .values_list("problem__round__jurisdiction_id", "lead_unit__jurisdiction_id")
        .first()
    )
    return keys or ()


def can_read_measure(user: User, measure: Measure) -> bool:
    return measures_visible_to(user).filter(pk=measure.pk).exists()


def can_comment(user: User, measure: Measure) -> bool:
    """Who writes on a measure's thread (of those who see it): office, the lead and
    cooperating units' liaisons, the supervision groups following it, and the heads of the
    lead and cooperating units. Leaders read."""
    if user.is_office or user.is_liaison or user.is_supervisor:
        return True
    units = [measure.lead_unit, *measure.cooperating_units.all()]
    return any(unit is not None and unit.head_id == user.pk for unit in units)


def measure_comments(measure: Measure) -> QuerySet[MeasureComment]:
    """The thread, oldest first, with authors and earlier texts: two queries."""
    return (
        measure.comments.select_related("author")
        .prefetch_related("edits")
        .order_by("created_at", "id")
    )


def _announce_measure(comment: MeasureComment, actor: User) -> Posted:
    measure = comment.measure
    mentions = read_mentions(
        comment.text,
        author=actor,
        can_read=lambda u: can_read_measure(u, measure),
        jurisdictions=thread_jurisdictions(measure),
    )
    notified = announce(
        comment,
        mentions,
        measure=measure,
        unit=measure.lead_unit,
        link=reverse("measure-detail", args=[measure.pk]) + "#comments",
        title=_("%(author)s mentioned you on measure %(problem)s.%(seq)s")
        % {"author": actor, "problem": measure.problem.seq, "seq": measure.seq},
    )
    return Posted(comment=comment, mentions=mentions, notified=notified)


@transaction.atomic
def measure_comment_post(*, measure: Measure, actor: User, text: str) -> Posted:
    """A new comment on a measure the actor sees (the caller found it in their scope)."""
    if not can_comment(actor, measure):
        raise NotAllowed(_("You can read this thread but not write in it."))
    text = clean_text(text)
    comment = MeasureComment.objects.create(measure=measure, author=actor, text=text)
    note_in_history([measure], action=StatusChange.Action.COMMENT, actor=actor, comment=text)
    return _announce_measure(comment, actor)


@transaction.atomic
def measure_comment_edit(*, comment_id: int, actor: User, text: str) -> Posted:
    """The author's edit within the window; a newly mentioned person is told, nobody twice."""
    text = clean_text(text)
    comment = lock_own_comment(MeasureComment, comment_id, actor)
    if text != comment.text:
        earlier = record_edit(comment, MeasureCommentEdit, text)
        note_in_history(
            [comment.measure],
            action=StatusChange.Action.COMMENT_EDIT,
            actor=actor,
            old_value=earlier,
            new_value=text,
        )
    return _announce_measure(comment, actor)

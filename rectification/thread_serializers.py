"""The serializers of the comment threads (a measure's, an urge notice's): shared by the API
of rectification and of supervision, which may not import each other's api modules."""

from __future__ import annotations

from rest_framework import serializers

from .comments import Posted
from .models import COMMENT_MAX_LENGTH


class CommentEditSerializer(serializers.Serializer):
    old_text = serializers.CharField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True)


class ThreadCommentSerializer(serializers.Serializer):
    """A comment of a thread (a measure's or an urge notice's), with its earlier texts."""

    id = serializers.IntegerField(read_only=True)
    author = serializers.IntegerField(source="author_id", read_only=True)
    author_name = serializers.CharField(source="author.__str__", read_only=True)
    text = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    editable_until = serializers.DateTimeField(read_only=True)
    edits = CommentEditSerializer(many=True, read_only=True)


class CommentTextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=COMMENT_MAX_LENGTH)


class PostedCommentSerializer(ThreadCommentSerializer):
    """A comment just written or edited: who its mentions told, and what the writer should
    know about the others (not allowed to read the thread, unknown, ambiguous)."""

    notified = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    notices = serializers.ListField(child=serializers.CharField(), read_only=True)


def posted_data(posted: Posted) -> dict:
    data = dict(ThreadCommentSerializer(posted.comment).data)
    data["notified"] = [u.pk for u in posted.notified]
    data["notices"] = posted.messages()
    return data

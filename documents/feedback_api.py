"""API for pasted feedback text: parse it into a tree (nothing saved), or import it into a round."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import signed_in_user
from config.errors import NotAllowed
from config.throttles import ResilientScopedRateThrottle
from findings.parser import (
    MAX_TEXT_CHARS,
    FeedbackParseError,
    ParsedMeasure,
    ParsedProblem,
    ParseResult,
    parse_feedback,
)
from inspections.selectors import rounds_owned_by

from .docx_in import read_feedback_file
from .feedback import feedback_import, preview


class FeedbackTextField(serializers.CharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", MAX_TEXT_CHARS)
        kwargs.setdefault("allow_blank", True)  # the parser says clearly what an empty text is
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault(
            "error_messages",
            {
                "max_length": gettext_lazy(
                    "The text is longer than {max_length} characters: paste only the feedback "
                    "or the report."
                )
            },
        )
        super().__init__(**kwargs)


def parse_or_400(text: str) -> ParseResult:
    try:
        return parse_feedback(text)
    except FeedbackParseError as exc:
        raise serializers.ValidationError({"text": [str(exc)]}) from exc


def feedback_text(data: dict) -> str:
    """The text sent, or the text of the Word file sent in its place (a hostile file is a 400)."""
    if "file" in data:
        return read_feedback_file(data["file"])
    return data["text"]


class FeedbackParseSerializer(serializers.Serializer):
    text = FeedbackTextField(required=False)
    file = serializers.FileField(
        required=False, help_text="A Word feedback (.docx), in place of the text."
    )

    def validate(self, attrs: dict) -> dict:
        if ("text" in attrs) == ("file" in attrs):
            raise serializers.ValidationError(
                _("Send either the text or a Word file (.docx), not both.")
            )
        return attrs


class ParsedMeasureSerializer(serializers.Serializer):
    seq = serializers.IntegerField(min_value=1, required=False)
    text = serializers.CharField()


class ParsedProblemSerializer(serializers.Serializer):
    aspect = serializers.CharField(allow_null=True, allow_blank=True, required=False)
    seq = serializers.IntegerField(min_value=1, required=False)
    title = serializers.CharField(max_length=300)
    measures = ParsedMeasureSerializer(many=True)


class DeclaredSentenceSerializer(serializers.Serializer):
    sentence = serializers.CharField(help_text="The sentence the totals were read from")
    kinds = serializers.ListField(child=serializers.CharField())
    of_the_plan = serializers.BooleanField()


class FeedbackPreviewSerializer(serializers.Serializer):
    declared = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    problems = ParsedProblemSerializer(many=True)
    aspects = serializers.ListField(child=serializers.CharField())
    found = serializers.DictField(child=serializers.IntegerField())
    mismatch = serializers.ListField(child=serializers.CharField())
    declared_of_the_plan = serializers.ListField(
        child=serializers.CharField(),
        help_text="Totals read from the plan's words: shown, not compared with what was found",
    )
    declared_sentences = DeclaredSentenceSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


class FeedbackImportSerializer(serializers.Serializer):
    round = serializers.IntegerField(min_value=1)
    text = FeedbackTextField(required=False)
    file = serializers.FileField(
        required=False, help_text="A Word feedback (.docx), in place of the text."
    )
    problems = ParsedProblemSerializer(many=True, required=False)

    def validate(self, attrs: dict) -> dict:
        if sum(name in attrs for name in ("text", "file", "problems")) != 1:
            raise serializers.ValidationError(
                _(
                    "Send one of the text, a Word file (.docx) or the corrected problems of "
                    "its preview."
                )
            )
        return attrs

    def parsed_problems(self) -> list[ParsedProblem]:
        data = self.validated_data
        if "text" in data or "file" in data:
            return parse_or_400(feedback_text(data)).problems
        return [
            ParsedProblem(
                aspect=problem.get("aspect") or None,
                seq=index,
                title=problem["title"],
                measures=[
                    ParsedMeasure(seq=n, text=measure["text"])
                    for n, measure in enumerate(problem["measures"], start=1)
                ],
            )
            for index, problem in enumerate(data["problems"], start=1)
        ]


class FeedbackImportResultSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    aspects_created = serializers.IntegerField()
    problems_created = serializers.IntegerField()
    measures_created = serializers.IntegerField()
    provisional_deadline = serializers.DateField()
    problems = serializers.ListField(child=serializers.DictField())


class FeedbackParseView(APIView):
    """Parse pasted feedback or a published progress report, as text or as a Word file
    (multipart ``file``); nothing is saved.

    Office staff only (it is a step of the import), and rate-limited: parsing is the one
    CPU-heavy request a user can repeat at will.
    """

    throttle_classes = [ResilientScopedRateThrottle]
    throttle_scope = "feedback_parse"

    @extend_schema(
        request=FeedbackParseSerializer,
        responses={
            200: FeedbackPreviewSerializer,
            400: OpenApiResponse(description="Unreadable"),
            403: OpenApiResponse(description="Only office staff may parse feedback"),
            429: OpenApiResponse(description="Too many requests"),
        },
    )
    def post(self, request: Request) -> Response:
        if not signed_in_user(request).is_office:
            raise NotAllowed(_("Only office staff can import feedback."))
        serializer = FeedbackParseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(preview(parse_or_400(feedback_text(serializer.validated_data))))


class FeedbackImportView(APIView):
    """Save feedback into a round: aspects, problems, and measures without units.

    Problems are appended after the round's existing ones; a problem title the round already
    has refuses the whole import (409), so a second click saves nothing twice. Measures get
    the round's report due date as a provisional deadline, for the office to correct in the
    ledger.
    """

    @extend_schema(
        request=FeedbackImportSerializer,
        responses={
            201: FeedbackImportResultSerializer,
            400: OpenApiResponse(description="Unreadable text or invalid tree"),
            403: OpenApiResponse(description="Only office staff may import"),
            404: OpenApiResponse(description="No such round"),
            409: OpenApiResponse(description="The round already has these problems"),
        },
    )
    def post(self, request: Request) -> Response:
        user = signed_in_user(request)
        if not user.is_office:
            raise NotAllowed(_("Only office staff can import feedback."))
        serializer = FeedbackImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection_round = get_object_or_404(
            rounds_owned_by(user), pk=serializer.validated_data["round"]
        )
        result = feedback_import(
            actor=user,
            inspection_round=inspection_round,
            problems=serializer.parsed_problems(),
        )
        body = {
            "round": inspection_round.pk,
            "aspects_created": result.aspects_created,
            "problems_created": len(result.problems),
            "measures_created": result.measures_created,
            "provisional_deadline": result.provisional_deadline,
            "problems": [{"id": p.pk, "seq": p.seq, "title": p.title} for p in result.problems],
        }
        return Response(FeedbackImportResultSerializer(body).data, status=status.HTTP_201_CREATED)

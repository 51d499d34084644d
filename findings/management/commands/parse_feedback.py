"""Parse a feedback or progress-report text file and print its problems and measures.

`--json` prints exactly one JSON object (ParseResult.to_dict()) for scripts; without it,
a readable tree with the announced totals and the parser's warnings.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from findings.parser import FeedbackParseError, ParseResult, parse_feedback

ENCODINGS = ("utf-8-sig", "gb18030")  # offices' text files are UTF-8 or GBK


def read_text(path: str) -> str:
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}
            ) from exc
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CommandError(_("%(path)s is neither UTF-8 nor GBK text.") % {"path": path})


class Command(BaseCommand):
    help = "Parse inspection feedback or a rectification report into problems and measures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="text file to parse, or - for standard input")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print one JSON object"
        )

    def handle(self, *args, path: str, as_json: bool = False, **options) -> None:
        try:
            result = parse_feedback(read_text(path))
        except FeedbackParseError as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            self.stdout.write(render_tree(result))


def render_tree(result: ParseResult) -> str:
    found_measures = sum(len(p.measures) for p in result.problems)
    declared = result.declared
    lines = [
        _("Announced: %(aspects)s aspects, %(problems)s problems, %(measures)s measures")
        % {
            "aspects": _or_dash(declared.aspects),
            "problems": _or_dash(declared.problems),
            "measures": _or_dash(declared.measures),
        },
        _("Found: %(aspects)d aspects, %(problems)d problems, %(measures)d measures")
        % {
            "aspects": len(result.aspects),
            "problems": len(result.problems),
            "measures": found_measures,
        },
        "",
    ]
    aspect = None
    for problem in result.problems:
        if problem.aspect != aspect:
            aspect = problem.aspect
            if aspect:
                lines.append(f"【{aspect}】")
        lines.append(f"{problem.seq}. {problem.title}")
        for measure in problem.measures:
            text = measure.text if len(measure.text) <= 60 else measure.text[:60] + "…"
            lines.append(f"    {problem.seq}.{measure.seq} {text}")
    if result.warnings:
        lines.append("")
        lines.extend(_("Warning: %(text)s") % {"text": w} for w in result.warnings)
    return "\n".join(lines)


def _or_dash(value: int | None) -> str:
    return "—" if value is None else str(value)

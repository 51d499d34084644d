"""The public progress report (整改进展情况的通报) as a Word file in the official layout.

The layout follows GB/T 9704 (party and government documents), so that the office edits the
draft rather than retypes it: A4, margins 37/35/28/26 mm, title in 小标宋 二号, body in
仿宋_GB2312 三号 on a 28 pt line, level-one headings in 黑体, level-two in 楷体_GB2312,
first lines indented by two characters. The wording follows published reports (see
shared/samples/wuxi-2021-xuncha-report.txt).
"""

from __future__ import annotations

import datetime
import io
import re
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.auth import signed_in_user
from accounts.models import Unit, User
from config.errors import NotAllowed
from config.watermark import Watermark, stamp_document, watermark_for
from findings.models import Problem
from findings.selectors import problems_visible_to
from inspections.models import InspectionRound
from inspections.selectors import rounds_visible_to
from rectification.models import Measure, today
from rectification.selectors import (
    measure_numbers,
    measures_visible_to,
    owns_round,
    problem_numbers,
    problem_order,
    with_latest_progress,
)
from supervision.lookback import round_look_back_numbers

if TYPE_CHECKING:
    from rectification.selectors import MeasureWithProgress

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
LEVEL_ONE_FONT = "黑体"
LEVEL_TWO_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
LINE = Pt(28)  # 22 lines a page
TITLE_LINE = Pt(35)

_CN_NUMBERS = "一二三四五六七八九十"
_PARTY_ORG_ENDINGS = ("委员会", "党委", "党组", "党工委", "党总支", "党支部", "工委")
_COMMITTEE_RE = re.compile(r"^(?P<committee>.+?委)(?:第.+)?(?:巡视|巡察)")


def cn_number(number: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (ordinals of headings and of 一是, 二是 ...)."""
    if number <= 10:
        return _CN_NUMBERS[number - 1]
    tens, ones = divmod(number, 10)
    head = "十" if tens == 1 else _CN_NUMBERS[tens - 1] + "十"
    return head + (_CN_NUMBERS[ones - 1] if ones else "")


def cn_date(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def percent(rate: float | None) -> str:
    if rate is None:
        return "—"
    value = round(rate * 100, 1)
    return f"{value:g}%"


def amount(value: Decimal | int) -> str:
    # A round built in memory holds the field's default as an int until it is read back.
    return f"{Decimal(value).normalize():f}"


def party_organisation(unit: Unit) -> str:
    """The inspected party organisation's formal name, as a draft the office may correct."""
    name = unit.name
    if name.endswith(_PARTY_ORG_ENDINGS):
        return name if name.startswith("中共") else f"中共{name}"
    suffix = "党组" if unit.kind == Unit.Kind.DEPARTMENT else "委员会"
    return f"中共{name}{suffix}"


def inspection_word(inspection_round: InspectionRound) -> str:
    """巡视 or 巡察, with the mode where it is not the regular one."""
    word = "巡视" if inspection_round.kind == InspectionRound.Kind.XUNSHI else "巡察"
    prefixes: dict[str, str] = {
        InspectionRound.Mode.SPECIAL: "专项",
        InspectionRound.Mode.MOBILE: "机动",
    }
    prefix = prefixes.get(inspection_round.mode, "")
    suffix = "“回头看”" if inspection_round.mode == InspectionRound.Mode.FOLLOW_UP else ""
    return f"{prefix}{word}{suffix}"


def committee_of(inspecting_body: str) -> str:
    """市委第五巡察组 → 市委; empty when the body's name does not say."""
    match = _COMMITTEE_RE.match(inspecting_body.strip())
    return match.group("committee") if match else ""


def report_title(inspection_round: InspectionRound) -> str:
    org = party_organisation(inspection_round.target_unit)
    committee = committee_of(inspection_round.inspecting_body)
    return f"{org}关于{committee}{inspection_word(inspection_round)}整改进展情况的通报"


# ---------------------------------------------------------------------------
# Document plumbing


def _set_font(run_or_style, name: str, size: Pt, bold: bool = False) -> None:
    font = run_or_style.font
    font.name = name
    font.size = size
    font.bold = bold
    element = run_or_style.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    # Word picks the Chinese glyphs' font from eastAsia, not from ascii/hAnsi.
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _paragraph(
    document: WordDocument,
    text: str = "",
    *,
    font: str = BODY_FONT,
    size: Pt = BODY_SIZE,
    bold: bool = False,
    indent: bool = True,
    align: WD_ALIGN_PARAGRAPH | None = None,
    line: Pt = LINE,
) -> Paragraph:
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing = line
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if align is not None:
        fmt.alignment = align
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)
        # firstLineChars keeps the indent at two characters if the office changes the size.
        fmt._element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")
    if text:
        _set_font(paragraph.add_run(text), font, size, bold)
    return paragraph


def _page_number_footer(document: WordDocument) -> None:
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(paragraph.add_run("— "), PAGE_NUMBER_FONT, Pt(14))
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = paragraph.add_run("1")
    _set_font(run, PAGE_NUMBER_FONT, Pt(14))
    run._r.addprevious(field)
    field.append(run._r)
    _set_font(paragraph.add_run(" —"), PAGE_NUMBER_FONT, Pt(14))


def title_block(document: WordDocument, title: str) -> None:
    """The document's title in the official layout (小标宋, centred) and the blank line under it."""
    _paragraph(
        document,
        title,
        font=TITLE_FONT,
        size=TITLE_SIZE,
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line=TITLE_LINE,
    )
    _paragraph(document)


# The levels of an urge notice as the files print them.
URGE_LEVEL_CN = {"remind": "提醒", "urge": "督办", "interview": "约谈", "notice": "通报"}


def _new_document(title: str, *, mark: Watermark | None) -> WordDocument:
    """An empty document in the official layout, marked for its viewer unless `mark` is None
    (a public file, or a draft whose text is read back)."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(23)  # the page number line starts 7 mm below the text block
    _set_font(document.styles["Normal"], BODY_FONT, BODY_SIZE)
    document.core_properties.title = title
    document.core_properties.language = "zh-CN"
    _page_number_footer(document)
    if mark is not None:
        stamp_document(document, mark)
    return document


def _sentence(text: str) -> str:
    text = text.strip().rstrip("；;，,、")
    return text if text.endswith(("。", "！", "？", "”", "）")) else text + "。"


# ---------------------------------------------------------------------------
# Content


def build_public_report(
    inspection_round: InspectionRound,
    user: User,
    as_of: datetime.date | None = None,
    *,
    mark: Watermark | None,
) -> bytes:
    """The report's .docx bytes. Numbers come from the selectors of DESIGN.md section 6."""
    day = as_of or today()
    measures = measures_visible_to(user).filter(problem__round=inspection_round)
    problems_qs = problems_visible_to(user).filter(round=inspection_round)
    numbers = measure_numbers(measures, day)
    numbers.update(problem_numbers(problems_qs))
    problems = list(problems_qs.order_by(*problem_order()))
    by_problem: dict[int, list[MeasureWithProgress]] = defaultdict(list)
    for measure in with_latest_progress(measures.prefetch_related(None)).order_by(
        "problem_id", "seq"
    ):
        by_problem[measure.problem_id].append(measure)

    title = report_title(inspection_round)
    org = party_organisation(inspection_round.target_unit)
    word = inspection_word(inspection_round)
    document = _new_document(title, mark=mark)
    title_block(document, title)
    _paragraph(document, _opening(inspection_round, org, word))

    _paragraph(document, "一、整改工作总体情况", font=LEVEL_ONE_FONT)
    aspect_count = len({p.aspect_id for p in problems if p.aspect_id})
    _paragraph(document, _totals(numbers, org, word, aspect_count, day))
    outcomes = _outcomes(inspection_round, word)
    if outcomes:
        _paragraph(document, outcomes)
    look_back = _look_back(inspection_round)
    if look_back:
        _paragraph(document, look_back)

    _paragraph(document, "二、整改落实情况", font=LEVEL_ONE_FONT)
    _problems(document, problems, by_problem, has_aspects=aspect_count > 0)

    _paragraph(document, "三、下一步工作", font=LEVEL_ONE_FONT)
    _paragraph(
        document,
        f"下一步，{org}将持续深化{word}整改，对已完成的整改任务适时组织“回头看”，"
        "对需要长期坚持的整改任务紧盯不放、久久为功，巩固和深化整改成果。",
    )
    _paragraph(
        document, f"欢迎广大干部群众对{word}整改落实情况进行监督。如有意见建议，请及时向我们反映。"
    )
    for line in inspection_round.contact.splitlines():
        if line.strip():
            _paragraph(document, line.strip())

    _paragraph(document)
    for line in (org, cn_date(day)):
        _paragraph(document, line, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)

    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _opening(inspection_round: InspectionRound, org: str, word: str) -> str:
    body = inspection_round.inspecting_body
    committee = committee_of(body)
    start, end = inspection_round.onsite_start, inspection_round.onsite_end
    when = ""
    if start and end:
        when = f"{cn_date(start)}至{cn_date(end)}，"
    elif start:
        when = f"{cn_date(start)}起，"
    text = f"根据{committee}统一部署，{when}{body}对{org}进行了{word}。"
    if inspection_round.feedback_date:
        text += f"{cn_date(inspection_round.feedback_date)}，"
    text += f"{body}向{org}反馈了{word}意见。"
    text += f"根据巡视巡察工作有关要求，现将{word}整改进展情况予以公布。"
    return text


def _totals(numbers: dict, org: str, word: str, aspect_count: int, day: datetime.date) -> str:
    aspects = f"{aspect_count}个方面" if aspect_count else ""
    problems, completed = numbers["problems"], numbers["problems_completed"]
    in_progress = numbers["problems_in_progress"]
    total, closed = numbers["total"], numbers["closed"]
    text = (
        f"{org}将{word}反馈意见指出的{aspects}{problems}个问题，细化分解为{total}条整改措施，"
        "逐项明确牵头领导、责任单位和整改时限，实行清单管理、对账销号。"
        f"截至{cn_date(day)}，已完成问题整改{completed}个，"
    )
    if in_progress:
        text += f"{in_progress}个正在持续推进，"
    text += f"问题整改完成率{percent(numbers['problem_completion_rate'])}；"
    text += f"{total}条整改措施中已完成{closed}条"
    if total - closed:
        text += f"，{total - closed}条正在推进"
        if numbers["long_term"]:
            text += f"（其中需长期坚持的{numbers['long_term']}条）"
    return text + "。"


def _outcomes(inspection_round: InspectionRound, word: str) -> str:
    """The round's outcome figures, only those that are not zero."""
    r = inspection_round
    parts = [
        (r.accountability_count, f"问责{r.accountability_count}人"),
        (r.discipline_count, f"给予党纪政务处分{r.discipline_count}人"),
        (r.organisational_count, f"组织处理{r.organisational_count}人"),
        (r.admonition_count, f"诫勉{r.admonition_count}人"),
        (r.criticism_count, f"批评教育{r.criticism_count}人"),
        (r.rules_established, f"建立完善制度{r.rules_established}项"),
        (r.funds_recovered, f"追缴资金{amount(r.funds_recovered)}万元"),
        (r.losses_retrieved, f"挽回经济损失{amount(r.losses_retrieved)}万元"),
    ]
    shown = [text for value, text in parts if value]
    if not shown:
        return ""
    return f"通过{word}整改，" + "，".join(shown) + "。"


def _look_back(inspection_round: InspectionRound) -> str:
    """The look-back review's figures (回头看), when one has checked anything."""
    numbers = round_look_back_numbers(inspection_round)
    if not numbers["checked"]:
        return ""
    text = (
        f"组织开展整改“回头看”，核查已销号整改措施{numbers['checked']}条，"
        f"其中整改成效巩固{numbers['holding']}条"
    )
    if numbers["relapsed"]:
        text += f"，出现反弹{numbers['relapsed']}条，已全部重新交办整改"
        if numbers["reclosed"]:
            text += f"（其中{numbers['reclosed']}条已再次销号）"
    return text + "。"


def _problems(
    document: WordDocument,
    problems: list[Problem],
    by_problem: dict[int, list[MeasureWithProgress]],
    *,
    has_aspects: bool,
) -> None:
    """Each problem under its aspect (（一） in 楷体), numbered 1. within it, with its measures.

    Without aspects, problems themselves are the level-two headings.
    """
    aspect_id: int | None = None
    aspect_number = 0
    problem_number = 0
    for problem in problems:
        if has_aspects and problem.aspect_id != aspect_id:
            aspect_id = problem.aspect_id
            problem_number = 0
            if problem.aspect is not None:
                aspect_number += 1
                _paragraph(
                    document,
                    f"（{cn_number(aspect_number)}）{problem.aspect.title}",
                    font=LEVEL_TWO_FONT,
                )
        problem_number += 1
        heading = f"关于“{problem.title}”问题的整改。"
        if has_aspects:
            _paragraph(document, f"{problem_number}.{heading}", bold=True)
        else:
            _paragraph(document, f"（{cn_number(problem_number)}）{heading}", font=LEVEL_TWO_FONT)
        measures = by_problem.get(problem.pk, [])
        done = bool(measures) and all(m.status == Measure.Status.CLOSED for m in measures)
        _paragraph(document, "整改结果及成效：" if done else "整改进展情况：")
        for index, measure in enumerate(measures, start=1):
            _paragraph(document, f"{cn_number(index)}是{_sentence(measure.text)}{_detail(measure)}")


def _detail(measure: MeasureWithProgress) -> str:
    if measure.status == Measure.Status.CLOSED and measure.result_summary.strip():
        return _sentence(measure.result_summary)
    if measure.latest_progress and measure.latest_progress.strip():
        return _sentence(measure.latest_progress)
    if measure.is_long_term:
        return "该项措施需长期坚持，正在持续推进。"
    return "正在抓紧推进。"


# ---------------------------------------------------------------------------
# API


class PublicReportView(APIView):
    """The round's public progress report as a .docx draft for the office to edit."""

    @extend_schema(
        responses={
            (200, DOCX_CONTENT_TYPE): OpenApiTypes.BINARY,
            403: OpenApiResponse(description="Liaisons see only part of the round"),
            404: OpenApiResponse(description="No such round, or not visible to the user"),
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        user = signed_in_user(request)
        inspection_round = get_object_or_404(rounds_visible_to(user), pk=pk)
        if not (user.sees_jurisdiction and owns_round(user, inspection_round)):
            # A report speaks for the whole round; a liaison's partial view would misstate it.
            raise NotAllowed(_("Only office staff and leaders can download the public report."))
        content = build_public_report(inspection_round, user, mark=watermark_for(user))
        return FileResponse(
            io.BytesIO(content),
            as_attachment=True,
            filename=f"{inspection_round.name}整改进展情况的通报.docx",
            content_type=DOCX_CONTENT_TYPE,
        )


# ---------------------------------------------------------------------------
# A published text as a Word file

_LEVEL_ONE_RE = re.compile(r"^[一二三四五六七八九十]{1,3}、")
_LEVEL_TWO_RE = re.compile(r"^（[一二三四五六七八九十]{1,3}）")


def text_report_docx(
    title: str, text: str, signature: list[str] | None = None, *, mark: Watermark | None
) -> bytes:
    """A report whose text was edited by hand (a publication) in the same official layout."""
    document = _new_document(title, mark=mark)
    title_block(document, title)
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if _LEVEL_ONE_RE.match(line):
            _paragraph(document, line, font=LEVEL_ONE_FONT)
        elif _LEVEL_TWO_RE.match(line):
            _paragraph(document, line, font=LEVEL_TWO_FONT)
        else:
            _paragraph(document, line)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()

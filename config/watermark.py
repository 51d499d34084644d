"""Watermarks (水印): who saw a clue page or took a file, from which unit, and when.

One mark, made once per request by `watermark_for(user)`, goes on the page as a faint
diagonal tile (an SVG image the server writes, so the strict CSP holds), into the page
header and the properties of every exported workbook, and into the header and the core
properties of every exported Word file. A copy that leaks names the person it was
made for. Public pages (/public/) and their files carry none.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass
from html import escape
from typing import Any, Protocol

from django.utils import timezone
from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

# A unit's name may be 200 characters; a page header has room for 255 in all its sections.
_UNIT_MAX = 40
_NAME_MAX = 40


class Viewer(Protocol):
    """What a mark needs of the signed-in user (accounts.User, which config cannot import)."""

    username: str
    unit: Any

    def get_role_display(self) -> str: ...


@dataclass(frozen=True)
class Watermark:
    name: str  # the display name, with the account name when they differ
    unit: str  # the viewer's unit, or their role when they belong to none (office staff)
    at: datetime.datetime  # local time (Asia/Shanghai)

    @property
    def time(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        """One line: name, unit, time."""
        return f"{self.name} {self.unit} {self.time}"

    @property
    def sentence(self) -> str:
        """The line written into a file's comments."""
        return _("Downloaded by %(name)s (%(unit)s) at %(time)s.") % {
            "name": self.name,
            "unit": self.unit,
            "time": self.time,
        }


def watermark_for(user: Viewer, now: datetime.datetime | None = None) -> Watermark:
    shown = str(user)[:_NAME_MAX]
    name = shown if shown == user.username else f"{shown}（{user.username}）"
    unit = user.unit.name if user.unit is not None else user.get_role_display()
    return Watermark(
        name=name,
        unit=str(unit)[:_UNIT_MAX],
        at=timezone.localtime(now or timezone.now()),
    )


def watermark_text(user: Viewer, now: datetime.datetime | None = None) -> str:
    return watermark_for(user, now).text


# --- On a page --------------------------------------------------------------------------------

_TILE_FONT_SIZE = 15
_TILE_HEIGHT = 150


def svg_data_uri(mark: Watermark) -> str:
    """An SVG that tiles the mark at -30° over whatever box it fills, as a data: URI.

    Shown as an <img> (img-src allows data:) inside a fixed overlay, so it needs neither an
    inline style nor a script, and prints on every page (a CSS background would not print
    unless the reader asks for backgrounds).
    """
    lines = [f"{mark.name} {mark.unit}", mark.time]
    # CJK glyphs are about one em wide; the gap keeps neighbouring tiles apart.
    width = max(len(line) for line in lines) * _TILE_FONT_SIZE + 4 * _TILE_FONT_SIZE
    texts = "".join(
        f'<text x="10" y="{60 + index * (_TILE_FONT_SIZE + 8)}">{escape(line)}</text>'
        for index, line in enumerate(lines)
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="100%">'
        f'<defs><pattern id="m" width="{width}" height="{_TILE_HEIGHT}" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(-30)">'
        f'<g font-family="sans-serif" font-size="{_TILE_FONT_SIZE}" fill="#000" '
        f'fill-opacity="0.09">{texts}</g></pattern></defs>'
        '<rect width="100%" height="100%" fill="url(#m)"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def page_context(user: Viewer) -> dict[str, Any]:
    """What templates/includes/watermark.html needs: the mark and its tile."""
    mark = watermark_for(user)
    return {"watermark": mark, "watermark_src": svg_data_uri(mark)}


# --- In files ---------------------------------------------------------------------------------
# Workbooks carry the mark through documents.xlsx_out, which writes every exported sheet.


def stamp_document(document: Any, mark: Watermark) -> None:
    """Name the viewer in the Word file's core properties and in the header of every section."""
    properties = document.core_properties
    properties.author = mark.name
    properties.last_modified_by = mark.name
    properties.keywords = mark.text
    properties.comments = mark.sentence
    for section in document.sections:
        paragraph = section.header.paragraphs[0]
        paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = paragraph.add_run(mark.text)
        run.font.size = Pt(8)
        run.font.color.rgb = RGBColor(0x80, 0x80, 0x80)

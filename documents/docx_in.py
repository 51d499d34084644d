"""Read an uploaded Word feedback (.docx) as the text the parser reads, refusing hostile files.

A .docx is a zip, so the zip directory is checked first (file size, number of entries,
unpacked size of each entry and in all, a time budget), and only the parts the text needs are
unpacked, each with a bounded read, into a fresh package that python-docx then opens. Word's
automatic list numbering lives in numbering.xml, not in the text, so it is recovered here:
without it "（一）关于……问题的整改" arrives as "关于……问题的整改" and the tree is lost.
Headers, footers and footnotes are separate parts and are never read. A table of problems and
measures (columns 问题 and 整改措施) becomes "问题一：…/整改措施：…" lines, one per row.
"""

from __future__ import annotations

import io
import posixpath
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import docx
from django.utils.translation import gettext as _

from config.errors import InvalidInput

__all__ = [
    "MAX_DOCX_BYTES",
    "docx_text",
    "read_feedback_file",
]

MAX_DOCX_BYTES = 10 * 1024 * 1024
MAX_ENTRIES = 500
MAX_ENTRY_BYTES = 30 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
TIME_BUDGET_SECONDS = 10.0

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 .doc (and .xls, .ppt)
# The parts the body text needs; media, headers, footers, footnotes and comments stay packed.
_NEEDED_PARTS = re.compile(
    r"^(?:\[Content_Types\]\.xml|_rels/\.rels|word/document\.xml|word/_rels/document\.xml\.rels"
    r"|word/numbering\.xml|word/styles\.xml)$"
)


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, field="file")


class _Clock:
    def __init__(self, budget: float) -> None:
        self.deadline = time.monotonic() + budget

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise _refuse(_("Reading the Word file took too long; it was refused."))


def read_feedback_file(file: IO[bytes], *, budget: float = TIME_BUDGET_SECONDS) -> str:
    """The body text of an uploaded .docx, with its automatic numbering written out.

    Raises InvalidInput (field ``file``, a 400) for anything too large, not a .docx, an old
    .doc, or a zip that unpacks to more than the limits.
    """
    clock = _Clock(budget)
    size = getattr(file, "size", None)
    if size is not None and size > MAX_DOCX_BYTES:
        raise _refuse(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_DOCX_BYTES // (1024 * 1024)}
        )
    data = file.read(MAX_DOCX_BYTES + 1)
    if len(data) > MAX_DOCX_BYTES:
        raise _refuse(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_DOCX_BYTES // (1024 * 1024)}
        )
    if data.startswith(_OLE_MAGIC):
        raise _refuse(
            _(
                "This is an old Word document (.doc). Open it in Word or WPS, save it as .docx "
                "and upload that, or paste its text."
            )
        )
    if not data.startswith(_ZIP_MAGIC):
        raise _refuse(_("This is not a Word document (.docx)."))
    package = _safe_package(data, clock)
    try:
        document = docx.Document(io.BytesIO(package))
    except Exception as exc:  # python-docx raises many kinds on a malformed package
        raise _refuse(_("The Word document is damaged and cannot be read.")) from exc
    return docx_text(document, clock=clock)


def _safe_package(data: bytes, clock: _Clock) -> bytes:
    """A new zip holding only the needed parts, each unpacked with a bounded read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(_("This is not a Word document (.docx).")) from exc
    if len(entries) > MAX_ENTRIES:
        raise _refuse(_("The Word document has too many parts; it was refused."))
    declared = sum(entry.file_size for entry in entries)
    if declared > MAX_UNPACKED_BYTES or any(e.file_size > MAX_ENTRY_BYTES for e in entries):
        raise _refuse(_("The Word document unpacks to too much data; it was refused."))
    names = {entry.filename for entry in entries}
    if "word/document.xml" not in names:
        raise _refuse(_("This is not a Word document (.docx)."))

    kept = {entry.filename for entry in entries if _NEEDED_PARTS.match(entry.filename)}
    out = io.BytesIO()
    unpacked = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as clean:
        for entry in entries:
            if not _NEEDED_PARTS.match(entry.filename):
                continue
            # The directory may lie about sizes: read at most one byte past the limit.
            try:
                with archive.open(entry) as stream:
                    chunks: list[bytes] = []
                    while True:
                        chunk = stream.read(1024 * 1024)
                        if not chunk:
                            break
                        unpacked += len(chunk)
                        if unpacked > MAX_UNPACKED_BYTES or len(chunk) > MAX_ENTRY_BYTES:
                            raise _refuse(
                                _("The Word document unpacks to too much data; it was refused.")
                            )
                        chunks.append(chunk)
                        clock.check()
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
                raise _refuse(_("The Word document is damaged and cannot be read.")) from exc
            body = b"".join(chunks)
            if entry.filename.endswith(".rels"):
                # _rels/.rels speaks for the package root, word/_rels/x.rels for word/.
                source_dir = posixpath.dirname(posixpath.dirname(entry.filename))
                body = _keep_needed_relationships(body, source_dir, kept)
            clean.writestr(entry.filename, body)
    return out.getvalue()


_RELATIONSHIP_RE = re.compile(rb"<Relationship\b[^>]*/>|<Relationship\b.*?</Relationship>", re.S)
_TARGET_RE = re.compile(rb'Target="([^"]*)"')


def _keep_needed_relationships(body: bytes, source_dir: str, kept: set[str]) -> bytes:
    """Drop relationships to parts left out, so python-docx does not look for them."""

    def keep(match: re.Match[bytes]) -> bytes:
        relationship = match.group(0)
        if b'TargetMode="External"' in relationship:
            return relationship
        target = _TARGET_RE.search(relationship)
        if target is None:
            return b""
        path = target.group(1).decode("utf-8", "replace")
        resolved = posixpath.normpath(
            path.lstrip("/") if path.startswith("/") else posixpath.join(source_dir, path)
        )
        return relationship if resolved in kept else b""

    return _RELATIONSHIP_RE.sub(keep, body)


# ---------------------------------------------------------------------------
# Automatic numbering

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


def _val(element: Any, tag: str) -> str | None:
    child = element.find(_w(tag)) if element is not None else None
    return child.get(_w("val")) if child is not None else None


_CN_DIGITS = "零一二三四五六七八九"


def _chinese(number: int) -> str:
    if number <= 0 or number >= 10000:
        return str(number)
    parts = []
    zero = False
    for unit_value, unit_name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, number = divmod(number, unit_value)
        if digit:
            if zero:
                parts.append("零")
                zero = False
            parts.append(_CN_DIGITS[digit] + unit_name)
        elif parts:
            zero = True
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def _roman(number: int) -> str:
    pairs: tuple[tuple[int, str], ...] = (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    )
    out = []
    for value, letters in pairs:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def _format_number(number: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified"):
        return _chinese(number)
    if fmt in ("ideographTraditional",):
        return "甲乙丙丁戊己庚辛壬癸"[(number - 1) % 10]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= number <= 20:
        return chr(0x245F + number)
    if fmt == "decimalEnclosedParen" and 1 <= number <= 20:
        return chr(0x2473 + number)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(number))
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (number - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(number)
        return roman.lower() if fmt == "lowerRoman" else roman
    if fmt in ("bullet", "none"):
        return ""
    return str(number)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # lvlRestart: restart after this (1-based) level; 0 = never


@dataclass
class _Numbering:
    """Word's list counters, as Word keeps them: per abstract list, each level restarting
    when a shallower level moves on."""

    abstract_of: dict[str, str] = field(default_factory=dict)
    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, document: Any) -> _Numbering:
        numbering = cls()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return numbering
        for abstract in root.findall(_w("abstractNum")):
            abstract_id = abstract.get(_w("abstractNumId"))
            levels: dict[int, _Level] = {}
            for lvl in abstract.findall(_w("lvl")):
                ilvl = int(lvl.get(_w("ilvl"), "0"))
                restart = _val(lvl, "lvlRestart")
                levels[ilvl] = _Level(
                    start=_int(_val(lvl, "start"), 1),
                    fmt=_val(lvl, "numFmt") or "decimal",
                    text=_val(lvl, "lvlText") or "",
                    restart=_int(restart, 0) if restart is not None else None,
                )
            numbering.levels[abstract_id] = levels
        for num in root.findall(_w("num")):
            num_id = num.get(_w("numId"))
            abstract_id = _val(num, "abstractNumId")
            if num_id is None or abstract_id is None:
                continue
            numbering.abstract_of[num_id] = abstract_id
            for override in num.findall(_w("lvlOverride")):
                start = _val(override, "startOverride")
                if start is not None:
                    ilvl = int(override.get(_w("ilvl"), "0"))
                    numbering.overrides.setdefault(num_id, {})[ilvl] = _int(start, 1)
        return numbering

    def label(self, num_id: str, ilvl: int) -> str:
        abstract_id = self.abstract_of.get(num_id)
        levels = self.levels.get(abstract_id or "")
        if num_id == "0" or not levels or ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract_id or "", {})
        if num_id not in self.started:
            # A list instance with its own start restarts the abstract list's counters.
            self.started.add(num_id)
            for override_level, start in self.overrides.get(num_id, {}).items():
                counters[override_level] = start - 1
        level = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper, deeper_level in levels.items():
            if deeper > ilvl and deeper_level.restart != 0:
                counters.pop(deeper, None)

        def number_of(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            if index not in levels:
                return ""
            value = counters.get(index, levels[index].start)
            return _format_number(value, levels[index].fmt)

        return re.sub(r"%([1-9])", number_of, level.text)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _style_numbering(document: Any) -> dict[str, tuple[str, int]]:
    """Numbering inherited from paragraph styles (heading styles are often numbered)."""
    found: dict[str, tuple[str, int]] = {}
    try:
        styles = document.styles.element
    except (KeyError, AttributeError):
        return found
    for style in styles.findall(_w("style")):
        num_pr = style.find(f"{_w('pPr')}/{_w('numPr')}")
        if num_pr is None:
            continue
        num_id = _val(num_pr, "numId")
        if num_id is not None:
            found[style.get(_w("styleId"), "")] = (num_id, _int(_val(num_pr, "ilvl"), 0))
    return found


# ---------------------------------------------------------------------------
# Body text


class _Reader:
    def __init__(self, document: Any, clock: _Clock | None) -> None:
        self.numbering = _Numbering.of(document)
        self.style_numbering = _style_numbering(document)
        self.clock = clock

    def paragraph(self, p: Any) -> str:
        if self.clock is not None:
            self.clock.check()
        text = "".join(self._runs(p))
        p_pr = p.find(_w("pPr"))
        num_pr = p_pr.find(_w("numPr")) if p_pr is not None else None
        numbered: tuple[str, int] | None = None
        if num_pr is not None and _val(num_pr, "numId") is not None:
            numbered = (_val(num_pr, "numId") or "0", _int(_val(num_pr, "ilvl"), 0))
        elif p_pr is not None:
            numbered = self.style_numbering.get(_val(p_pr, "pStyle") or "")
        if numbered is not None and text.strip():
            text = _closed(self.numbering.label(*numbered) + text.strip())
        return text

    def _runs(self, p: Any) -> Iterator[str]:
        for node in p.iter(_w("t"), _w("tab"), _w("br"), _w("delText")):
            if node.tag == _w("delText"):
                continue  # deleted in tracked changes
            if node.tag == _w("t"):
                yield node.text or ""
            elif node.tag == _w("tab"):
                yield " "
            else:
                yield "\n"

    def blocks(self, parent: Any) -> Iterator[str]:
        for child in parent.iterchildren():
            if child.tag == _w("p"):
                yield self.paragraph(child)
            elif child.tag == _w("tbl"):
                yield from self.table(child)
            elif child.tag == _w("sdt"):
                content = child.find(_w("sdtContent"))
                if content is not None:
                    yield from self.blocks(content)

    def _cells(self, row: Any) -> list[list[str]]:
        cells = []
        for tc in row.findall(_w("tc")):
            paragraphs = [self.paragraph(p) for p in tc.iter(_w("p"))]
            cells.append([text.strip() for text in paragraphs if text.strip()])
            span = _int(_val(tc.find(_w("tcPr")), "gridSpan"), 1)
            cells.extend([] for _ in range(span - 1))
        return cells

    def table(self, tbl: Any) -> Iterator[str]:
        rows = [self._cells(tr) for tr in tbl.findall(_w("tr"))]
        columns = _problem_columns(rows)
        if columns is None:
            for cells in rows:
                for cell in cells:
                    yield from cell
            return
        yield from _problem_table(rows[columns.header + 1 :], columns)


@dataclass
class _Columns:
    header: int
    problem: int
    measures: int
    aspect: int | None


def _problem_columns(rows: list[list[list[str]]]) -> _Columns | None:
    """The header row of a table of problems and measures, within its first three rows."""
    for index, cells in enumerate(rows[:3]):
        names = ["".join(cell) for cell in cells]
        problem = next((i for i, n in enumerate(names) if "问题" in n and len(n) <= 12), None)
        measures = next(
            (i for i, n in enumerate(names) if ("措施" in n or "举措" in n) and len(n) <= 12),
            None,
        )
        if problem is not None and measures is not None and problem != measures:
            aspect = next(
                (i for i, n in enumerate(names) if "方面" in n and len(n) <= 8 and i != problem),
                None,
            )
            return _Columns(index, problem, measures, aspect)
    return None


_TYPED_NUMBER_RE = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|\d{1,3}\s*[、.．]|[一二三四五六七八九十]{1,3}[是、]"
    r"|[\u2460-\u2487]|第[一二三四五六七八九十]{1,3}[，,、：:])"
)


def _problem_table(rows: list[list[list[str]]], columns: _Columns) -> Iterator[str]:
    """Rows of (aspect,) problem, measures as announced problems; a merged or empty problem
    cell continues the problem above with more measures."""
    current_problem = ""
    current_aspect = ""
    problem_number = 0
    aspect_number = 0
    measure_number = 0

    def cell(cells: list[list[str]], index: int | None) -> list[str]:
        return cells[index] if index is not None and index < len(cells) else []

    for cells in rows:
        problem = " ".join(cell(cells, columns.problem)).strip()
        aspect = " ".join(cell(cells, columns.aspect)).strip()
        measures = cell(cells, columns.measures)
        if not problem and not measures:
            continue
        if aspect and aspect != current_aspect:
            current_aspect = aspect
            aspect_number += 1
            name = aspect[:-2] if aspect.endswith("方面") else aspect
            yield f"{_chinese(aspect_number)}、在“{name}”方面"
        if problem and problem != current_problem:
            current_problem = problem
            problem_number += 1
            measure_number = 0
            yield f"问题{_chinese(problem_number)}：{problem.rstrip('。')}"
            yield "整改措施："
        for text in measures:
            if _TYPED_NUMBER_RE.match(text):
                yield _closed(text)
            else:
                measure_number += 1
                yield _closed(f"（{measure_number}）{text}")


_OPEN_END_RE = re.compile(r"[\w”’）)」』》]$")


def _closed(text: str) -> str:
    """End a list item with a stop when it has none: in the text the items are glued into one
    flow, and a number only opens an item after a stop. The parser trims a trailing ；."""
    return text + "；" if _OPEN_END_RE.search(text) else text


def docx_text(document: Any, *, clock: _Clock | None = None) -> str:
    """The text of a python-docx Document's body, one paragraph a line."""
    reader = _Reader(document, clock)
    return "\n".join(line for line in reader.blocks(document.element.body) if line.strip())

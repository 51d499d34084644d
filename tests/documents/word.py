"""Build Word files in tests: automatic numbering as Word writes it, tables, hostile zips."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

# Level 0 prints （一）, level 1 prints 1. and restarts under each level-0 item, the way a
# feedback template in Word numbers its problems and measures.
ABSTRACT_NUM = f"""
<w:abstractNum {nsdecls("w")} w:abstractNumId="90">
  <w:multiLevelType w:val="multilevel"/>
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:lvlText w:val="（%1）"/><w:lvlJc w:val="left"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>
    <w:lvlText w:val="%2."/><w:lvlJc w:val="left"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/>
    <w:lvlText w:val="%3"/><w:lvlJc w:val="left"/></w:lvl>
</w:abstractNum>
"""
NUM = f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'


def numbered_document(items: list[tuple[int | None, str]]) -> docx.Document:
    """A document whose (level, text) paragraphs are numbered by numbering.xml; level None
    is a plain paragraph. No number is typed into any paragraph."""
    document = docx.Document()
    numbering = document.part.numbering_part.element
    first_num = numbering.find(qn("w:num"))
    abstract = parse_xml(ABSTRACT_NUM)
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(NUM))
    for level, text in items:
        paragraph = document.add_paragraph(text)
        if level is not None:
            p_pr = paragraph._p.get_or_add_pPr()
            p_pr.append(
                parse_xml(
                    f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/>'
                    f'<w:numId w:val="90"/></w:numPr>'
                )
            )
    return document


def as_bytes(document: docx.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def with_header_and_footer(document: docx.Document, header: str, footer: str) -> None:
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    section.footer.paragraphs[0].text = footer


def table_document(header: list[str], rows: list[list[str | list[str]]]) -> docx.Document:
    """A document holding one table; a list in a cell becomes one paragraph per item."""
    document = docx.Document()
    document.add_paragraph("某某区委巡察反馈问题整改台账")
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    for index, name in enumerate(header):
        table.rows[0].cells[index].text = name
    for row_index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            cell = table.rows[row_index].cells[column]
            items = value if isinstance(value, list) else [value]
            cell.text = items[0]
            for item in items[1:]:
                cell.add_paragraph(item)
    return document


def merge_down(document: docx.Document, column: int, first_row: int, last_row: int) -> None:
    table = document.tables[0]
    top = table.cell(first_row, column)
    text = top.text
    top.merge(table.cell(last_row, column))
    # merge() joins the texts of the merged cells; keep the top one's.
    for paragraph in top.paragraphs[1:]:
        paragraph._p.getparent().remove(paragraph._p)
    top.paragraphs[0].text = text


def zip_bomb(unpacked_mb: int = 200) -> bytes:
    """A zip that looks like a .docx and unpacks word/document.xml to `unpacked_mb` MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as stream:
            block = b"\0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                stream.write(block)
    return out.getvalue()


def many_entries(count: int = 5000) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        for index in range(count):
            archive.writestr(f"word/media/x{index}.bin", b"")
    return out.getvalue()


__all__ = [
    "as_bytes",
    "many_entries",
    "merge_down",
    "numbered_document",
    "table_document",
    "with_header_and_footer",
    "zip_bomb",
]

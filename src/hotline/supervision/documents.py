"""Supervision letters as Word documents (.docx): the letter as sent, with its number, the
addressee, the body and the response deadline, ready to print, sign and seal."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.run import Run

from hotline.kit import clock
from hotline.supervision.models import LETTER_NAMES, SupervisionLetter

FONT = "SimSun"  # 宋体, with the East Asian font set explicitly so Word renders the Chinese


def _font(run: Run, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def letter_docx(letter: SupervisionLetter) -> bytes:
    doc = Document()
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(head.add_run(LETTER_NAMES[letter.kind]), 22, bold=True)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(number.add_run(letter.number or ""), 12)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(letter.title), 16, bold=True)
    for line in letter.body.split("\n"):
        _font(doc.add_paragraph().add_run(line), 14)
    due = letter.due_at.astimezone(clock.CST)
    _font(doc.add_paragraph().add_run(f"回复期限：{due.year}年{due.month}月{due.day}日 {due:%H:%M} 前"), 12)
    if letter.response:
        _font(doc.add_paragraph().add_run("承办单位回复："), 12, bold=True)
        _font(doc.add_paragraph().add_run(letter.response), 12)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()

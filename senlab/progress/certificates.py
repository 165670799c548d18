"""Certificates: looking one up by code, and drawing its PDF with a QR code to verify it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import matplotlib
import segno
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from senlab.progress.models import Certificate, Course, Trainee

# DejaVu covers Vietnamese; matplotlib (a dependency) ships it, so no system font is needed.
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT, FONT_BOLD = "SenLabSans", "SenLabSans-Bold"


def register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))


@dataclass(frozen=True)
class CertificateView:
    """What a certificate shows: only the name, the course and the date."""

    code: str
    name: str
    course: str
    issued_on: date
    trainee_username: str


def find_certificate(session: Session, *, code: str) -> CertificateView | None:
    row = session.execute(
        select(Certificate.code, Trainee.full_name, Trainee.username, Course.title,
               Course.id, Certificate.issued_at)
        .join(Trainee, Trainee.id == Certificate.trainee_id)
        .join(Course, Course.id == Certificate.course_id)
        .where(Certificate.code == code.strip().upper())).first()
    if row is None:
        return None
    code, full_name, username, title, course_id, issued_at = row
    return CertificateView(code=code, name=full_name or username, course=title or course_id,
                           issued_on=issued_at.date(), trainee_username=username)


def certificate_pdf(view: CertificateView, verify_url: str) -> bytes:
    """A one-page A4 certificate in Vietnamese and English with a QR code to `verify_url`."""
    register_fonts()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(A4))
    width, height = landscape(A4)
    page.setTitle(f"SenLab {view.code}")
    page.setFont(FONT_BOLD, 28)
    page.drawCentredString(width / 2, height - 40 * mm, "GIẤY CHỨNG NHẬN")
    page.setFont(FONT, 14)
    page.drawCentredString(width / 2, height - 50 * mm, "Certificate of completion")
    page.drawCentredString(width / 2, height - 70 * mm, "Chứng nhận / This certifies that")
    page.setFont(FONT_BOLD, 24)
    page.drawCentredString(width / 2, height - 85 * mm, view.name)
    page.setFont(FONT, 14)
    page.drawCentredString(width / 2, height - 100 * mm,
                           "đã hoàn thành khóa học / has completed the course")
    page.setFont(FONT_BOLD, 18)
    page.drawCentredString(width / 2, height - 113 * mm, view.course)
    page.setFont(FONT, 12)
    page.drawCentredString(width / 2, height - 128 * mm,
                           f"Ngày cấp / Issued on: {view.issued_on:%d/%m/%Y}")
    page.drawString(20 * mm, 20 * mm, f"Mã xác minh / Verification code: {view.code}")
    page.drawString(20 * mm, 14 * mm, verify_url)
    qr_png = io.BytesIO()
    segno.make(verify_url, error="m").save(qr_png, kind="png", scale=6, border=2)
    qr_png.seek(0)
    page.drawImage(ImageReader(qr_png), width - 60 * mm, 10 * mm, 45 * mm, 45 * mm)
    page.showPage()
    page.save()
    return buffer.getvalue()

"""Certificates: looking one up by code, and drawing its signed PDF with a QR code to verify it.

The PDF names the issuing organisation, the course in Vietnamese and English, its hours,
the date of issue, the signer and the code, and carries a QR code of the verification
page. When a signer is given (`senlab.progress.signing`), the PDF is signed with it, so a
changed byte shows when it is checked (``senlab verify``, or the verification page).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
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

from senlab.courses import CourseError, load_course
from senlab.i18n import format_number
from senlab.progress.models import Certificate, Course, Trainee
from senlab.progress.signing import Signer, sign_pdf
from senlab.settings import Settings

# DejaVu covers Vietnamese; matplotlib (a dependency) ships it, so no system font is needed.
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT, FONT_BOLD = "SenLabSans", "SenLabSans-Bold"
DEFAULT_ORGANISATION = "SenLab"


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
    course_id: str = ""
    issued_at: datetime | None = None


@dataclass(frozen=True)
class CourseFacts:
    """The course as its course.yaml states it: titles in both languages, hours, what it
    teaches. Without the file, the title the progress database has, in both places."""

    title_vi: str
    title_en: str
    hours: float | None
    competencies: tuple[str, ...] = ()


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
                           issued_on=issued_at.date(), trainee_username=username,
                           course_id=course_id, issued_at=issued_at)


def course_facts(settings: Settings, view: CertificateView) -> CourseFacts:
    """The course of `view` from its course.yaml (the repository's courses/, else the copy
    published under SENLAB_HOME/courses); the database's title when neither reads."""
    for folder in (settings.repo_root / "courses" / view.course_id,
                   settings.home / "courses" / view.course_id):
        if view.course_id and (folder / "course.yaml").is_file():
            try:
                course = load_course(folder)
            except CourseError:
                continue
            return CourseFacts(title_vi=course.title.vi, title_en=course.title.en,
                               hours=course.hours, competencies=tuple(course.competencies))
    return CourseFacts(title_vi=view.course, title_en=view.course, hours=None)


def issuing_organisation(settings: Settings, signer: Signer | None) -> str:
    """Who issues: SENLAB_ISSUER_NAME if set, else the organisation of the signer's
    certificate (the name the signature vouches for), else "SenLab"."""
    given = settings.issuer_name
    if given:
        return str(given)
    if signer is not None and signer.organisation:
        return signer.organisation
    return DEFAULT_ORGANISATION


def hours_text(hours: float | None) -> str:
    """`16 giờ / 16 hours`, `1,5 giờ / 1.5 hours`; a dash when the course file is absent."""
    if hours is None:
        return "—"
    return f"{format_number(hours, 'vi')} giờ / {format_number(hours, 'en')} hours"


def certificate_pdf(view: CertificateView, verify_url: str, *, facts: CourseFacts | None = None,
                    organisation: str = DEFAULT_ORGANISATION,
                    signer: Signer | None = None) -> bytes:
    """A one-page A4 certificate in Vietnamese and English with a QR code to `verify_url`,
    signed by `signer` when one is given."""
    facts = facts or CourseFacts(title_vi=view.course, title_en=view.course, hours=None)
    register_fonts()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(A4))
    width, height = landscape(A4)
    page.setTitle(f"SenLab {view.code}")
    page.setAuthor(organisation)
    page.setFont(FONT, 13)
    page.drawCentredString(width / 2, height - 22 * mm, organisation)
    page.setFont(FONT_BOLD, 28)
    page.drawCentredString(width / 2, height - 40 * mm, "GIẤY CHỨNG NHẬN")
    page.setFont(FONT, 14)
    page.drawCentredString(width / 2, height - 50 * mm, "Certificate of completion")
    page.drawCentredString(width / 2, height - 66 * mm, "Chứng nhận / This certifies that")
    page.setFont(FONT_BOLD, 24)
    page.drawCentredString(width / 2, height - 80 * mm, view.name)
    page.setFont(FONT, 14)
    page.drawCentredString(width / 2, height - 94 * mm,
                           "đã hoàn thành khóa học / has completed the course")
    page.setFont(FONT_BOLD, 18)
    page.drawCentredString(width / 2, height - 107 * mm, facts.title_vi)
    page.setFont(FONT, 14)
    if facts.title_en != facts.title_vi:
        page.drawCentredString(width / 2, height - 115 * mm, facts.title_en)
    page.setFont(FONT, 12)
    page.drawCentredString(width / 2, height - 127 * mm,
                           f"Thời lượng / Duration: {hours_text(facts.hours)}")
    page.drawCentredString(width / 2, height - 134 * mm,
                           f"Ngày cấp / Issued on: {view.issued_on:%d/%m/%Y}")
    page.drawString(20 * mm, 34 * mm, f"Đơn vị cấp / Issued by: {organisation}")
    if signer is not None:
        page.drawString(20 * mm, 27 * mm, f"Ký số bởi / Digitally signed by: {signer.name}")
    page.drawString(20 * mm, 20 * mm, f"Mã xác minh / Verification code: {view.code}")
    page.drawString(20 * mm, 14 * mm, verify_url)
    qr_png = io.BytesIO()
    segno.make(verify_url, error="m").save(qr_png, kind="png", scale=6, border=2)
    qr_png.seek(0)
    page.drawImage(ImageReader(qr_png), width - 60 * mm, 10 * mm, 45 * mm, 45 * mm)
    page.showPage()
    page.save()
    pdf = buffer.getvalue()
    if signer is None:
        return pdf
    return sign_pdf(pdf, signer, reason=f"SenLab certificate {view.code}",
                    location=organisation)

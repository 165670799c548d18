"""The report as an administrative document (văn bản hành chính), per Decree 30/2020/NĐ-CP
on document work (công tác văn thư), Appendix I (the format of administrative documents).

A report (báo cáo) carries, in this order: the national motto (Quốc hiệu và Tiêu ngữ), the
governing body and the issuing body (cơ quan ban hành), the number and symbol (số, ký hiệu:
``Số: 12/BC-SKHCN``), the place and date (``Đồng Tháp, ngày 05 tháng 01 năm 2027``: a day
below 10 and the months 1 and 2 take a leading zero), the type and the summary line (trích
yếu), the body, the recipients (Nơi nhận) and the signer's title and name: the main
components of Article 8 of the decree (as lawnet.vn lists them: "National Emblem and Motto;
name of the agency issuing the document; number and code; location and time of issuance;
type and summary; content; position, full name and signature of the authorized person;
seal, digital signature; recipients"). The date rule is Appendix I's, as vietnam.vn quotes
it: "for numbers representing days less than 10 and months 1 and 2, a zero must be added in
front".

Each field is a report option (``senlab report --number … --signer-name …``) with a default
for the demo: the issuing body is SENLAB_ISSUER_NAME when set, the signer's name is the
name (CN) of the signing certificate. DOST sets them as site/reports.md says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
DEFAULT_GOVERNING_BODY = "UBND TỈNH ĐỒNG THÁP"
DEFAULT_ISSUER = "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
DEFAULT_SYMBOL = "BC-SKHCN"
DEFAULT_PLACE = "Đồng Tháp"
DEFAULT_SIGNER_TITLE = "GIÁM ĐỐC"
DEFAULT_RECIPIENTS = ("UBND Tỉnh (để báo cáo)", "Ban Quản lý các khu công nghiệp Tỉnh",
                      "Lưu: VT")
SUMMARY = ("Kết quả đào tạo nhân lực vận hành 5G, IoT trong các khu công nghiệp, cụm công "
           "nghiệp {period}, thực hiện Kế hoạch số 478/KH-UBND")


@dataclass(frozen=True)
class DocumentOptions:
    """What DOST chooses for one report; None or empty takes the default."""

    number: str = ""  # empty: the number is left blank for the clerk (văn thư) to register
    symbol: str = DEFAULT_SYMBOL
    governing_body: str = DEFAULT_GOVERNING_BODY
    issuer: str | None = None
    place: str = DEFAULT_PLACE
    day: date | None = None
    recipients: tuple[str, ...] = field(default=DEFAULT_RECIPIENTS)
    signer_title: str = DEFAULT_SIGNER_TITLE
    signer_name: str | None = None


@dataclass(frozen=True)
class Document:
    """The administrative fields of one report, resolved."""

    governing_body: str
    issuer: str
    number: str
    symbol: str
    place: str
    day: date
    summary: str
    recipients: tuple[str, ...]
    signer_title: str
    signer_name: str

    @property
    def number_line(self) -> str:
        """``Số: 12/BC-SKHCN``, or ``Số:      /BC-SKHCN`` before the clerk numbers it."""
        return f"Số: {self.number or ' ' * 8}/{self.symbol}"

    @property
    def date_line(self) -> str:
        return f"{self.place}, {date_words(self.day)}"

    def signer_title_lines(self) -> list[str]:
        """``KT. GIÁM ĐỐC|PHÓ GIÁM ĐỐC`` (or a line break): one signing on behalf of the
        head (ký thay), a line each, in capitals."""
        parts = self.signer_title.replace("|", "\n").splitlines()
        return [part.strip().upper() for part in parts if part.strip()]

    def recipient_lines(self) -> list[str]:
        """``- UBND Tỉnh (để báo cáo);`` …, the last ending with a full stop."""
        items = [r.strip().rstrip(";.") for r in self.recipients if r.strip()]
        return [f"- {r}{'.' if n == len(items) - 1 else ';'}" for n, r in enumerate(items)]


def date_words(day: date) -> str:
    """``ngày 05 tháng 01 năm 2027``, ``ngày 14 tháng 6 năm 2026`` (Decree 30/2020, Appendix
    I: a day below 10 and the months 1 and 2 are written with a leading zero)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def resolve(options: DocumentOptions, *, period_name: str, today: date,
            issuer_setting: str | None, signer_name: str | None) -> Document:
    """The document's fields: the options, else the settings, else the demo defaults."""
    return Document(
        governing_body=options.governing_body or DEFAULT_GOVERNING_BODY,
        issuer=options.issuer or issuer_setting or DEFAULT_ISSUER,
        number=options.number, symbol=options.symbol or DEFAULT_SYMBOL,
        place=options.place or DEFAULT_PLACE, day=options.day or today,
        summary=SUMMARY.format(period=period_name),
        recipients=tuple(options.recipients) or DEFAULT_RECIPIENTS,
        signer_title=options.signer_title or DEFAULT_SIGNER_TITLE,
        signer_name=options.signer_name or signer_name or "")

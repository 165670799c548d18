"""The report as an administrative document (Decree 30/2020/NĐ-CP, Appendix I), read back:
the PDF through pypdf, the XLSX through openpyxl; signed, and checked by pyHanko."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from senlab.cli import main
from senlab.progress.goals import goals_path, load_goals
from senlab.progress.reports.document import DocumentOptions, date_words
from senlab.progress.reports.render import write_report
from senlab.progress.signing import signer_for, verify_pdf
from tests.progress.conftest import event, post_events
from tests.progress.world import build_world

OPTIONS = DocumentOptions(number="27", signer_name="Nguyễn Văn Minh",
                          signer_title="KT. GIÁM ĐỐC|PHÓ GIÁM ĐỐC",
                          recipients=("UBND Tỉnh (để báo cáo)", "Sở Tài chính", "Lưu: VT, KHTC"),
                          day=date(2026, 6, 18))


@pytest.fixture
def reported(app, api):
    build_world(app, api)
    post_events(api, [event("grade.recorded", "2026-08-01T00:00:00Z", trainee="binh",
                            course="5g201", assignment="b1", score=8, max_score=10)])


def pdf_text(path) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return " ".join(text.split())  # reportlab breaks lines where the page is narrow


def test_the_date_line_writes_leading_zeros_as_decree_30_asks():
    assert date_words(date(2027, 1, 5)) == "ngày 05 tháng 01 năm 2027"
    assert date_words(date(2026, 2, 28)) == "ngày 28 tháng 02 năm 2026"
    assert date_words(date(2026, 6, 14)) == "ngày 14 tháng 6 năm 2026"
    assert date_words(date(2026, 12, 3)) == "ngày 03 tháng 12 năm 2026"


def test_the_pdf_carries_every_administrative_field(settings, reported, tmp_path):
    out = write_report(settings, "2026H1", "pdf", tmp_path / "r.pdf", options=OPTIONS)
    text = pdf_text(out)
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "UBND TỈNH ĐỒNG THÁP", "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "Số: 27/BC-SKHCN", "Đồng Tháp, ngày 18 tháng 6 năm 2026",
        "BÁO CÁO", "Kết quả đào tạo nhân lực vận hành 5G, IoT trong các khu công nghiệp, "
                   "cụm công nghiệp 6 tháng đầu năm 2026, thực hiện Kế hoạch số 478/KH-UBND",
        "Nơi nhận:", "- UBND Tỉnh (để báo cáo);", "- Sở Tài chính;", "- Lưu: VT, KHTC.",
        "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn Minh",
        # The period and its cut-off (Decree 09/2019, Article 12), and the rule named.
        "từ ngày 15/12/2025 đến ngày 14/06/2026", "Ngày chốt số liệu: 14/06/2026",
        "Điều 12 Nghị định số 09/2019/NĐ-CP",
        # Cumulative and within-period columns.
        "Thực hiện đến ngày chốt số liệu (lũy kế)", "Ghi danh (trong kỳ)",
        "Hoàn thành khóa học (trong kỳ)", "Giấy chứng nhận đã cấp (lũy kế)",
        "Chỉ tiêu đào tạo (do SenLab suy ra)",
    ]:
        assert expected in text, expected


def test_no_internal_id_reaches_the_pdf_or_the_workbook(settings, reported, tmp_path):
    ids = [i.id for i in load_goals(goals_path(settings.home))]
    assert "enterprises-5g-technician" in ids
    text = pdf_text(write_report(settings, "2026", "pdf", tmp_path / "r.pdf"))
    book = load_workbook(write_report(settings, "2026", "xlsx", tmp_path / "r.xlsx"))
    cells = " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True)
                     for v in row if v is not None)
    for found in (text, cells):
        assert [i for i in ids if i in found] == []
        # Nor the parks' and courses' codes: rows carry their names.
        assert "KCN-SD" not in found and "CCN-TB" not in found
        assert "iot101" not in found and "5g201" not in found
    assert "Tỷ lệ doanh nghiệp trong KCN, CCN có ít nhất một kỹ thuật viên" in text


def test_the_chart_is_labelled_with_titles_not_ids(settings, reported, tmp_path):
    from senlab.progress import db
    from senlab.progress.reports.data import parse_period
    from senlab.progress.reports.pdf import _chart
    from senlab.progress.reports.render import report_data

    engine = db.make_engine(settings.db_url)
    try:
        with db.session_factory(engine)() as session:
            data = report_data(session, indicators=load_goals(goals_path(settings.home)),
                               period=parse_period("2026"))
    finally:
        engine.dispose()
    chart = next(c for c in _chart(data).contents if hasattr(c, "categoryAxis"))
    names = chart.categoryAxis.categoryNames
    assert names and all(name.startswith("(") for name in names)
    assert not any(i.id in name for i in data.goals.indicators for name in names)


def test_the_workbook_is_ready_to_paste_into_the_forms(settings, reported, tmp_path):
    out = write_report(settings, "2026", "xlsx", tmp_path / "r.xlsx", options=OPTIONS)
    book = load_workbook(out)
    assert book.sheetnames == ["Chỉ tiêu", "Theo KCN-CCN", "Theo khóa học"]
    for sheet in book:
        top = [row[0] for row in sheet.iter_rows(max_row=8, values_only=True)]
        assert top[0] == "SỞ KHOA HỌC VÀ CÔNG NGHỆ" and top[1] == "Số: 27/BC-SKHCN"
        assert "từ ngày 15/12/2025 đến ngày 14/12/2026" in top[4]
        assert top[5] == "Ngày chốt số liệu: 14/12/2026"
    parks = [list(r) for r in book["Theo KCN-CCN"].iter_rows(values_only=True)]
    header = next(r for r in parks if r[0] == "STT")
    assert header[6:8] == ["Ghi danh (trong kỳ)", "Hoàn thành khóa học (trong kỳ)"]
    assert header[3] == "Số doanh nghiệp (lũy kế)"
    # Numbers are numbers: binh's 5g201, completed 01/08/2026, is inside the year.
    tan_binh = next(r for r in parks if r[1] == "CCN Tân Bình")
    assert tan_binh == [1, "CCN Tân Bình", "CCN", 1, 1, 1, 2, 1, 1]
    assert all(isinstance(v, int) for v in tan_binh[3:])


def test_the_signed_report_validates_and_a_changed_byte_fails(settings, reported, tmp_path,
                                                               monkeypatch, capsys):
    out = write_report(settings, "2026H1", "pdf", tmp_path / "r.pdf", options=OPTIONS)
    signed = out.read_bytes()
    roots = signer_for(settings).trust_roots
    check = verify_pdf(signed, roots)
    assert check.valid and check.intact and check.trusted, check
    at = signed.index(b"ReportLab PDF")  # in the signed Producer string
    tampered = signed[:at] + b"T" + signed[at + 1:]
    assert len(tampered) == len(signed)
    assert verify_pdf(tampered, roots).problem == "altered"
    # And `senlab verify` says so, with the same SENLAB_HOME (its demo CA).
    monkeypatch.setenv("SENLAB_HOME", str(settings.home))
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["verify", str(out)]) == 0
    (tmp_path / "bad.pdf").write_bytes(tampered)
    assert main(["verify", str(tmp_path / "bad.pdf")]) != 0
    capsys.readouterr()

"""The certificate's PDF is signed and says who issued it; the verification page takes a
code or a PDF, and the route checks a posted PDF's signature."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from senlab.progress.app import create_app
from senlab.progress.identity import Identity
from senlab.progress.signing import load_trust, verify_pdf
from tests.progress.conftest import ApiAs
from tests.progress.world import build_world

AN = Identity("an", groups=frozenset({"trainees"}))


@pytest.fixture
def code(app, api) -> str:
    return build_world(app, api)


@pytest.fixture
def pdf(api, code) -> bytes:
    response = api(AN, "GET", f"/api/certificates/{code}/pdf")
    assert response.status_code == 200
    return response.content


def test_the_pdf_names_the_issuer_course_hours_date_and_signer(pdf, code):
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for shown in ("Đơn vị cấp / Issued by: SenLab (DEMO)",
                  "IoT cơ bản: cảm biến, MQTT và dữ liệu đo",  # courses/iot101/course.yaml
                  "IoT basics: sensors, MQTT and telemetry",
                  "Thời lượng / Duration: 16 giờ / 16 hours",
                  "Ngày cấp / Issued on: 10/02/2026",
                  "Ký số bởi / Digitally signed by: SenLab DEMO signer (not for production)",
                  f"Mã xác minh / Verification code: {code}"):
        assert shown in text
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1  # the QR code


def test_the_pdf_is_signed_and_the_published_ca_validates_it(api, pdf, tmp_path):
    ca = api(None, "GET", "/api/issuer/ca.pem")
    assert ca.status_code == 200 and ca.content.startswith(b"-----BEGIN CERTIFICATE-----")
    (tmp_path / "ca.pem").write_bytes(ca.content)
    check = verify_pdf(pdf, load_trust(tmp_path / "ca.pem"))
    assert check.valid and check.signer == "SenLab DEMO signer (not for production)"


def test_the_route_checks_a_posted_pdf(api, pdf):
    answer = api(None, "POST", "/api/pdf/verify", content=pdf,
                 headers={"Content-Type": "application/pdf"}).json()
    assert answer["valid"] and answer["intact"] and answer["trusted"], answer
    assert answer["message_vi"] == "Chữ ký số hợp lệ, tài liệu còn nguyên vẹn"
    at = pdf.index(b"SenLab SL-")  # the title: "S" → "T"
    tampered = pdf[:at] + b"T" + pdf[at + 1:]
    answer = api(None, "POST", "/api/pdf/verify", content=tampered,
                 headers={"Content-Type": "application/pdf"}).json()
    assert not answer["valid"] and answer["problem"] == "altered"
    assert answer["message_en"] == "The document was changed after signing"
    empty = api(None, "POST", "/api/pdf/verify", content=b"")
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"] == ["body", "file"]
    junk = api(None, "POST", "/api/pdf/verify", content=b"not a pdf").json()
    assert junk["problem"] == "unreadable" and not junk["valid"]


def test_the_verification_page_has_a_box_for_the_code(api, code):
    page = api(None, "GET", "/verify")
    assert page.status_code == 200
    assert '<input type="text" id="code" name="code"' in page.text
    assert 'action="/services/progress/verify"' in page.text
    assert 'type="file" id="pdf"' in page.text
    found = api(None, "GET", f"/verify/{code}")
    assert 'name="code"' in found.text and f'value="{code}"' in found.text


def test_a_typed_code_leads_to_its_page_whatever_its_case(api, code):
    response = api(None, "GET", f"/verify?code=+{code.lower()}+", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/services/progress/verify/{code}"
    assert "Nguyễn Văn An" in api(None, "GET", f"/verify?code={code.lower()}").text


def test_markup_typed_as_a_code_is_escaped_in_the_box(api):
    response = api(None, "GET", '/verify/"><script>x</script>')
    assert "<script>x" not in response.text and response.status_code == 404


def test_in_production_without_a_signer_the_pdf_is_refused_naming_the_setting(settings, code,
                                                                              api):
    production = settings.model_copy(update={"environment": "production"})
    app = create_app(production)
    try:
        response = ApiAs(app)(AN, "GET", f"/api/certificates/{code}/pdf")
    finally:
        app.state.engine.dispose()
    assert response.status_code == 503
    assert "SENLAB_SIGNER_P12 is not set" in response.text


def test_the_pdf_check_has_a_path_of_its_own_not_a_certificate_code(api):
    # Found by the fuzz run: under /api/verify/ the route met GET /api/verify/{code}.
    options = api(None, "OPTIONS", "/api/pdf/verify")
    assert (options.status_code, options.headers["allow"]) == (405, "POST")
    assert api(None, "GET", "/api/verify/pdf").status_code == 404  # no certificate "pdf"

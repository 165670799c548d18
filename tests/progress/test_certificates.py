"""Certificates: anyone can verify a code and sees only the name, the course and the date."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from senlab.progress.crud.completions import CODE_ALPHABET, new_certificate_code
from senlab.progress.identity import Identity
from tests.progress.world import build_world

AN = Identity("an", groups=frozenset({"trainees"}))


@pytest.fixture
def code(app, api) -> str:
    return build_world(app, api)


def test_codes_are_long_random_and_unambiguous():
    codes = {new_certificate_code() for _ in range(2000)}
    assert len(codes) == 2000
    for value in codes:
        raw = value.removeprefix("SL-").replace("-", "")
        assert len(raw) == 10 and set(raw) <= set(CODE_ALPHABET)


def test_the_public_page_shows_the_name_course_and_date_only(api, code):
    response = api(None, "GET", f"/verify/{code}")
    assert response.status_code == 200
    assert "Nguyễn Văn An" in response.text
    assert "IOT101" in response.text  # the course's title
    assert "10/02/2026" in response.text
    for private in ("an@", "E1", "Công ty A", "KCN", "score", "90"):
        assert private not in response.text


def test_a_lower_case_code_is_still_found(api, code):
    assert api(None, "GET", f"/api/verify/{code.lower()}").json()["name"] == "Nguyễn Văn An"


def test_an_unknown_code_is_404_and_says_so(api, code):
    response = api(None, "GET", "/verify/SL-0000-0000-00")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text
    assert api(None, "GET", "/api/verify/SL-0000-0000-00").status_code == 404


def test_markup_in_a_code_is_escaped(api, code):
    response = api(None, "GET", "/verify/<script>x</script>")
    assert "<script>" not in response.text


def test_the_pdf_carries_the_name_course_code_and_verify_link(api, code, settings):
    response = api(AN, "GET", f"/api/certificates/{code}/pdf")
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Nguyễn Văn An" in text
    assert code in text
    assert f"http://127.0.0.1:8000/services/progress/verify/{code}" in text
    assert len(PdfReader(io.BytesIO(response.content)).pages[0].images) == 1  # the QR code

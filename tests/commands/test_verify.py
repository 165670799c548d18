"""`senlab verify FILE`: exit 0 only for a valid signed PDF or credential, and say why not."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from senlab.cli import main
from senlab.progress.certificates import CertificateView, CourseFacts, certificate_pdf
from senlab.progress.credentials import b64url, b64url_decode, issue_credential, jwks
from senlab.progress.signing import signer_for, trust_roots_pem
from senlab.settings import Settings

VIEW = CertificateView(code="SL-7K2Q-M9XD-4T", name="Nguyễn Văn An", course="iot101",
                       issued_on=date(2026, 2, 10), trainee_username="an", course_id="iot101",
                       issued_at=datetime(2026, 2, 10, 8, 30))
FACTS = CourseFacts(title_vi="IoT cơ bản", title_en="IoT basics", hours=16)


@pytest.fixture
def settings(home) -> Settings:
    return Settings(home=home)


@pytest.fixture
def signed(settings, tmp_path):
    signer = signer_for(settings)
    path = tmp_path / "senlab-SL-7K2Q-M9XD-4T.pdf"
    path.write_bytes(certificate_pdf(VIEW, "http://127.0.0.1:8000/verify/SL-7K2Q-M9XD-4T",
                                     facts=FACTS, organisation="SenLab (DEMO)", signer=signer))
    return path


@pytest.fixture
def credential(settings, tmp_path):
    path = tmp_path / "senlab-SL-7K2Q-M9XD-4T.jwt"
    path.write_text(issue_credential(settings, VIEW, FACTS, organisation="SenLab (DEMO)"))
    return path


def test_a_signed_pdf_is_valid_and_names_its_signer(signed, capsys):
    assert main(["verify", str(signed)]) == 0
    out = capsys.readouterr().out
    assert "Signer: SenLab DEMO signer (not for production) (SenLab (DEMO))" in out
    assert "Signed at: " in out and "Intact: yes" in out and "VALID" in out


def test_one_flipped_byte_is_invalid_and_named(signed, capsys):
    data = signed.read_bytes()
    at = data.index(b"SenLab SL-")  # the title: "S" → "T"
    signed.write_bytes(data[:at] + b"T" + data[at + 1:])
    assert main(["verify", str(signed)]) == 1
    out = capsys.readouterr().out
    assert "Intact: no" in out
    assert "INVALID" in out and "changed after it was signed" in out


def test_it_speaks_vietnamese(signed, capsys):
    assert main(["--lang", "vi", "verify", str(signed)]) == 0
    out = capsys.readouterr().out
    assert "Người ký: SenLab DEMO signer" in out and "HỢP LỆ" in out


def test_a_pdf_of_another_ca_is_untrusted(signed, tmp_path, capsys):
    other = tmp_path / "other-ca.pem"
    other.write_bytes(trust_roots_pem(signer_for(Settings(home=tmp_path / "elsewhere"))))
    assert main(["verify", str(signed), "--trust", str(other)]) == 1
    assert "does not chain to the trusted CA" in capsys.readouterr().out


def test_the_published_ca_given_with_trust_validates(settings, signed, tmp_path, capsys):
    ca = tmp_path / "ca.pem"
    ca.write_bytes(trust_roots_pem(signer_for(settings)))
    assert main(["verify", str(signed), "--trust", str(ca)]) == 0


def test_a_credential_verifies_with_the_published_keys(settings, credential, tmp_path, capsys):
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps(jwks(settings)))
    assert main(["verify", str(credential), "--keys", str(keys)]) == 0
    out = capsys.readouterr().out
    assert "Holder: Nguyễn Văn An" in out and "Achievement: IoT cơ bản" in out
    assert "VALID" in out


def test_a_changed_credential_is_invalid(credential, capsys):
    head, body, signature = credential.read_text().split(".")
    changed = b64url_decode(body).replace("Nguyễn Văn An".encode(), "Trần Thị Bình".encode())
    credential.write_text(".".join((head, b64url(changed), signature)))
    assert main(["verify", str(credential)]) == 1
    out = capsys.readouterr().out
    assert "Holder: Trần Thị Bình" in out  # what the changed file claims …
    assert "signature does not match" in out  # … and why it is not believed


def test_a_credential_checked_with_another_issuers_keys_names_the_key(credential, tmp_path,
                                                                      capsys):
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps(jwks(Settings(home=tmp_path / "elsewhere"))))
    assert main(["verify", str(credential), "--keys", str(keys)]) == 1
    assert "not in the issuer's key set" in capsys.readouterr().out


def test_a_missing_file_bad_trust_and_bad_keys_exit_2_naming_them(signed, credential,
                                                                 tmp_path, capsys):
    assert main(["verify", str(tmp_path / "none.pdf")]) == 2
    assert "cannot read" in capsys.readouterr().out
    (tmp_path / "empty.pem").write_text("")
    assert main(["verify", str(signed), "--trust", str(tmp_path / "empty.pem")]) == 2
    assert "--trust: cannot read CA certificates" in capsys.readouterr().out
    assert main(["verify", str(credential), "--keys", str(tmp_path / "none.json")]) == 2
    assert "--keys: cannot read a JSON key set" in capsys.readouterr().out


def test_in_production_without_a_signer_or_trust_the_setting_is_named(signed, monkeypatch,
                                                                       capsys):
    monkeypatch.setenv("SENLAB_ENVIRONMENT", "production")
    assert main(["verify", str(signed)]) == 2
    assert "SENLAB_SIGNER_P12 is not set" in capsys.readouterr().out

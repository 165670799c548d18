"""Signed PDFs: pyHanko validates what SenLab signs, and names what is wrong with the rest."""

from __future__ import annotations

import io
import shutil
import stat

import pytest
from reportlab.pdfgen import canvas

from senlab.progress import signing
from senlab.progress.signing import SignerError, load_signer, sign_pdf, signer_for, verify_pdf
from senlab.settings import Settings


def plain_pdf(title: str = "SenLab SL-TEST-0000-00") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setTitle(title)
    page.drawString(100, 700, "Báo cáo / Report")
    page.showPage()
    page.save()
    return buffer.getvalue()


def flip(data: bytes, marker: bytes) -> bytes:
    """`data` with the first byte of `marker` changed to the next byte value."""
    at = data.index(marker)
    return data[:at] + bytes([data[at] + 1]) + data[at + 1:]


@pytest.fixture
def demo(tmp_path) -> signing.Signer:
    return signer_for(Settings(home=tmp_path / "home"))


def test_a_signed_pdf_validates_with_pyhanko_against_the_demo_ca(demo):
    check = verify_pdf(sign_pdf(plain_pdf(), demo, reason="test"), demo.trust_roots)
    assert check.valid and check.intact and check.trusted and check.problem is None
    assert check.signer == "SenLab DEMO signer (not for production)"
    assert check.organisation == "SenLab (DEMO)"
    assert check.signed_at is not None


def test_one_changed_byte_makes_the_pdf_invalid_and_says_it_was_altered(demo):
    signed = sign_pdf(plain_pdf(), demo, reason="test")
    tampered = flip(signed, b"SenLab SL-TEST")  # "S" → "T" in the document's title
    assert tampered != signed and len(tampered) == len(signed)
    check = verify_pdf(tampered, demo.trust_roots)
    assert not check.valid and not check.intact and check.problem == "altered"


def test_a_revision_added_after_signing_is_named(demo):
    from pyhanko.pdf_utils.generic import pdf_string
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = sign_pdf(plain_pdf(), demo, reason="test")
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.set_info(writer.trailer["/Info"].get_object())
    writer.trailer["/Info"].get_object()["/Title"] = pdf_string("Changed later")
    writer.update_container(writer.trailer["/Info"])
    out = io.BytesIO()
    writer.write(out)
    check = verify_pdf(out.getvalue(), demo.trust_roots)
    assert not check.valid and check.intact and check.problem == "changed-after-signing"


def test_a_signer_of_another_ca_is_intact_but_untrusted(demo, tmp_path):
    stranger = signer_for(Settings(home=tmp_path / "elsewhere"))
    check = verify_pdf(sign_pdf(plain_pdf(), stranger, reason="test"), demo.trust_roots)
    assert check.intact and not check.trusted and not check.valid
    assert check.problem == "untrusted"


def test_an_unsigned_pdf_and_a_file_that_is_no_pdf_are_named(demo):
    assert verify_pdf(plain_pdf(), demo.trust_roots).problem == "unsigned"
    assert verify_pdf(b"not a pdf at all", demo.trust_roots).problem == "unreadable"


def test_the_demo_signer_is_made_once_private_and_named_demo(tmp_path):
    settings = Settings(home=tmp_path / "home")
    first = signer_for(settings)
    second = signer_for(settings)
    assert first.demo
    assert first.pdf_signer.signing_cert.dump() == second.pdf_signer.signing_cert.dump()
    secrets = settings.home / "secrets"
    for name in ("demo-ca.pem", "demo-signer.p12", "demo-signer-passphrase"):
        assert stat.S_IMODE((secrets / name).stat().st_mode) == 0o600
    assert "DEMO" in first.trust_roots[0].subject.human_friendly


def test_production_without_a_pkcs12_names_the_setting(tmp_path):
    settings = Settings(home=tmp_path / "home", environment="production")
    with pytest.raises(SignerError, match="SENLAB_SIGNER_P12 is not set"):
        signer_for(settings)
    assert not (settings.home / "secrets" / "demo-signer.p12").exists()  # no demo made


def operator_files(tmp_path, home) -> None:
    """An operator's signer.p12, its passphrase and CA under `home`/secrets (made here
    with the demo generator, then copied under the operator's names)."""
    made = signing.demo_signer(tmp_path / "maker")
    secrets = home / "secrets"
    secrets.mkdir(parents=True)
    shutil.copy(made.p12, secrets / "signer.p12")
    shutil.copy(made.trust, secrets / "signer-ca.pem")
    (secrets / "signer-p12-passphrase").write_bytes(made.passphrase + b"\n")


def test_the_operators_pkcs12_under_secrets_signs_in_production(tmp_path):
    home = tmp_path / "home"
    operator_files(tmp_path, home)
    signer = signer_for(Settings(home=home, environment="production"))
    assert not signer.demo
    assert verify_pdf(sign_pdf(plain_pdf(), signer, reason="r"), signer.trust_roots).valid


def test_a_wrong_passphrase_is_named(tmp_path):
    home = tmp_path / "home"
    operator_files(tmp_path, home)
    (home / "secrets" / "signer-p12-passphrase").write_text("not-the-passphrase\n")
    with pytest.raises(SignerError, match="SENLAB_SIGNER_P12_PASSPHRASE does not open"):
        signer_for(Settings(home=home, environment="production"))


def test_a_missing_pkcs12_file_is_named(tmp_path):
    config = signing.SignerConfig(p12=tmp_path / "nowhere.p12", passphrase=None)
    with pytest.raises(SignerError, match=r"SENLAB_SIGNER_P12: cannot read .*nowhere\.p12"):
        load_signer(config)


def test_a_trust_file_without_certificates_is_named(tmp_path):
    empty = tmp_path / "ca.pem"
    empty.write_text("")
    with pytest.raises(SignerError, match=r"--trust: cannot read CA certificates from .*ca\.pem"):
        signing.load_trust(empty)


def test_the_report_pdf_is_signed_when_written(settings, tmp_path):
    from senlab.progress.reports.render import write_report

    out = write_report(settings, "2026", "pdf", tmp_path / "r.pdf")
    check = verify_pdf(out.read_bytes(), signer_for(settings).trust_roots)
    assert check.valid, check.problem
    csv = write_report(settings, "2026", "csv", tmp_path / "r.csv").read_bytes()
    assert not csv.startswith(b"%PDF")  # only PDFs carry a signature

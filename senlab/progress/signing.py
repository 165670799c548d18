"""Signed PDFs: the operator's certificate signs every certificate and report SenLab issues,
and anyone holding the operator's CA certificate can check that a PDF is intact.

Where the signer comes from, in this order:

1. ``SENLAB_SIGNER_P12`` (a PKCS#12 file: the signer's key, its certificate, and usually
   the CA chain), else ``SENLAB_HOME/secrets/signer.p12``. Its passphrase is
   ``SENLAB_SIGNER_P12_PASSPHRASE``, else the file ``SENLAB_HOME/secrets/signer-p12-passphrase``;
   a PKCS#12 without a passphrase needs neither.
2. With neither, outside production: a demo CA and a demo signer generated once under
   ``SENLAB_HOME/secrets`` (``demo-ca.pem``, ``demo-signer.p12``, ``demo-signer-passphrase``).
   Their names say DEMO, so a document signed with them says so to whoever checks it.
   In production there is no demo: a missing signer is a SignerError naming the setting.

The trust roots a check accepts: ``SENLAB_SIGNER_TRUST`` (PEM file of the CA that issued
the signer's certificate), else ``SENLAB_HOME/secrets/signer-ca.pem``, else the CA
certificates inside the PKCS#12 (or the signer's own certificate if it is self-signed);
the demo signer is checked against the demo CA. ``/api/issuer/ca.pem`` publishes them, so a
DOST officer can check a report with ``senlab verify report.pdf --trust ca.pem`` offline.

The signature is invisible: its field's annotation rectangle has zero height and width,
which ISO 32000-1:2008 §12.7.4.5 (Signature fields) says readers treat as not visible; the
certificate's page prints the signer's name as text instead. It is a PAdES baseline B-B
signature (ETSI EN 319 142-1, SubFilter ``ETSI.CAdES.detached``; the clause that defines
B-B was not confirmed here) made with pyHanko. It has no trusted timestamp: the signing
time is the one the signer states, since SenLab reaches no timestamp authority.
"""

from __future__ import annotations

import fcntl
import io
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from senlab.settings import Settings

P12_FILE = "signer.p12"
PASSPHRASE_FILE = "signer-p12-passphrase"
TRUST_FILE = "signer-ca.pem"
DEMO_CA_FILE = "demo-ca.pem"
DEMO_P12_FILE = "demo-signer.p12"
DEMO_PASSPHRASE = "demo-signer-passphrase"
DEMO_CA_NAME = "SenLab DEMO CA (not for production)"
DEMO_SIGNER_NAME = "SenLab DEMO signer (not for production)"
DEMO_ORGANISATION = "SenLab (DEMO)"
FIELD = "SenLabSignature"
# A certificate of either usage may sign documents: RFC 5280 §4.2.1.3 names
# digitalSignature and nonRepudiation (contentCommitment) as the bits for signatures that
# verify data; pyHanko asks for nonRepudiation alone unless told otherwise.
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                match_all_key_usages=False)


class SignerError(ValueError):
    """The signer cannot be used; the message names the setting or file to fix."""


@dataclass(frozen=True)
class SignerConfig:
    """Where the signer's key and certificate are, and which CAs a check trusts."""

    p12: Path
    passphrase: bytes | None
    trust: Path | None = None
    demo: bool = False
    p12_setting: str = "SENLAB_SIGNER_P12"
    passphrase_setting: str = "SENLAB_SIGNER_P12_PASSPHRASE"


@dataclass(frozen=True)
class Signer:
    """A loaded signer: pyHanko's signer, the trust roots, and the names a page prints."""

    pdf_signer: signers.SimpleSigner
    trust_roots: tuple[asn1_x509.Certificate, ...]
    name: str
    organisation: str
    demo: bool


def _setting(settings: Settings, name: str) -> Any:
    # Unset settings fall back to the files under SENLAB_HOME/secrets.
    return getattr(settings, name)


def signer_config(settings: Settings) -> SignerConfig:
    """The signer these settings name; a demo one outside production if none is named.

    SignerError in production when no PKCS#12 is configured, naming SENLAB_SIGNER_P12."""
    folder = settings.home / "secrets"
    given = _setting(settings, "signer_p12")
    p12 = Path(given) if given else (folder / P12_FILE if (folder / P12_FILE).is_file()
                                     else None)
    if p12 is None:
        if settings.environment == "production":
            raise SignerError(
                "SENLAB_SIGNER_P12 is not set: production signs certificates and reports "
                "with the operator's PKCS#12 certificate (set SENLAB_SIGNER_P12 to its path, "
                f"or put it at {folder / P12_FILE})")
        return demo_signer(settings.home)
    secret = _setting(settings, "signer_p12_passphrase")
    if secret is not None:
        passphrase: bytes | None = secret.get_secret_value().encode()
    elif (folder / PASSPHRASE_FILE).is_file():
        passphrase = (folder / PASSPHRASE_FILE).read_text().strip().encode()
    else:
        passphrase = None
    trust_given = _setting(settings, "signer_trust")
    trust = Path(trust_given) if trust_given else (
        folder / TRUST_FILE if (folder / TRUST_FILE).is_file() else None)
    return SignerConfig(p12=p12, passphrase=passphrase, trust=trust)


def load_signer(config: SignerConfig) -> Signer:
    """Open the PKCS#12; SignerError naming the setting for a missing file or a wrong
    passphrase."""
    try:
        data = config.p12.read_bytes()
    except OSError as err:
        raise SignerError(f"{config.p12_setting}: cannot read {config.p12}: "
                          f"{err.strerror or err}") from err
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, config.passphrase)
    except (ValueError, TypeError) as err:
        raise SignerError(
            f"{config.passphrase_setting} does not open {config.p12} ({config.p12_setting}): "
            "the passphrase is wrong or missing, or the file is not PKCS#12") from err
    if key is None or cert is None:
        raise SignerError(f"{config.p12_setting}: {config.p12} holds no private key and "
                          "certificate to sign with")
    pdf_signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=[],
                                                       passphrase=config.passphrase)
    signer_cert = _asn1(cert)
    if config.trust is not None:
        try:
            roots = tuple(load_certs_from_pemder_data(config.trust.read_bytes()))
        except (OSError, ValueError) as err:
            raise SignerError(f"SENLAB_SIGNER_TRUST: cannot read CA certificates from "
                              f"{config.trust}") from err
    elif chain:
        roots = tuple(_asn1(c) for c in chain)
    else:
        roots = (signer_cert,)
    return Signer(pdf_signer=pdf_signer, trust_roots=roots,
                  name=_attribute(cert, NameOID.COMMON_NAME) or signer_cert.subject.human_friendly,
                  organisation=_attribute(cert, NameOID.ORGANIZATION_NAME) or "",
                  demo=config.demo)


def signer_for(settings: Settings) -> Signer:
    """The signer of these settings, loaded (what the routes and reports sign with)."""
    return load_signer(signer_config(settings))


def trust_roots_pem(signer: Signer) -> bytes:
    """The trust roots as PEM, for `/api/issuer/ca.pem` and `senlab verify --trust`."""
    return b"".join(x509.load_der_x509_certificate(c.dump()).public_bytes(
        serialization.Encoding.PEM) for c in signer.trust_roots)


def load_trust(path: Path) -> tuple[asn1_x509.Certificate, ...]:
    """CA certificates (PEM or DER) from `path`; SignerError naming the file if none."""
    try:
        roots = tuple(load_certs_from_pemder_data(Path(path).read_bytes()))
    except (OSError, ValueError) as err:
        raise SignerError(f"--trust: cannot read CA certificates from {path}") from err
    if not roots:
        raise SignerError(f"--trust: {path} holds no certificate")
    return roots


# --- signing -----------------------------------------------------------------------------

def sign_pdf(pdf: bytes, signer: Signer, *, reason: str, location: str | None = None) -> bytes:
    """`pdf` with an invisible PAdES B-B signature by `signer` over the whole file."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD, reason=reason, location=location, md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES)
    out = signers.sign_pdf(writer, meta, signer=signer.pdf_signer)
    return out.getvalue()


# --- checking ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PdfCheck:
    """What a check of a PDF found. `problem` is None when valid, else one of
    ``unreadable``, ``unsigned``, ``altered``, ``changed-after-signing``, ``untrusted``."""

    valid: bool
    intact: bool
    trusted: bool
    signer: str | None = None
    organisation: str | None = None
    signed_at: datetime | None = None
    problem: str | None = None


def verify_pdf(data: bytes, trust_roots: tuple[asn1_x509.Certificate, ...]) -> PdfCheck:
    """Check every signature of `data` against `trust_roots`, offline.

    Valid only when the PDF has a signature, each one's digest matches the bytes it covers
    (intact), the last covers the whole file (nothing was appended after signing), and
    each signer's certificate chains to one of the trust roots."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - any parse failure means: not a readable PDF
        return PdfCheck(valid=False, intact=False, trusted=False, problem="unreadable")
    if not embedded:
        return PdfCheck(valid=False, intact=False, trusted=False, problem="unsigned")
    context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False,
                                revocation_mode="soft-fail")
    check = None
    for index, signature in enumerate(embedded):
        try:
            status = validate_pdf_signature(signature, context, key_usage_settings=KEY_USAGE)
        except Exception:  # noqa: BLE001 - a signature pyHanko cannot even read is broken
            return PdfCheck(valid=False, intact=False, trusted=False, problem="altered")
        cert = status.signing_cert
        names = cert.subject.native
        intact = bool(status.intact and status.valid)
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        problem = None
        if not intact:
            problem = "altered"
        elif index == len(embedded) - 1 and not whole:
            problem = "changed-after-signing"
        elif not status.trusted:
            problem = "untrusted"
        check = PdfCheck(valid=problem is None, intact=intact, trusted=bool(status.trusted),
                         signer=names.get("common_name") or cert.subject.human_friendly,
                         organisation=names.get("organization_name"),
                         signed_at=status.signer_reported_dt, problem=problem)
        if problem is not None:
            return check
    assert check is not None
    return check


# --- the demo signer ---------------------------------------------------------------------

def demo_signer(home: Path) -> SignerConfig:
    """The demo CA and signer under `home`/secrets, generated on first use (mode 0600)."""
    folder = Path(home) / "secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _locked(folder / ".demo-signer.lock"):
        if not (folder / DEMO_P12_FILE).is_file():
            _write_demo(folder)
    passphrase = (folder / DEMO_PASSPHRASE).read_text().strip().encode()
    return SignerConfig(p12=folder / DEMO_P12_FILE, passphrase=passphrase,
                        trust=folder / DEMO_CA_FILE, demo=True,
                        p12_setting=str(folder / DEMO_P12_FILE),
                        passphrase_setting=str(folder / DEMO_PASSPHRASE))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _write_demo(folder: Path) -> None:
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANISATION)])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DEMO_SIGNER_NAME),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANISATION)])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(ca_name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
        .sign(ca_key, hashes.SHA256()))
    passphrase = secrets.token_hex(16)
    p12 = pkcs12.serialize_key_and_certificates(
        b"senlab-demo-signer", key, cert, [ca_cert],
        serialization.BestAvailableEncryption(passphrase.encode()))
    _write_private(folder / DEMO_PASSPHRASE, (passphrase + "\n").encode())
    _write_private(folder / DEMO_CA_FILE, ca_cert.public_bytes(serialization.Encoding.PEM))
    _write_private(folder / DEMO_P12_FILE, p12)  # last: its presence means the set is whole


def _write_private(path: Path, content: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(temporary, path)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _attribute(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None

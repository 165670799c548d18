"""TLS on the lab broker: SenLab's own CA and server certificate, or the operator's.

Devices on a park's network (an ESP32 on the Wi-Fi, a Linux gateway) reach the broker
through its TLS listener (`SENLAB_MQTT_TLS_PORT`, 8883 by default; 0 turns it off), and
check it with one CA certificate. ETSI EN 303 645 V2.1.1 (2020-06), provision 5.5-1: "The
consumer IoT device shall use best practice cryptography to communicate securely"; 5.5-7:
it "shall protect the confidentiality of critical security parameters that are
communicated via remotely accessible network interfaces" (a device's broker password is
one). (Wording read from a provision checklist of V2.1.1, not from the ETSI PDF itself.)

Unless the operator gives a certificate (`SENLAB_MQTT_TLS_CERTFILE`, `..._KEYFILE`, and the
CA clients trust, `..._CAFILE`), SenLab makes under ``SENLAB_HOME/tls/``:

- ``ca.key`` (0600) and ``ca.crt`` (0644): a private CA, made once and kept, so devices
  flashed with ``ca.crt`` keep trusting the broker when its certificate is renewed;
- ``server.key`` (0600) and ``server.crt`` (0644): the broker's certificate, signed by that
  CA, for every name clients use (`server_names`). It is made again when the names change,
  when it no longer comes from ``ca.crt``, or 30 days before it expires; Mosquitto rereads
  certfile and keyfile on SIGHUP (mosquitto.conf(5), 2.0.11), so a reload picks it up.

Keys are ECDSA P-256 with SHA-256 signatures, which mbedTLS (ESP32), OpenSSL and Python's
ssl all verify. The broker requires TLS 1.2 at least: `tls_version` is "the minimum
version of the TLS protocol to be used for this listener" (mosquitto.conf(5), 2.0.11; in
1.6 and earlier it was the only version allowed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import ipaddress
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from senlab.settings import WILDCARD_ADDRESSES, Settings

TLS_MIN_VERSION = "tlsv1.2"
CA_DAYS = 3650
# 397 days: a publicly trusted server certificate issued since 2020-09-01 "SHOULD NOT have a
# Validity Period greater than 397 days" (CA/Browser Forum Baseline Requirements, 6.3.2);
# clients that apply that rule to every certificate accept ours too.
SERVER_DAYS = 397
RENEW_BEFORE = dt.timedelta(days=30)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TLSSettingError(ValueError):
    """A TLS setting that cannot work; the message names the setting (and the file)."""


@dataclass(frozen=True)
class BrokerTLS:
    """The files of the broker's TLS listener."""

    certfile: Path
    keyfile: Path
    cafile: Path | None  # what clients verify the broker with; None: a public CA's certificate
    generated: bool


def tls_folder(settings: Settings) -> Path:
    return settings.home / "tls"


def client_cafile(settings: Settings) -> Path | None:
    """The CA certificate a client trusts to reach the TLS listener (None: the system's)."""
    if settings.mqtt_tls_certfile is not None:
        return settings.mqtt_tls_cafile
    return tls_folder(settings) / "ca.crt"


def client_environment(settings: Settings) -> dict[str, str]:
    """What a trainee's server needs to reach the broker with TLS (empty when it is off).

    `SENLAB_MQTT_TLS_PORT` and `SENLAB_MQTT_TLS_CAFILE` (the CA certificate's path, which the
    server must be able to read); the host is `SENLAB_MQTT_HOST`, as for the plain port.
    """
    if settings.mqtt_tls_port == 0:
        return {}
    env = {"SENLAB_MQTT_TLS_PORT": str(settings.mqtt_tls_port)}
    cafile = client_cafile(settings)
    if cafile is not None:
        env["SENLAB_MQTT_TLS_CAFILE"] = str(cafile)
    return env


def server_names(settings: Settings) -> tuple[list[str], list[IPAddress]]:
    """The DNS names and IP addresses the server certificate must name, in a fixed order.

    127.0.0.1 and localhost (clients on the machine), the hosts of both listeners unless they
    bind every address, and the operator's `SENLAB_MQTT_TLS_NAMES`.
    """
    candidates = ["127.0.0.1", "localhost", settings.mqtt_host, settings.mqtt_tls_host,
                  *settings.tls_names]
    dns: list[str] = []
    ips: list[IPAddress] = []
    for name in candidates:
        if name in WILDCARD_ADDRESSES:
            continue
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            if name.lower() not in dns:
                dns.append(name.lower())
        else:
            if address not in ips:
                ips.append(address)
    return dns, ips


def ensure_broker_tls(settings: Settings, *, now: dt.datetime | None = None) -> BrokerTLS | None:
    """The TLS files the broker listens with, made or renewed if needed; None when TLS is off.

    TLSSettingError names a missing operator file or a setting given without its pair.
    """
    if settings.mqtt_tls_port == 0:
        return None
    if settings.mqtt_tls_certfile is not None or settings.mqtt_tls_keyfile is not None:
        return _operator_tls(settings)
    if settings.mqtt_tls_cafile is not None:
        raise TLSSettingError(
            "SENLAB_MQTT_TLS_CAFILE is set without SENLAB_MQTT_TLS_CERTFILE and "
            "SENLAB_MQTT_TLS_KEYFILE: give the certificate and key that CA signed, or unset "
            "it to let SenLab make its own CA")
    return _generated_tls(settings, now or dt.datetime.now(dt.UTC))


def _operator_tls(settings: Settings) -> BrokerTLS:
    certfile, keyfile = settings.mqtt_tls_certfile, settings.mqtt_tls_keyfile
    if certfile is None or keyfile is None:
        given, missing = (("SENLAB_MQTT_TLS_CERTFILE", "SENLAB_MQTT_TLS_KEYFILE")
                          if keyfile is None else
                          ("SENLAB_MQTT_TLS_KEYFILE", "SENLAB_MQTT_TLS_CERTFILE"))
        raise TLSSettingError(f"{given} is set but {missing} is not: the broker needs both")
    for name, path in (("SENLAB_MQTT_TLS_CERTFILE", certfile),
                       ("SENLAB_MQTT_TLS_KEYFILE", keyfile),
                       ("SENLAB_MQTT_TLS_CAFILE", settings.mqtt_tls_cafile)):
        if path is not None and not path.is_file():
            raise TLSSettingError(f"{name}: no such file {path}")
    try:
        x509.load_pem_x509_certificate(certfile.read_bytes())
    except ValueError as err:
        raise TLSSettingError(f"SENLAB_MQTT_TLS_CERTFILE: {certfile} is not a PEM "
                              f"certificate ({err})") from err
    return BrokerTLS(certfile=certfile, keyfile=keyfile, cafile=settings.mqtt_tls_cafile,
                     generated=False)


def _generated_tls(settings: Settings, now: dt.datetime) -> BrokerTLS:
    folder = tls_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # ca.crt is read by trainees' servers; the keys stay 0600
    with _locked(folder):  # `senlab up` and the broker's own start may both get here
        return _generated_tls_locked(folder, settings, now)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    fd = os.open(folder / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _generated_tls_locked(folder: Path, settings: Settings, now: dt.datetime) -> BrokerTLS:
    ca_key_path, ca_path = folder / "ca.key", folder / "ca.crt"
    key_path, cert_path = folder / "server.key", folder / "server.crt"
    ca_key, ca_cert = _load_pair(ca_key_path, ca_path)
    if ca_key is None or ca_cert is None or ca_cert.not_valid_after_utc - now < RENEW_BEFORE:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = make_ca(ca_key, now=now)
        _write(ca_key_path, _key_pem(ca_key), 0o600)
        _write(ca_path, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    dns, ips = server_names(settings)
    key, cert = _load_pair(key_path, cert_path)
    if key is None or cert is None or not _still_good(cert, ca_cert, dns, ips, now):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = make_server_certificate(key, ca_key, ca_cert, dns, ips, now=now)
        _write(key_path, _key_pem(key), 0o600)
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return BrokerTLS(certfile=cert_path, keyfile=key_path, cafile=ca_path, generated=True)


def make_ca(key: ec.EllipticCurvePrivateKey, *, now: dt.datetime,
            common_name: str | None = None) -> x509.Certificate:
    """A self-signed CA certificate that may sign server certificates and nothing below them."""
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SenLab"),
        x509.NameAttribute(NameOID.COMMON_NAME,
                           common_name or f"SenLab lab broker CA ({socket.gethostname()})"),
    ])
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def make_server_certificate(key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey,
                            ca_cert: x509.Certificate, dns: list[str], ips: list[IPAddress], *,
                            now: dt.datetime) -> x509.Certificate:
    """The broker's certificate for `dns` and `ips`, signed by the CA."""
    alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns]
    alt_names += [x509.IPAddress(address) for address in ips]
    public = key.public_key()
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SenLab"),
                                 x509.NameAttribute(NameOID.COMMON_NAME, "SenLab lab broker")]))
        .issuer_name(ca_cert.subject).public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def certificate_names(cert: x509.Certificate) -> tuple[list[str], list[IPAddress]]:
    """The DNS names and IP addresses a certificate's subjectAltName holds."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    ips = [value for value in san.get_values_for_type(x509.IPAddress)
           if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address)]
    return san.get_values_for_type(x509.DNSName), ips


def _still_good(cert: x509.Certificate, ca_cert: x509.Certificate, dns: list[str],
                ips: list[IPAddress], now: dt.datetime) -> bool:
    if cert.issuer != ca_cert.subject or cert.not_valid_after_utc - now < RENEW_BEFORE:
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return certificate_names(cert) == (dns, ips)


def _load_pair(key_path: Path, cert_path: Path
               ) -> tuple[ec.EllipticCurvePrivateKey | None, x509.Certificate | None]:
    """A key and its certificate as written here, or (None, None) if either is missing or bad."""
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (FileNotFoundError, ValueError, TypeError):
        return None, None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or cert.public_key() != key.public_key():
        return None, None
    return key, cert


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write a file whole with `mode` from its creation, then swap it in."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, mode)  # the umask may have taken bits off
    os.replace(tmp, path)

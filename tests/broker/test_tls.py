"""TLS on the lab broker: SenLab's CA and certificate, the operator's, and a real Mosquitto.

The live tests run `PrivateBroker(tls=True)`: the production config (`write_broker_config`)
with its TLS listener on a free loopback port. A client with SenLab's CA gets in; one with
another CA is refused during the handshake; no listener lets an anonymous client in; TLS
1.1 is refused although the same client speaks it to a server that allows it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import socket
import ssl
import stat
import threading
import time
import warnings
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import ValidationError

from senlab.broker.config import write_broker_config
from senlab.broker.private import PrivateBroker
from senlab.broker.tls import (
    RENEW_BEFORE,
    TLSSettingError,
    _key_pem,
    certificate_names,
    client_environment,
    ensure_broker_tls,
    make_ca,
    make_server_certificate,
    server_names,
)
from senlab.settings import Settings

# MQTT 5.0, 3.2.2.2: CONNACK reason 0x87 (135) "Not authorized". paho 2 reports an MQTT
# 3.1.1 refusal (3.2.2.3: return code 5, "not authorized") with the same reason code.
NOT_AUTHORIZED = 0x87
NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
IP = ipaddress.ip_address


def connect(port: int, username: str | None = None, password: str | None = None, *,
            cafile: Path | None = None, context: ssl.SSLContext | None = None,
            protocol: int = mqtt.MQTTv5) -> tuple[mqtt.Client, int]:
    """Connect once (no retries) and return the client and its CONNACK code."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=protocol)
    if username is not None:
        client.username_pw_set(username, password)
    if context is not None:
        client.tls_set_context(context)
    elif cafile is not None:
        client.tls_set(ca_certs=str(cafile))
    codes: list[int] = []
    client.on_connect = lambda _c, _u, _f, rc, _p: codes.append(rc.value)
    client.connect("127.0.0.1", port)
    deadline = time.monotonic() + 10
    while not codes and time.monotonic() < deadline:
        client.loop(timeout=0.1)
    assert codes, "no CONNACK within 10 s"
    return client, codes[0]


@pytest.fixture(scope="module")
def broker(tmp_path_factory) -> PrivateBroker:  # noqa: ANN001
    if shutil.which("mosquitto") is None and shutil.which("/usr/sbin/mosquitto") is None:
        pytest.fail("mosquitto is not installed (apt-get install mosquitto)")
    private = PrivateBroker(tmp_path_factory.mktemp("tls-broker"), tls=True)
    private.device("an", "line-lab", "line-1")
    private.start()
    yield private
    private.stop()


# -- live: the listener ---------------------------------------------------------------------
@pytest.mark.integration
def test_a_device_with_the_generated_ca_connects_and_publishes_over_tls(broker):
    creds = broker.device("an", "line-lab", "line-1")
    client, code = connect(broker.tls_port, creds.username, creds.password, cafile=broker.cafile)
    assert code == 0
    tls_socket = client.socket()
    assert isinstance(tls_socket, ssl.SSLSocket)
    assert tls_socket.version() in ("TLSv1.2", "TLSv1.3")
    got: list[bytes] = []
    client.on_message = lambda _c, _u, message: got.append(message.payload)
    topic = f"{creds.topic_root}/telemetry"
    client.subscribe(topic, qos=1)
    client.publish(topic, b"21.5", qos=1)
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        client.loop(timeout=0.1)
    client.disconnect()
    assert got == [b"21.5"]


@pytest.mark.integration
def test_a_client_that_trusts_another_ca_is_refused_in_the_handshake(broker, tmp_path):
    other = tmp_path / "other-ca.crt"
    other_ca = make_ca(ec.generate_private_key(ec.SECP256R1()), now=NOW, common_name="Other CA")
    other.write_bytes(other_ca.public_bytes(serialization.Encoding.PEM))
    creds = broker.device("an", "line-lab", "line-1")
    with pytest.raises(ssl.SSLCertVerificationError):
        connect(broker.tls_port, creds.username, creds.password, cafile=other)


@pytest.mark.integration
@pytest.mark.parametrize("listener", ["plain", "tls"])
@pytest.mark.parametrize("protocol", [mqtt.MQTTv5, mqtt.MQTTv311])
def test_no_listener_lets_an_anonymous_client_in(broker, listener, protocol):
    port, cafile = (broker.port, None) if listener == "plain" else (broker.tls_port,
                                                                    broker.cafile)
    _, code = connect(port, cafile=cafile, protocol=protocol)
    assert code == NOT_AUTHORIZED


@pytest.mark.integration
def test_a_wrong_password_is_refused_over_tls(broker):
    creds = broker.device("an", "line-lab", "line-1")
    _, code = connect(broker.tls_port, creds.username, creds.password + "x",
                      cafile=broker.cafile)
    assert code == NOT_AUTHORIZED


@pytest.mark.integration
def test_tls_1_2_is_accepted_and_tls_1_1_refused(broker):
    creds = broker.device("an", "line-lab", "line-1")
    pinned = ssl.create_default_context(cafile=str(broker.cafile))
    pinned.maximum_version = ssl.TLSVersion.TLSv1_2
    client, code = connect(broker.tls_port, creds.username, creds.password, context=pinned)
    assert code == 0
    assert client.socket().version() == "TLSv1.2"  # type: ignore[union-attr]
    client.disconnect()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSVersion.TLSv1_1 itself
        old = legacy_context(ssl.PROTOCOL_TLS_CLIENT)
        old.check_hostname, old.verify_mode = False, ssl.CERT_NONE
        # The same client speaks TLS 1.1 to a server that allows it: the refusal below is
        # the broker's, not this machine's OpenSSL's.
        assert speaks_tls_1_1(old, broker) == "TLSv1.1"
        with socket.create_connection(("127.0.0.1", broker.tls_port), timeout=5) as raw, \
                pytest.raises(ssl.SSLError):
            old.wrap_socket(raw, server_hostname="127.0.0.1").close()


def legacy_context(protocol: int) -> ssl.SSLContext:
    context = ssl.SSLContext(protocol)
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
    return context


def speaks_tls_1_1(client: ssl.SSLContext, broker: PrivateBroker) -> str | None:
    server = legacy_context(ssl.PROTOCOL_TLS_SERVER)
    tls = broker.settings.home / "tls"
    server.load_cert_chain(tls / "server.crt", tls / "server.key")
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        accepted = threading.Thread(target=lambda: _handshake(server, listening), daemon=True)
        accepted.start()
        with socket.create_connection(listening.getsockname(), timeout=5) as raw, \
                client.wrap_socket(raw) as wrapped:
            version = wrapped.version()
        accepted.join(5)
    return version


def _handshake(server: ssl.SSLContext, listening: socket.socket) -> None:
    conn, _ = listening.accept()
    with server.wrap_socket(conn, server_side=True):
        pass


@pytest.mark.integration
def test_the_operators_certificate_is_used_as_given(tmp_path):
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = make_ca(ca_key, now=dt.datetime.now(dt.UTC), common_name="Park IT CA")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = make_server_certificate(key, ca_key, ca, ["localhost"], [IP("127.0.0.1")],
                                   now=dt.datetime.now(dt.UTC))
    given = {"mqtt_tls_certfile": tmp_path / "broker.pem", "mqtt_tls_keyfile": tmp_path / "k.pem",
             "mqtt_tls_cafile": tmp_path / "park-ca.pem"}
    given["mqtt_tls_certfile"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    given["mqtt_tls_keyfile"].write_bytes(_key_pem(key))
    given["mqtt_tls_cafile"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    with PrivateBroker(tmp_path / "home", tls=True, settings=given) as private:
        creds = private.device("an", "line-lab", "line-1")
        assert private.cafile == tmp_path / "park-ca.pem"
        client, code = connect(private.tls_port, creds.username, creds.password,
                               cafile=private.cafile)
        client.disconnect()
        assert code == 0
        assert not (private.settings.home / "tls").exists()  # SenLab made no CA of its own


# -- the certificate SenLab makes --------------------------------------------------------------
def settings(tmp_path: Path, **given: object) -> Settings:
    return Settings(home=tmp_path, **given)  # type: ignore[arg-type]


def test_the_certificate_names_every_host_clients_use_once(tmp_path):
    ours = settings(tmp_path, mqtt_host="10.20.0.5", mqtt_tls_host="0.0.0.0",
                    mqtt_tls_names="broker.kcn-quangninh.vn, 192.168.1.10, LOCALHOST")
    # 127.0.0.1 and localhost always; 10.20.0.5 (the plain listener's host); 0.0.0.0 binds
    # every address and names none; LOCALHOST is localhost again (DNS names ignore case).
    dns, ips = ["localhost", "broker.kcn-quangninh.vn"], [IP("127.0.0.1"), IP("10.20.0.5"),
                                                          IP("192.168.1.10")]
    assert server_names(ours) == (dns, ips)
    files = ensure_broker_tls(ours, now=NOW)
    assert files is not None
    cert = x509.load_pem_x509_certificate(files.certfile.read_bytes())
    assert certificate_names(cert) == (dns, ips)


def test_keys_are_private_and_the_ca_certificate_readable(tmp_path):
    files = ensure_broker_tls(settings(tmp_path), now=NOW)
    assert files is not None and files.generated
    mode = {path.name: stat.S_IMODE(path.stat().st_mode) for path in (tmp_path / "tls").iterdir()}
    assert mode == {"ca.key": 0o600, "server.key": 0o600, "ca.crt": 0o644, "server.crt": 0o644,
                    ".lock": 0o600}
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o755


def test_validity_periods(tmp_path):
    files = ensure_broker_tls(settings(tmp_path), now=NOW)
    assert files is not None and files.cafile is not None
    cert = x509.load_pem_x509_certificate(files.certfile.read_bytes())
    ca = x509.load_pem_x509_certificate(files.cafile.read_bytes())
    # Both start 5 minutes before NOW (a device's clock a little behind still accepts them):
    # the server's lasts 397 days from NOW, so 397 d 5 min in all; the CA's 3650 d 5 min.
    assert cert.not_valid_before_utc == NOW - dt.timedelta(minutes=5)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=397,
                                                                                minutes=5)
    assert ca.not_valid_after_utc - ca.not_valid_before_utc == dt.timedelta(days=3650,
                                                                            minutes=5)
    cert.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_the_files_are_kept_until_names_or_expiry_call_for_new_ones(tmp_path):
    first = settings(tmp_path)
    files = ensure_broker_tls(first, now=NOW)
    assert files is not None and files.cafile is not None
    ca_bytes, cert_bytes = files.cafile.read_bytes(), files.certfile.read_bytes()

    ensure_broker_tls(first, now=NOW + dt.timedelta(days=1))
    assert (files.cafile.read_bytes(), files.certfile.read_bytes()) == (ca_bytes, cert_bytes)

    renamed = settings(tmp_path, mqtt_tls_names="gw.lab.local")
    ensure_broker_tls(renamed, now=NOW + dt.timedelta(days=2))
    assert files.cafile.read_bytes() == ca_bytes  # devices keep trusting the same CA
    cert = x509.load_pem_x509_certificate(files.certfile.read_bytes())
    assert "gw.lab.local" in certificate_names(cert)[0]

    # The certificate ends at NOW + 2 d + 397 d; 29 days before that is inside the 30-day
    # renewal window (RENEW_BEFORE), so a new one is made, still from the same CA.
    assert RENEW_BEFORE == dt.timedelta(days=30)
    late = NOW + dt.timedelta(days=2 + 397 - 29)
    ensure_broker_tls(renamed, now=late)
    renewed = x509.load_pem_x509_certificate(files.certfile.read_bytes())
    assert renewed.not_valid_after_utc == late + dt.timedelta(days=397)
    assert files.cafile.read_bytes() == ca_bytes


def test_a_server_certificate_from_another_ca_is_replaced(tmp_path):
    ours = settings(tmp_path)
    files = ensure_broker_tls(ours, now=NOW)
    assert files is not None and files.cafile is not None
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = make_ca(other_key, now=NOW, common_name="Other CA")
    key = ec.generate_private_key(ec.SECP256R1())
    dns, ips = server_names(ours)
    files.keyfile.write_bytes(_key_pem(key))
    files.certfile.write_bytes(make_server_certificate(key, other_key, other, dns, ips, now=NOW)
                               .public_bytes(serialization.Encoding.PEM))
    ensure_broker_tls(ours, now=NOW)
    cert = x509.load_pem_x509_certificate(files.certfile.read_bytes())
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(files.cafile.read_bytes()))


def test_the_config_has_one_rule_set_and_a_tls_listener(tmp_path):
    ours = settings(tmp_path, mqtt_tls_port=18883, mqtt_tls_host="0.0.0.0")
    lines = write_broker_config(ours, run_as="nobody").read_text().splitlines()
    listeners = [line for line in lines if line.startswith("listener ")]
    assert listeners == ["listener 1883 127.0.0.1", "listener 18883 0.0.0.0"]
    assert lines.count("allow_anonymous false") == 1  # global: every listener
    assert lines.index("per_listener_settings false") < lines.index(listeners[0])
    tls_block = lines[lines.index(listeners[1]):lines.index(listeners[1]) + 4]
    assert tls_block == ["listener 18883 0.0.0.0", f"certfile {tmp_path}/tls/server.crt",
                         f"keyfile {tmp_path}/tls/server.key", "tls_version tlsv1.2"]


def test_port_0_turns_tls_off(tmp_path):
    ours = settings(tmp_path, mqtt_tls_port=0)
    lines = write_broker_config(ours, run_as="nobody").read_text().splitlines()
    assert [line for line in lines if line.startswith("listener ")] == ["listener 1883 127.0.0.1"]
    assert not any(line.startswith(("certfile", "keyfile", "tls_version")) for line in lines)
    assert not (tmp_path / "tls").exists()
    assert client_environment(ours) == {}


def test_a_trainees_server_is_told_the_tls_port_and_the_ca(tmp_path):
    assert client_environment(settings(tmp_path)) == {
        "SENLAB_MQTT_TLS_PORT": "8883", "SENLAB_MQTT_TLS_CAFILE": f"{tmp_path}/tls/ca.crt"}


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("other", "name"), [("mqtt_port", "SENLAB_MQTT_PORT"),
                                             ("hub_port", "SENLAB_HUB_PORT"),
                                             ("fleet_port", "SENLAB_FLEET_PORT")])
def test_a_tls_port_another_setting_has_is_refused_naming_both(tmp_path, other, name):
    with pytest.raises(ValidationError) as caught:
        settings(tmp_path, mqtt_tls_port=18883, **{other: 18883})
    assert f"SENLAB_MQTT_TLS_PORT and {name} are both 18883" in str(caught.value)


def test_a_name_that_is_no_host_is_refused_by_name(tmp_path):
    with pytest.raises(ValidationError) as caught:
        settings(tmp_path, mqtt_tls_names="gw.lab.local, gw lab")
    assert "SENLAB_MQTT_TLS_NAMES: 'gw lab' is neither a host name nor an IP address" in str(
        caught.value)


def test_a_missing_operator_file_is_named_before_the_config_is_written(tmp_path):
    key = tmp_path / "broker.key"
    key.write_bytes(_key_pem(ec.generate_private_key(ec.SECP256R1())))
    ours = settings(tmp_path / "home", mqtt_tls_certfile=tmp_path / "missing.pem",
                    mqtt_tls_keyfile=key)
    with pytest.raises(TLSSettingError,
                       match=f"SENLAB_MQTT_TLS_CERTFILE: no such file {tmp_path}/missing.pem"):
        write_broker_config(ours, run_as="nobody")
    assert not (tmp_path / "home" / "broker" / "mosquitto.conf").exists()


@pytest.mark.parametrize(("given", "message"), [
    ({"mqtt_tls_certfile": "cert.pem"},
     "SENLAB_MQTT_TLS_CERTFILE is set but SENLAB_MQTT_TLS_KEYFILE is not"),
    ({"mqtt_tls_keyfile": "key.pem"},
     "SENLAB_MQTT_TLS_KEYFILE is set but SENLAB_MQTT_TLS_CERTFILE is not"),
    ({"mqtt_tls_cafile": "ca.pem"},
     "SENLAB_MQTT_TLS_CAFILE is set without SENLAB_MQTT_TLS_CERTFILE and SENLAB_MQTT_TLS_KEYFILE"),
])
def test_an_operator_setting_without_its_pair_is_named(tmp_path, given, message):
    ours = settings(tmp_path, **{k: tmp_path / v for k, v in given.items()})
    with pytest.raises(TLSSettingError, match=message):
        ensure_broker_tls(ours)


def test_an_operator_file_that_is_no_certificate_is_named(tmp_path):
    (tmp_path / "cert.pem").write_text("not a certificate\n")
    (tmp_path / "key.pem").write_text("not a key either\n")
    ours = settings(tmp_path, mqtt_tls_certfile=tmp_path / "cert.pem",
                    mqtt_tls_keyfile=tmp_path / "key.pem")
    with pytest.raises(TLSSettingError,
                       match=f"SENLAB_MQTT_TLS_CERTFILE: {tmp_path}/cert.pem is not a PEM"):
        ensure_broker_tls(ours)

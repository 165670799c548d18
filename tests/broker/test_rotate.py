"""Rotating a device's broker password: the registry, the password file, a real Mosquitto
and `senlab device rotate`.

After a rotation the old password is refused on both listeners and a client still
connected with it is disconnected by the broker's reload (Mosquitto 2.0.11 checks every
connected client against the reloaded password file); the new password works on both.
"""

from __future__ import annotations

import json
import shutil
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from senlab.broker.accounts import BrokerAccounts, UnknownAccount
from senlab.broker.acl import InvalidAccountName
from senlab.broker.passwords import derive_password, verify_mosquitto_hash
from senlab.broker.private import PrivateBroker
from senlab.cli import main
from senlab.settings import Settings

NOT_AUTHORIZED = 0x87  # MQTT 5.0, 3.2.2.2: CONNACK reason 135 "Not authorized"
DEVICE = ("an", "line-lab", "line-1")
USERNAME = "device/an/line-lab/line-1"


def hashes(accounts: BrokerAccounts) -> dict[str, str]:
    lines = accounts.passwd_path.read_text().splitlines()
    return dict(line.split(":", 1) for line in lines)


@pytest.fixture
def accounts(tmp_path) -> BrokerAccounts:
    return BrokerAccounts(Settings(home=tmp_path, mqtt_port=1999))


# -- the registry and the password file --------------------------------------------------------
def test_a_rotation_derives_a_new_password_and_rehashes_only_that_account(accounts):
    old = accounts.device(*DEVICE)
    trainee = accounts.trainee("an")
    other = accounts.device("an", "line-lab", "line-2")
    before = hashes(accounts)

    first = accounts.rotate_device(*DEVICE)
    second = accounts.rotate_device(*DEVICE)

    key = accounts.settings.secret("broker-key")
    # The n-th rotation derives from "<username>#<n>": after two, "device/an/line-lab/line-1#2".
    assert first.password == derive_password(key, f"{USERNAME}#1")
    assert second.password == derive_password(key, f"{USERNAME}#2")
    assert old.password == derive_password(key, USERNAME)
    assert len({old.password, first.password, second.password}) == 3
    after = hashes(accounts)
    assert verify_mosquitto_hash(second.password, after[USERNAME])
    assert not verify_mosquitto_hash(first.password, after[USERNAME])
    assert not verify_mosquitto_hash(old.password, after[USERNAME])
    # The trainee's and the other device's hashes are the same lines, not rehashed.
    for username in (trainee.username, other.username):
        assert after[username] == before[username]
    registry = json.loads(accounts.registry_path.read_text())["accounts"]
    assert registry[USERNAME] == {"kind": "device", "rotation": 2}
    assert registry[other.username] == {"kind": "device"}


def test_register_after_a_rotation_hands_out_the_current_password(accounts):
    accounts.device(*DEVICE)
    rotated = accounts.rotate_device(*DEVICE)
    again = accounts.device(*DEVICE)  # `senlab device register` once more
    assert again.password == rotated.password
    assert json.loads(accounts.registry_path.read_text())["accounts"][USERNAME]["rotation"] == 1
    assert verify_mosquitto_hash(rotated.password, hashes(accounts)[USERNAME])


def test_the_rotation_outlives_a_rewrite_of_the_files(accounts):
    accounts.device(*DEVICE)
    rotated = accounts.rotate_device(*DEVICE)
    accounts.passwd_path.unlink()
    accounts.sync()  # as at the next start
    assert verify_mosquitto_hash(rotated.password, hashes(accounts)[USERNAME])


def test_an_unknown_device_is_refused_by_name_and_nothing_is_written(accounts):
    accounts.device(*DEVICE)
    before = accounts.registry_path.read_text(), accounts.passwd_path.read_text()
    with pytest.raises(UnknownAccount, match="no device device/an/line-lab/ghost is registered"):
        accounts.rotate_device("an", "line-lab", "ghost")
    assert (accounts.registry_path.read_text(), accounts.passwd_path.read_text()) == before


def test_a_trainee_name_is_not_a_device(accounts):
    accounts.trainee("an")
    with pytest.raises(UnknownAccount, match="no device device/an/line-lab/line-1"):
        accounts.rotate_device(*DEVICE)


def test_a_name_unsafe_for_topics_is_refused(accounts):
    with pytest.raises(InvalidAccountName, match="device 'line-1/#' is not a valid name"):
        accounts.rotate_device("an", "line-lab", "line-1/#")


@pytest.mark.parametrize("bad", ["2", -1, True, 1.5])
def test_a_bad_rotation_count_in_the_registry_is_named(accounts, bad):
    accounts.device(*DEVICE)
    registry = json.loads(accounts.registry_path.read_text())
    registry["accounts"][USERNAME]["rotation"] = bad
    accounts.registry_path.write_text(json.dumps(registry))
    with pytest.raises(ValueError, match=f"accounts.{USERNAME}: field 'rotation' must be a "
                                         "whole number >= 0"):
        accounts.device(*DEVICE)


# -- a real Mosquitto --------------------------------------------------------------------------
class Watched:
    """A client that keeps connecting with one password and records what the broker says."""

    def __init__(self, port: int, username: str, password: str, *, cafile=None) -> None:  # noqa: ANN001
        self.codes: list[int] = []
        self.dropped = threading.Event()
        self.connected = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.username_pw_set(username, password)
        if cafile is not None:
            self.client.tls_set(ca_certs=str(cafile))
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *_: self.dropped.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_connect(self, _c, _u, _f, rc, _p) -> None:  # noqa: ANN001
        self.codes.append(rc.value)
        if rc.value == 0:
            self.connected.set()

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def first_code(port: int, username: str, password: str, *, cafile=None) -> int:  # noqa: ANN001
    watched = Watched(port, username, password, cafile=cafile)
    deadline = time.monotonic() + 10
    while not watched.codes and time.monotonic() < deadline:
        time.sleep(0.02)
    watched.stop()
    assert watched.codes, "no CONNACK within 10 s"
    return watched.codes[0]


@pytest.mark.integration
def test_after_a_rotation_the_old_password_is_out_and_the_new_one_in(tmp_path):
    if shutil.which("mosquitto") is None and shutil.which("/usr/sbin/mosquitto") is None:
        pytest.fail("mosquitto is not installed (apt-get install mosquitto)")
    with PrivateBroker(tmp_path, tls=True) as broker:
        old = broker.device(*DEVICE)
        bystander = broker.device("an", "line-lab", "line-2")
        on_plain = Watched(broker.port, old.username, old.password)
        on_tls = Watched(broker.tls_port, old.username, old.password, cafile=broker.cafile)
        calm = Watched(broker.port, bystander.username, bystander.password)
        for watched in (on_plain, on_tls, calm):
            assert watched.connected.wait(10)

        new = broker.rotate_device(*DEVICE)

        # The reload drops both clients of the old password, and not the other device's.
        assert on_plain.dropped.wait(10) and on_tls.dropped.wait(10)
        time.sleep(0.5)  # paho reconnects at once; the broker refuses it
        assert not calm.dropped.is_set()
        for watched in (on_plain, on_tls, calm):
            watched.stop()
        assert first_code(broker.port, old.username, old.password) == NOT_AUTHORIZED
        assert first_code(broker.tls_port, old.username, old.password,
                          cafile=broker.cafile) == NOT_AUTHORIZED
        assert first_code(broker.port, new.username, new.password) == 0
        assert first_code(broker.tls_port, new.username, new.password, cafile=broker.cafile) == 0


# -- `senlab device rotate` ----------------------------------------------------------------
@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SENLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")  # the credentials table is not folded
    return tmp_path / "home"


def test_the_command_prints_the_new_password_once_and_not_the_old(home, capsys):
    assert main(["device", "register", "--trainee", "an", "--lab", "line-lab",
                 "--id", "line-1"]) == 0
    old = BrokerAccounts(Settings(home=home)).device(*DEVICE).password
    capsys.readouterr()
    assert main(["device", "rotate", "an", "line-lab", "line-1"]) == 0
    out = capsys.readouterr().out
    new = BrokerAccounts(Settings(home=home)).device(*DEVICE).password
    assert out.count(new) == 1 and old not in out
    assert "New broker password for device line-1" in out
    assert "8883" in out and f"{home}/tls/ca.crt" in out  # the TLS port and the CA to trust


def test_the_command_names_an_unknown_device(home, capsys):
    assert main(["device", "rotate", "an", "line-lab", "ghost"]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "no device device/an/line-lab/ghost is registered" in out
    assert "senlab device register --trainee an --lab line-lab --id ghost" in out


def test_the_command_names_an_unsafe_device_id(home, capsys):
    assert main(["device", "rotate", "an", "line-lab", "esp32/#"]) == 2
    assert "device 'esp32/#' is not a valid name" in " ".join(capsys.readouterr().out.split())


def test_the_command_speaks_vietnamese(home, capsys):
    assert main(["--lang", "vi", "device", "rotate", "an", "line-lab", "ghost"]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "chưa được đăng ký" in out and "device/an/line-lab/ghost" in out

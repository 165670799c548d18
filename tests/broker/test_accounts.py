"""Broker accounts: derived passwords, Mosquitto hashes, the registry and its files, bad names."""

from __future__ import annotations

import json
import stat

import pytest

from senlab.broker import BrokerAccounts, InvalidAccountName, acl
from senlab.broker.passwords import mosquitto_hash, verify_mosquitto_hash
from senlab.settings import Settings


@pytest.fixture
def accounts(tmp_path) -> BrokerAccounts:
    return BrokerAccounts(Settings(home=tmp_path, mqtt_port=1999))


def passwd_entries(accounts: BrokerAccounts) -> dict[str, str]:
    lines = accounts.passwd_path.read_text().splitlines()
    return dict(line.split(":", 1) for line in lines)


def test_a_trainee_gets_their_own_subtree_and_a_stable_password(accounts):
    first = accounts.trainee("trainee1")
    assert first.topic_root == "labs/trainee1"
    assert (first.host, first.port) == ("127.0.0.1", 1999)
    assert accounts.trainee("trainee1") == first
    assert accounts.trainee("trainee2").password != first.password


def test_passwords_are_stored_only_as_mosquitto_hashes(accounts):
    creds = accounts.trainee("trainee1")
    stored = passwd_entries(accounts)["trainee1"]
    assert stored.startswith("$7$")
    assert creds.password not in accounts.passwd_path.read_text()
    assert creds.password not in accounts.registry_path.read_text()
    assert verify_mosquitto_hash(creds.password, stored)
    assert not verify_mosquitto_hash("wrong", stored)
    assert stat.S_IMODE(accounts.passwd_path.stat().st_mode) == 0o600


def test_the_hash_matches_what_mosquitto_passwd_writes():
    # mosquitto_passwd -b for user alice, password secret (Mosquitto 2.0.11).
    stored = ("$7$101$S7PQ4EVZzSlMf9i1$n5C6rOP9Kx2zIbz9hP2yBDBGQ9W+WVofDv8fFvqJgrYZlfxbU9ja"
              "+1vh0RsX/U9IIKBxGFr2TihmSdpRDnb1xQ==")
    assert verify_mosquitto_hash("secret", stored)
    assert verify_mosquitto_hash("secret", mosquitto_hash("secret"))


def test_adding_an_account_keeps_the_others_hashes(accounts):
    accounts.trainee("trainee1")
    before = passwd_entries(accounts)["trainee1"]
    accounts.trainee("trainee2")
    assert passwd_entries(accounts)["trainee1"] == before


def test_a_device_account_reaches_only_its_own_subtree(accounts):
    creds = accounts.device("trainee1", "iot101-sensors", "aq-1")
    assert creds.username == "device/trainee1/iot101-sensors/aq-1"
    assert creds.topic_root == "labs/trainee1/iot101-sensors/aq-1"
    text = accounts.acl_path.read_text()
    assert "user device/trainee1/iot101-sensors/aq-1\n" \
           "topic readwrite labs/trainee1/iot101-sensors/aq-1/#\n" in text
    # Mosquitto's password file ends a user name at the first ':'.
    assert "device/trainee1/iot101-sensors/aq-1:$7$" in accounts.passwd_path.read_text()


def test_the_files_are_the_generators_for_the_registered_accounts(accounts):
    accounts.trainee("trainee1")
    accounts.device("trainee1", "iot101-sensors", "aq-1")
    accounts.service("fleet")
    assert accounts.acl_path.read_text() == acl.render_acl([
        acl.trainee("trainee1"), acl.device("trainee1", "iot101-sensors", "aq-1"),
        acl.service("fleet")])


def test_the_registry_keeps_kinds_not_topics_so_a_new_rule_reaches_old_accounts(accounts):
    accounts.trainee("trainee1")
    registry = json.loads(accounts.registry_path.read_text())
    assert registry["accounts"] == {"trainee1": {"kind": "trainee"}}
    registry["accounts"]["trainee1"]["topics"] = ["labs/trainee1/#"]  # as once written
    accounts.registry_path.write_text(json.dumps(registry))
    accounts.sync()
    assert "topic readwrite spBv1.0/STATE/trainee1\n" in accounts.acl_path.read_text()
    assert json.loads(accounts.registry_path.read_text())["accounts"] == {
        "trainee1": {"kind": "trainee"}}


@pytest.mark.parametrize(("username", "entry", "message"), [
    ("device:t:l:d", {"kind": "device"}, r"accounts.device:t:l:d: .*device/<trainee>/<lab>"),
    ("fleet", {"kind": "service"}, r"accounts.fleet: .*senlab-<name>"),
    ("x", {"kind": "robot"}, r"accounts.x: .*kind 'robot' is not one of"),
    ("Bad/Name", {"kind": "trainee"}, r"accounts.Bad/Name: trainee 'Bad/Name'"),
])
def test_a_bad_registry_entry_is_named_and_nothing_is_written(accounts, username, entry,
                                                              message):
    accounts.trainee("trainee1")
    before = accounts.acl_path.read_text()
    registry = json.loads(accounts.registry_path.read_text())
    registry["accounts"][username] = entry
    accounts.registry_path.write_text(json.dumps(registry))
    with pytest.raises(ValueError, match=r"accounts\.json: " + message):
        accounts.sync()
    assert accounts.acl_path.read_text() == before


@pytest.mark.parametrize("name", ["", "Trainee1", "a/b", "a+b", "#", "x" * 65, "-lead",
                                  "senlab-fleet", "a b"])
def test_a_name_unsafe_for_topics_is_refused_and_nothing_is_written(accounts, name):
    with pytest.raises(InvalidAccountName, match="trainee"):
        accounts.trainee(name)
    assert not accounts.passwd_path.exists()


def test_the_fleet_service_reaches_every_lab(accounts):
    creds = accounts.service("fleet")
    assert (creds.username, creds.topic_root) == ("senlab-fleet", "labs")
    assert "user senlab-fleet\ntopic readwrite labs/#\ntopic readwrite spBv1.0/#\n" in (
        accounts.acl_path.read_text())


def test_removing_an_account_drops_its_hash_and_acl(accounts):
    accounts.trainee("trainee1")
    assert accounts.remove("trainee1")
    assert "trainee1" not in passwd_entries(accounts)
    assert "user trainee1" not in accounts.acl_path.read_text()
    assert not accounts.remove("trainee1")


def test_a_new_key_rehashes_every_account(tmp_path):
    accounts = BrokerAccounts(Settings(home=tmp_path))
    old = accounts.trainee("trainee1").password
    (tmp_path / "secrets" / "broker-key").unlink()
    fresh = BrokerAccounts(Settings(home=tmp_path))
    fresh.sync()
    new = fresh.trainee("trainee1").password
    assert new != old
    assert verify_mosquitto_hash(new, passwd_entries(fresh)["trainee1"])


def test_a_corrupt_registry_is_reported_with_its_path(accounts):
    accounts.folder.mkdir(parents=True)
    accounts.registry_path.write_text("{not json")
    with pytest.raises(ValueError, match="accounts.json: not valid JSON"):
        accounts.trainee("trainee1")

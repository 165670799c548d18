"""The ACL rule: what each kind of account reaches, the file it writes, and the docs' copy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lab_devices.mqtt.sparkplug import edge_node_id
from senlab.broker import acl
from senlab.broker.acl import Grant, InvalidAccountName

REPO = Path(__file__).resolve().parents[2]


def test_a_trainee_reaches_their_subtree_sparkplug_group_and_host_state():
    account = acl.trainee("an")
    assert (account.username, account.kind, account.topic_root) == ("an", "trainee", "labs/an")
    assert account.grants == (Grant("readwrite", "labs/an/#"),
                              Grant("readwrite", "spBv1.0/an/#"),
                              Grant("readwrite", "spBv1.0/STATE/an"))
    assert acl.sparkplug_host_id("an") == "an"


def test_a_device_writes_its_edge_nodes_messages_and_reads_its_commands_and_host():
    account = acl.device("an", "line-lab", "line-1")
    node = f"spBv1.0/an/{{}}/{edge_node_id('line-lab', 'line-1')}"
    assert account.username == "device/an/line-lab/line-1"
    assert account.topic_root == "labs/an/line-lab/line-1"
    assert account.grants == (
        Grant("readwrite", "labs/an/line-lab/line-1/#"),
        *(Grant("write", node.format(kind)) for kind in ("NBIRTH", "NDEATH", "NDATA")),
        *(Grant("write", node.format(kind) + "/+") for kind in ("DBIRTH", "DDEATH", "DDATA")),
        Grant("read", node.format("NCMD")), Grant("read", node.format("DCMD") + "/+"),
        Grant("read", "spBv1.0/STATE/an"),
    )
    assert node.format("NDATA") == "spBv1.0/an/NDATA/line-lab-line-1"  # as the fleet names it


def test_a_service_reaches_every_lab():
    assert acl.service("fleet").grants == (Grant("readwrite", "labs/#"),
                                           Grant("readwrite", "spBv1.0/#"))


@pytest.mark.parametrize("name", ["STATE", "a/b", "+", "#", "senlab-fleet", ""])
def test_no_trainee_name_can_be_a_wildcard_another_level_the_state_group_or_a_service(name):
    with pytest.raises(InvalidAccountName, match="trainee"):
        acl.trainee(name)


@pytest.mark.parametrize(("kind", "value"), [("lab", "a/b"), ("device", "#"), ("trainee", "X")])
def test_a_device_with_an_unsafe_part_is_refused_by_its_field(kind, value):
    parts = {"trainee": "an", "lab": "line-lab", "device": "line-1", kind: value}
    with pytest.raises(InvalidAccountName, match=f"^{kind} "):
        acl.device(parts["trainee"], parts["lab"], parts["device"])


@pytest.mark.parametrize("account", [acl.trainee("an"), acl.device("an", "l", "d"),
                                     acl.service("fleet")], ids=lambda a: a.kind)
def test_a_registry_entry_comes_back_as_the_same_account(account):
    assert acl.account_of(account.username, account.kind) == account


def test_the_file_has_one_user_block_per_account_no_patterns_and_nothing_anonymous():
    text = acl.render_acl([acl.trainee("binh"), acl.service("fleet"), acl.trainee("an")])
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0].startswith("user ")
    assert [line for line in lines if line.startswith("user ")] == [
        "user an", "user binh", "user senlab-fleet"]
    assert all(re.fullmatch(r"(user \S+|topic (read|write|readwrite) \S+)", line)
               for line in lines)


def test_an_account_listed_twice_is_refused():
    with pytest.raises(InvalidAccountName, match="'an' is listed twice"):
        acl.render_acl([acl.trainee("an"), acl.trainee("an")])


@pytest.mark.parametrize("page", ["site/devices.md", "site/devices.en.md"])
def test_the_docs_example_is_the_generators_output(page):
    text = (REPO / page).read_text()
    found = re.search(r"<!-- acl-example:[^\n]*-->\n```text\n(.*?)```", text, re.DOTALL)
    assert found, f"{page}: no acl-example block"
    assert found.group(1) == acl.render_acl([
        acl.trainee("trainee1"), acl.device("trainee1", "iot101-sensors", "aq-1"),
        acl.service("fleet")])

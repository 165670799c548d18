"""What a trainee's server is told about the broker, the same for both hubs."""

from __future__ import annotations

from senlab.broker import BrokerAccounts
from senlab.broker.client import trainee_environment
from senlab.settings import Settings


def test_the_trainee_gets_their_own_account_and_subtree_and_how_to_reach_tls(tmp_path):
    settings = Settings(home=tmp_path, mqtt_port=18830, mqtt_tls_port=18883)
    env = trainee_environment(settings, "trainee1")
    credentials = BrokerAccounts(settings).trainee("trainee1")
    assert env["SENLAB_MQTT_USERNAME"] == "trainee1"
    assert env["SENLAB_MQTT_PASSWORD"] == credentials.password
    assert (env["SENLAB_MQTT_HOST"], env["SENLAB_MQTT_PORT"]) == ("127.0.0.1", "18830")
    assert env["SENLAB_TOPIC_ROOT"] == "labs/trainee1"
    assert env["SENLAB_MQTT_TLS_PORT"] == "18883"


def test_without_tls_nothing_of_it_is_said(tmp_path):
    assert not any("TLS" in key for key in trainee_environment(
        Settings(home=tmp_path, mqtt_tls_port=0), "trainee1"))
    assert not any("TLS" in key for key in trainee_environment(
        Settings(home=tmp_path), "trainee1", tls=False))

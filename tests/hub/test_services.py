"""The hub polls its managed services every second and stops a slow one within seconds."""

from __future__ import annotations

import pytest
from jupyterhub.services import service as hub_services

from senlab.hub.services import INTERRUPT_S, KILL_S, TERM_S, ServiceSpawner, poll_services_every


@pytest.fixture(autouse=True)
def hubs_own_class(monkeypatch):
    monkeypatch.setattr(hub_services, "_ServiceSpawner", ServiceSpawner)


def test_the_class_service_start_builds_polls_every_second_and_stops_within_8_s():
    installed = poll_services_every(1.0)
    assert hub_services._ServiceSpawner is installed
    spawner = hub_services._ServiceSpawner(cmd=["true"])  # as Service.start builds it
    assert spawner.poll_interval == 1.0
    assert (spawner.interrupt_timeout, spawner.term_timeout, spawner.kill_timeout) == (
        INTERRUPT_S, TERM_S, KILL_S)
    assert INTERRUPT_S + TERM_S + KILL_S <= 8  # within senlab up's 12 s wait for the hub
    assert ServiceSpawner(cmd=["true"]).poll_interval == 30  # the hub's default, unchanged


@pytest.mark.parametrize("seconds", [0, -1, 31])
def test_a_poll_outside_0_to_30_s_is_refused(seconds):
    with pytest.raises(ValueError, match=r"within \(0, 30\] s"):
        poll_services_every(seconds)


def test_a_class_that_is_not_the_hubs_is_refused_rather_than_silently_replaced(monkeypatch):
    monkeypatch.setattr(hub_services, "_ServiceSpawner", object)
    with pytest.raises(RuntimeError, match="is not JupyterHub's"):
        poll_services_every(1.0)

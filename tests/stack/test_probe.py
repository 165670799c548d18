"""`senlab up` says it is up only when every part answers: the probe names the silent ones."""

from __future__ import annotations

import pytest

from senlab.settings import Settings
from senlab.stack import Hub, StackError, probe
from tests.stack.harness import free_ports


def test_a_stack_that_is_not_running_has_every_part_named_with_what_it_answered(tmp_path):
    hub, progress, fleet, mqtt = free_ports(4)
    settings = Settings(home=tmp_path, hub_port=hub, progress_port=progress, fleet_port=fleet,
                        mqtt_port=mqtt)
    parts = probe(settings, stack_id="no-such-stack")
    assert set(parts) == {"hub", "proxy", "broker", "progress", "fleet", "grader"}
    assert all(parts.values()), parts
    assert f"127.0.0.1:{mqtt}" in parts["broker"]
    assert parts["grader"] == "no grader process"


def test_waiting_for_a_stack_that_never_answers_names_the_parts_and_writes_no_ready_file(
        tmp_path):
    hub, progress, fleet, mqtt = free_ports(4)
    stack = Hub(Settings(home=tmp_path, hub_port=hub, progress_port=progress,
                         fleet_port=fleet, mqtt_port=mqtt))

    class Running:  # a hub process that is alive and says nothing
        returncode = None

        def poll(self):
            return None

    stack.proc = Running()  # type: ignore[assignment]
    with pytest.raises(StackError, match=r"not every part answered within 1 s: hub \(.*grader"):
        stack.wait_ready(timeout=1)
    assert not stack.ready_path.exists()

"""Back within seconds: each managed service killed with SIGKILL during a running lab.

Runs `senlab up --demo` twice, the same way the stack tests do, starts trainee1's
iot101-sensors lab, and kills the broker, the fleet, the progress service and the grader
one after the other, measuring from the kill until each serves again (what "serves" means
per service is in tests/stack/recovery.py):

1. the baseline: the hub polling its services at JupyterHub's own 30 s
   (SENLAB_SERVICE_POLL_SECONDS=30);
2. SenLab as shipped: every second (`senlab.hub.services`).

It prints the seconds per service, the ratio to the baseline, and one JSON line:
`{"baseline_s": {...}, "senlab_s": {...}, "ratio": {...}}`.

    .venv/bin/python bench/restart.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.stack.harness import running_stack  # noqa: E402
from tests.stack.recovery import (  # noqa: E402
    LAB,
    SERVICES,
    TRAINEE,
    fleet_api,
    measure,
    observe,
    wait,
)


def run(poll: str) -> dict[str, float]:
    with running_stack(SENLAB_SERVICE_POLL_SECONDS=poll) as stack:
        fleet = fleet_api(stack)
        assert fleet.post(f"/trainees/{TRAINEE}/labs/{LAB}/start").status_code == 200
        observer = observe(stack)
        try:
            wait(lambda: observer.telemetry_since(0), "the lab's telemetry", 30)
            took = {}
            for name in SERVICES:
                took[name] = measure(stack, name, observer, fleet, timeout=90)
                print(f"  poll {poll} s: {name} serving again after {took[name]:.2f} s",
                      flush=True)
            return took
        finally:
            observer.close()
            fleet.close()


def main() -> None:
    print("baseline: the hub's own 30 s poll")
    baseline = run("30")
    print("SenLab: a 1 s poll")
    senlab = run("1")
    ratio = {name: senlab[name] / baseline[name] for name in SERVICES}
    print(f"{'service':<10}{'baseline s':>12}{'senlab s':>10}{'ratio':>8}")
    for name in SERVICES:
        print(f"{name:<10}{baseline[name]:>12.2f}{senlab[name]:>10.2f}{ratio[name]:>8.3f}")
    print(json.dumps({"baseline_s": baseline, "senlab_s": senlab, "ratio": ratio}))


if __name__ == "__main__":
    main()

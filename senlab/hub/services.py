"""Managed services back within seconds of dying.

JupyterHub restarts a managed service whose process exits (``Service._proc_stopped``), but
it notices only when it polls, and it builds each service's spawner (its private
``jupyterhub.services.service._ServiceSpawner``) without the hub's configuration, so the
poll runs at `Spawner.poll_interval`'s default of 30 s whatever ``c.Spawner`` says. A
broker killed during a lab then stayed away for about 30 s.

`poll_services_every` keeps the hub's own restart and changes only how often it polls: it
puts a subclass with a shorter `poll_interval` where `Service.start` looks the spawner
class up. The hub's poll of a process is one ``waitpid``; once a second costs nothing.

The same subclass bounds how long stopping a service may take. Unconfigured, the hub waits
30 s after SIGINT and 30 s more after SIGTERM for each service, so one slow service held
`senlab up`'s stop past its 15 s; now SIGINT, then SIGTERM after `INTERRUPT_S`, then
SIGKILL after `TERM_S` more (the services stop in parallel).
"""

from __future__ import annotations

from jupyterhub.services import service as hub_services
from traitlets import default

# The JupyterHub versions whose Service.start builds `_ServiceSpawner` by that module name
# (6.1 here); `poll_services_every` refuses any other rather than silently doing nothing.
ServiceSpawner = hub_services._ServiceSpawner
INTERRUPT_S = 4  # the fleet says "offline" for every device; the grader finishes a write
TERM_S = 2
KILL_S = 2


def poll_services_every(seconds: float) -> type:
    """Make the hub poll each managed service every `seconds`; the class it installed."""
    if not 0 < seconds <= 30:
        raise ValueError(f"the services' poll must be within (0, 30] s, not {seconds}")
    base = hub_services._ServiceSpawner
    if not issubclass(base, ServiceSpawner):
        raise RuntimeError("jupyterhub.services.service._ServiceSpawner is not JupyterHub's: "
                           f"{base!r}")

    class PromptServiceSpawner(ServiceSpawner):  # type: ignore[misc, valid-type]
        """A service's spawner that polls its process every `seconds`."""

        @default("poll_interval")
        def _poll_interval_default(self) -> float:
            return seconds

        @default("interrupt_timeout")
        def _interrupt_timeout_default(self) -> int:
            return INTERRUPT_S

        @default("term_timeout")
        def _term_timeout_default(self) -> int:
            return TERM_S

        @default("kill_timeout")
        def _kill_timeout_default(self) -> int:
            return KILL_S

    hub_services._ServiceSpawner = PromptServiceSpawner
    return PromptServiceSpawner

"""The fleet: one asyncio process hosting the devices of every active lab, for every trainee.

Each device has its own broker connection (its own Last Will) under
``labs/<trainee>/<lab>/<device>``. One ticker drives all devices from a heap of due
times, so 10,000 devices cost 10,000 heap entries, not 10,000 tasks, and the first ticks
of a lab are spread over its first second rather than all at once.

Lab control, which the control API (``control.py``) serves over HTTP:

* ``start_lab(trainee, lab)``: bring up the lab's devices; idempotent (a running lab is
  returned as it is);
* ``stop_lab(trainee, lab)``: publish ``offline`` and disconnect its devices;
* ``check_lab(trainee, lab)``: each check, passed or not, with its message;
* ``inject_fault(trainee, lab, device, fault)``: an instructor's fault, now;
* ``hint(trainee, lab, check)``: the check's hint (from its lab file), recorded as taken.

What happens in a lab (a lab started, a check's result, a device's evidence, a hint
taken) goes to an ``EventSink`` as records: `LabStartedRecord`, `CheckRecord`, `Evidence`,
`HintRecord`. The fleet knows
nothing of the progress service; SenLab's sink (``senlab.fleet.FleetEvents``) makes its
events of them and spools them.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lab_devices.device.faults import Fault
from lab_devices.device.messages import Evidence, Message
from lab_devices.fleet.host import ConnectionFactory, DeviceHost
from lab_devices.fleet.state import FleetState, SavedLab
from lab_devices.labs.checks import CheckResult, evaluate_checks
from lab_devices.labs.labfile import LabSpec
from lab_devices.models import MODELS
from lab_devices.mqtt.connection import ConnectionRefused

log = logging.getLogger(__name__)

# Trainee names are broker user names and one topic level each (see the broker's ACL).
TRAINEE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class LabStartedRecord:
    """A trainee's lab came up at `at` (epoch seconds)."""

    trainee: str
    lab: str
    at: float


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One check of a trainee's lab, evaluated at `at`."""

    trainee: str
    lab: str
    check: str
    passed: bool
    at: float


@dataclass(frozen=True, slots=True)
class HintRecord:
    """A trainee was given the hint of one check of a lab at `at`. Every giving is
    recorded; the progress service counts a hint once per trainee, lab and check."""

    trainee: str
    lab: str
    check: str
    at: float


FleetRecord = LabStartedRecord | CheckRecord | Evidence | HintRecord
EventSink = Callable[[list[FleetRecord]], None]
# Each wake-up of the loop costs tens of µs of CPU whatever it does (more on an idle
# virtual machine), so devices due close together are ticked together: the loop wakes
# about once per WAKE_BATCH due devices, every 10 ms at most and every 50 ms at least.
# Telemetry is stamped when it is made, so this adds jitter to the cadence, not latency.
WAKE_BATCH = 100
TICK_RESOLUTION_S = (0.01, 0.05)
# Devices ticked before their messages are sent: big enough to keep the broker busy
# through a burst, small enough that the first message of a burst does not wait long.
SEND_BATCH = 64


class FleetError(Exception):
    """A lab request the fleet cannot carry out; the text says why."""


class UnknownLab(FleetError):
    pass


class LabNotRunning(FleetError):
    pass


class InvalidName(FleetError):
    pass


class BrokerUnavailable(FleetError):
    pass


class UnknownDevice(FleetError):
    """The running lab has no such device, or the device no such channel."""


class UnknownCheck(FleetError):
    """The lab has no such check; the text lists the lab's checks."""


@dataclass(frozen=True)
class GivenHint:
    """A check's hint as given: its text in both languages (None: the check has none),
    and whether this fleet had given it to the trainee before."""

    trainee: str
    lab: str
    check: str
    title: dict[str, str]
    hint: dict[str, str] | None
    repeated: bool

    def as_dict(self) -> dict[str, Any]:
        return {"trainee": self.trainee, "lab": self.lab, "check": self.check,
                "title": self.title, "hint": self.hint, "repeated": self.repeated}


@dataclass
class LabRun:
    """One trainee's running lab."""

    trainee: str
    lab: LabSpec
    started_at: float
    hosts: dict[str, DeviceHost] = field(default_factory=dict)

    @property
    def topic_root(self) -> str:
        return f"labs/{self.trainee}/{self.lab.id}"

    def describe(self) -> dict[str, Any]:
        return {
            "trainee": self.trainee,
            "lab": self.lab.id,
            "topic_root": self.topic_root,
            "started_at": self.started_at,
            "devices": [
                {"id": spec.id, "model": spec.model, "topic": f"{self.topic_root}/{spec.id}",
                 "commands": sorted(MODELS[spec.model].command_specs)}
                for spec in self.lab.devices
            ],
        }


class Fleet:
    """Hosts the devices of every running lab on one event loop."""

    def __init__(
        self,
        connect: ConnectionFactory,
        labs: Mapping[str, LabSpec],
        *,
        events: EventSink | None = None,
        clock: Callable[[], float] = time.time,
        connect_concurrency: int = 64,
        state: FleetState | None = None,
    ) -> None:
        self.connect = connect
        self.labs = dict(labs)
        self.events = events
        self.state = state
        self._unresumed: dict[tuple[str, str], SavedLab] = {}
        self.clock = clock
        self.runs: dict[tuple[str, str], LabRun] = {}
        # The hints given since this process started (the progress service keeps them all).
        self._hints_given: set[tuple[str, str, str]] = set()
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._connecting = asyncio.Semaphore(connect_concurrency)
        self._heap: list[tuple[float, int, DeviceHost]] = []
        self._order = itertools.count()
        self._spread = random.Random(0)
        self.ticks = 0
        self.tick_errors = 0
        self.active_devices = 0
        self._closed = False

    # -- lab control ---------------------------------------------------------------------
    def lab_spec(self, lab_id: str) -> LabSpec:
        spec = self.labs.get(lab_id)
        if spec is None:
            raise UnknownLab(f"no lab {lab_id!r}; labs: {', '.join(sorted(self.labs))}")
        return spec

    async def start_lab(self, trainee: str, lab_id: str, *, resumed: SavedLab | None = None,
                        ) -> LabRun:
        """Bring up a trainee's lab, or return it if it is already running.

        `resumed` is a lab that a previous run of the fleet ran: it keeps its start time
        and its evidence, and is not announced again."""
        if not TRAINEE_NAME.match(trainee):
            raise InvalidName(f"trainee {trainee!r} is not a valid name: 1-64 lowercase "
                              "letters, digits, '.', '_' or '-'")
        spec = self.lab_spec(lab_id)
        key = (trainee, lab_id)
        async with self._locks.setdefault(key, asyncio.Lock()):
            if key in self.runs:
                return self.runs[key]
            run = LabRun(trainee, spec, resumed.started_at if resumed else self.clock())
            for device_spec in spec.devices:
                run.hosts[device_spec.id] = self._make_host(run, device_spec)
            if resumed is not None and self.state is not None:
                kept = self.state.evidence(trainee, lab_id)
                for device_id, host in run.hosts.items():
                    host.restore_evidence([e for e in kept if e.device == device_id])
            await self._connect_all(run)
            self.runs[key] = run
            for host in run.hosts.values():
                self._schedule_first(host)
            self.active_devices += len(run.hosts)
            self._save_labs()
        if resumed is None:
            self._emit([LabStartedRecord(trainee, lab_id, run.started_at)])
        return run

    async def resume(self, *, first_retry: float = 0.5, most: float = 10.0) -> list[LabRun]:
        """Start again the labs a previous run of the fleet was running (see `FleetState`).

        A lab whose file is gone is logged and dropped. While the broker does not take the
        devices (it may be restarting too), the lab is tried again with a growing delay,
        and it stays in the state file meanwhile."""
        if self.state is None:
            return []
        self._unresumed = {(s.trainee, s.lab): s for s in self.state.load_labs()}
        resumed, delay = [], first_retry
        while self._unresumed and not self._closed:
            for key, saved in list(self._unresumed.items()):
                if saved.lab not in self.labs:
                    log.warning("lab %r of %r is no longer in the lab files; not resumed",
                                saved.lab, saved.trainee)
                    del self._unresumed[key]
                    self.state.forget(saved.trainee, saved.lab)
                    continue
                try:
                    resumed.append(await self.start_lab(saved.trainee, saved.lab,
                                                        resumed=saved))
                except BrokerUnavailable as error:
                    log.warning("lab %r of %r not resumed yet: %s", saved.lab,
                                saved.trainee, error)
                    continue
                self._unresumed.pop(key, None)
            if self._unresumed:
                await asyncio.sleep(delay)
                delay = min(most, delay * 2)
        self._save_labs()
        return resumed

    def _save_labs(self) -> None:
        if self.state is not None:
            running = {k: SavedLab(r.trainee, r.lab.id, r.started_at)
                       for k, r in self.runs.items()}
            self.state.save_labs({**self._unresumed, **running}.values())

    def _make_host(self, run: LabRun, device_spec: Any) -> DeviceHost:
        faults = [f.to_fault() for f in run.lab.faults if f.device == device_spec.id]
        device = MODELS[device_spec.model](
            device_spec.id, device_spec.params, trainee=run.trainee, lab=run.lab.id,
            started_at=run.started_at, faults=faults,
        )
        return DeviceHost(device, f"{run.topic_root}/{device_spec.id}", self.connect,
                          self._on_evidence)

    async def _connect_all(self, run: LabRun) -> None:
        async def one(host: DeviceHost) -> None:
            async with self._connecting:
                await host.start()

        results = await asyncio.gather(*(one(h) for h in run.hosts.values()),
                                       return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            await asyncio.gather(*(h.stop() for h in run.hosts.values()),
                                 return_exceptions=True)
            first = failures[0]
            if isinstance(first, ConnectionRefused):
                raise BrokerUnavailable(f"the broker refused the fleet: {first}")
            raise BrokerUnavailable(f"cannot reach the broker: {first!r}")

    async def stop_lab(self, trainee: str, lab_id: str) -> bool:
        """Stop a trainee's lab; False if it was not running."""
        run = self.runs.pop((trainee, lab_id), None)
        if run is None:
            if self._unresumed.pop((trainee, lab_id), None) is None:
                return False
            self._save_labs()
            if self.state is not None:
                self.state.forget(trainee, lab_id)
            return True
        await self._stop_run(run)
        self._save_labs()
        if self.state is not None:
            self.state.forget(trainee, lab_id)
        return True

    async def _stop_run(self, run: LabRun) -> None:
        self.active_devices -= len(run.hosts)
        await asyncio.gather(*(h.stop() for h in run.hosts.values()), return_exceptions=True)

    def running(self, trainee: str, lab_id: str) -> LabRun:
        run = self.runs.get((trainee, lab_id))
        if run is None:
            self.lab_spec(lab_id)
            raise LabNotRunning(f"lab {lab_id!r} is not running for {trainee!r}; start it first")
        return run

    def check_lab(self, trainee: str, lab_id: str) -> list[CheckResult]:
        """Each of the lab's checks over the trainee's devices, now."""
        run = self.running(trainee, lab_id)
        results = evaluate_checks(run.lab, {k: h.device for k, h in run.hosts.items()})
        now = self.clock()
        self._emit([CheckRecord(trainee, lab_id, r.id, r.passed, now) for r in results])
        return results

    def inject_fault(self, trainee: str, lab_id: str, device_id: str, fault: Fault) -> None:
        run = self.running(trainee, lab_id)
        host = run.hosts.get(device_id)
        if host is None:
            raise UnknownDevice(f"lab {lab_id!r} has no device {device_id!r}; devices: "
                                f"{', '.join(sorted(run.hosts))}")
        if fault.channel is not None and fault.channel not in host.device.units:
            raise UnknownDevice(f"device {device_id!r} has no channel {fault.channel!r}; "
                                f"channels: {', '.join(host.device.units)}")
        host.device.faults.inject(fault, self.clock())

    def hint(self, trainee: str, lab_id: str, check_id: str) -> GivenHint:
        """The hint of a lab's check for a trainee, recorded as a `HintRecord`.

        The lab need not be running: a hint is the lab file's. A check without a hint
        answers ``hint=None`` and records nothing (it costs nothing)."""
        if not TRAINEE_NAME.match(trainee):
            raise InvalidName(f"trainee {trainee!r} is not a valid name: 1-64 lowercase "
                              "letters, digits, '.', '_' or '-'")
        spec = self.lab_spec(lab_id)
        try:
            check = spec.check(check_id)
        except KeyError as error:
            raise UnknownCheck(error.args[0]) from None
        key = (trainee, lab_id, check_id)
        repeated = key in self._hints_given
        if check.hint is None:
            return GivenHint(trainee, lab_id, check_id, check.title.model_dump(), None, False)
        self._hints_given.add(key)
        self._emit([HintRecord(trainee, lab_id, check_id, self.clock())])
        return GivenHint(trainee, lab_id, check_id, check.title.model_dump(),
                         check.hint.model_dump(), repeated)

    # -- events --------------------------------------------------------------------------
    def _on_evidence(self, records: list[Evidence]) -> None:
        if self.state is not None:
            try:
                self.state.append_evidence(records)
            except OSError:
                log.exception("cannot keep evidence in %s", self.state.folder)
        self._emit(list(records))

    def _emit(self, records: list[FleetRecord]) -> None:
        if self.events is not None and records:
            self.events(records)

    # -- the ticker ----------------------------------------------------------------------
    def add_host(self, host: DeviceHost) -> None:
        """Schedule a host that is not part of a lab file (benchmarks, real-device proxies)."""
        self._schedule_first(host)
        self.active_devices += 1

    def _schedule_first(self, host: DeviceHost) -> None:
        # Spread first ticks over the first second so a big start is not one burst.
        first = self.clock() + self._spread.uniform(0.0, min(1.0, host.device.interval))
        heapq.heappush(self._heap, (first, next(self._order), host))

    def tick_due(self, now: float) -> int:
        """Tick every host that is due at ``now``; return how many were ticked."""
        heap = self._heap
        count = 0
        # Two passes: make a chunk of due devices' messages, then send them back to back.
        # The broker then stays busy through the burst instead of being woken per message,
        # which is most of the kernel's cost per message.
        batch: list[tuple[DeviceHost, list[Message]]] = []
        while heap and heap[0][0] <= now:
            due, order, host = heapq.heappop(heap)
            if host.stopped:
                continue
            try:
                batch.append((host, host.device.tick(now)))
            except Exception:
                # One broken device must not stop the others.
                self.tick_errors += 1
                log.exception("device %s failed to tick", host.topic_root)
            heapq.heappush(heap, (self._following(due, host.device.interval, now), order, host))
            count += 1
            if len(batch) >= SEND_BATCH:
                self._send(batch)
                # Later chunks are stamped when they are made, not when the wake began.
                now = max(now, self.clock())
        self._send(batch)
        self.ticks += count
        return count

    @staticmethod
    def _following(due: float, interval: float, now: float) -> float:
        following = due + interval
        if following <= now:
            # Fell behind: skip the missed ticks rather than burst, and keep the device's
            # phase so devices stay spread over the second.
            following += (int((now - following) / interval) + 1) * interval
        return following

    @staticmethod
    def _send(batch: list[tuple[DeviceHost, list[Message]]]) -> None:
        for host, messages in batch:
            host.send(messages)
        batch.clear()

    def resolution(self) -> float:
        """Seconds between wakes: about WAKE_BATCH devices' ticks each, within bounds."""
        finest, coarsest = TICK_RESOLUTION_S
        return min(coarsest, max(finest, WAKE_BATCH / max(1, self.active_devices)))

    async def run(self) -> None:
        """Tick devices until ``close()``."""
        while not self._closed:
            self.tick_due(self.clock())
            delay = TICK_RESOLUTION_S[1]
            if self._heap:
                delay = min(delay, max(self.resolution(), self._heap[0][0] - self.clock()))
            await asyncio.sleep(delay)

    async def close(self) -> None:
        """Stop every lab's devices and the ticker. The state (if any) still lists the
        labs, so that the fleet's next run resumes them."""
        self._closed = True
        runs, self.runs = list(self.runs.values()), {}
        for run in runs:
            await self._stop_run(run)
        if self.state is not None:
            self.state.close()

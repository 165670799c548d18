"""The Device base class: what every emulated device does, with no I/O.

A device is driven from outside:

* ``tick(now)`` returns the messages it publishes at time ``now`` (epoch seconds):
  its telemetry, and ``status`` when a fault takes it off line or brings it back;
* ``handle(raw)`` takes a raw command and returns the ``reply`` message (or ``None``
  while the device is off line: the command waits, as a persistent session would keep it,
  and its reply comes with the first tick back on line);
* ``meta_message()`` and ``status_message()`` are the retained topics.

A model subclasses it, names its ``model``, ``units`` and ``Settings``, and implements
``measure(now, dt)`` (the true physical values) and optionally ``alarms(values)``. The
base adds faults, calibration, filters, alarms and the built-in actions, and keeps the
evidence of what the trainee did.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import deque
from collections.abc import Iterable, Mapping
from statistics import median
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lab_devices.device.builtin_actions import BuiltinActions
from lab_devices.device.commands import (
    MAX_COMMAND_BYTES,
    CommandError,
    CommandSpec,
    EnvelopeError,
    ParsedCommand,
    error_reply,
    ok_reply,
    parse_envelope,
    validate_params,
)
from lab_devices.device.faults import Fault, FaultBoard
from lab_devices.device.messages import Evidence, Message
from lab_devices.device.physics import NormalPool


class DeviceSettings(BaseModel):
    """Settings every device takes from its lab file's ``params``."""

    model_config = ConfigDict(extra="forbid")

    interval: float = Field(1.0, ge=0.1, le=3600, description="Seconds between telemetry.")
    seed: int | None = Field(None, description="Random seed; by default derived from the ids.")


class InvalidSettings(ValueError):
    """A device's settings are wrong; ``errors`` has (dotted field, reason) pairs."""

    def __init__(self, model: str, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        text = "; ".join(f"{field}: {reason}" for field, reason in errors)
        super().__init__(f"{model} settings: {text}")


class Device(BuiltinActions):
    """An emulated device; subclasses implement ``measure``."""

    model: ClassVar[str] = "device"
    description: ClassVar[str] = ""
    units: ClassVar[dict[str, str]] = {}
    precision: ClassVar[dict[str, int]] = {}
    Settings: ClassVar[type[DeviceSettings]] = DeviceSettings
    command_specs: ClassVar[dict[str, CommandSpec]] = {}
    _commands_meta: ClassVar[dict[str, Any] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        specs: dict[str, CommandSpec] = {}
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                spec = getattr(value, "__command_spec__", None)
                if spec is not None:
                    specs[spec.name] = spec
        cls.command_specs = specs

    def __init__(
        self,
        device_id: str,
        params: Mapping[str, Any] | None = None,
        *,
        trainee: str = "",
        lab: str = "",
        started_at: float = 0.0,
        faults: Iterable[Fault] = (),
    ) -> None:
        self.device_id = device_id
        self.trainee = trainee
        self.lab = lab
        self.settings = self.validate_settings(params or {})
        self.interval = self.settings.interval
        self.rng = random.Random(self.settings.seed if self.settings.seed is not None
                                 else _seed_from(trainee, lab, device_id))
        self.normal = NormalPool(self.rng)
        self.faults = FaultBoard(list(faults), started_at)
        self.started_at = started_at
        self.now = started_at
        self._last_tick: float | None = None
        self.seq = 0
        self.online = True
        self.values: dict[str, float] = {}
        self.filters: dict[str, deque[float]] = {}
        self.alarm_state: dict[str, dict[str, Any]] = {}
        self.evidence: list[Evidence] = []
        self.pending: list[bytes] = []
        self._meta: bytes | None = None
        self._templates: dict[tuple[str, ...], str | None] = {}

    @classmethod
    def validate_settings(cls, params: Mapping[str, Any]) -> DeviceSettings:
        """The model's settings, or InvalidSettings naming each wrong field."""
        try:
            return cls.Settings.model_validate(dict(params))
        except ValidationError as exc:
            errors = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
            raise InvalidSettings(cls.model, errors) from None

    # -- what a model implements -------------------------------------------------------
    def measure(self, now: float, dt: float) -> dict[str, float]:
        """The true values at ``now``, ``dt`` seconds after the last tick."""
        raise NotImplementedError

    def alarms(self, values: Mapping[str, float]) -> dict[str, str]:
        """Alarms the readings raise now: alarm id -> what is wrong."""
        return {}

    def extra_state(self) -> dict[str, Any]:
        """Model-specific state a lab check may read (setpoints, counters …)."""
        return {}

    # -- driving the device ------------------------------------------------------------
    def tick(self, now: float) -> list[Message]:
        """The messages the device publishes at ``now``."""
        out: list[Message] = []
        faults = self.faults
        if faults.records:  # most devices have no faults: skip the bookkeeping
            faults.update(now)
            online = not faults.offline()
            if online != self.online:
                self.online = online
                out.append(self.status_message())
        dt = 0.0 if self._last_tick is None else max(0.0, now - self._last_tick)
        self._last_tick = now
        self.now = now
        values = self.measure(now, dt)
        if faults.any_active:
            faults.apply(values, now, self.rng)
        if self.filters:
            self._filter(values)
        self.values = values
        if not self.online:
            return out
        if self.pending:
            out.extend(self._drain_pending())
        self._update_alarms(values, now)
        if faults.any_active and faults.drops(self.rng):
            return out
        self.seq += 1
        out.append(Message("telemetry", self.telemetry_payload(now, values)))
        return out

    def telemetry_payload(self, now: float, values: Mapping[str, Any]) -> bytes:
        # The hot path of a fleet: a %-format compiled once per set of channels is several
        # times faster than json.dumps. Anything unusual (a string, None, an active fault
        # that may change a type) takes the general path below.
        keys = tuple(values)
        template = self._templates.get(keys, "") if not self.faults.any_active else None
        if template == "":
            template = self._templates[keys] = self._compile_template(values)
        if template is not None:
            body = template % (now, self.seq, *values.values())
            if self.alarm_state:
                return (body[:-1] + ',"alarms":' + self._alarms_json() + "}").encode()
            return body.encode()
        return self._general_payload(now, values)

    def _compile_template(self, values: Mapping[str, Any]) -> str | None:
        parts = ['{"ts":%.3f,"seq":%d']
        for name, value in values.items():
            if type(value) is float and math.isfinite(value):
                parts.append(f',"{name}":%.{self.precision.get(name, 2)}f')
            elif type(value) is int:
                parts.append(f',"{name}":%d')
            else:
                return None
        return "".join(parts) + "}"

    def _alarms_json(self) -> str:
        return json.dumps([{"id": key, "acked": state["acked"]}
                           for key, state in self.alarm_state.items()], separators=(",", ":"))

    def _general_payload(self, now: float, values: Mapping[str, Any]) -> bytes:
        document: dict[str, Any] = {"ts": round(now, 3), "seq": self.seq}
        precision = self.precision
        for name, value in values.items():
            # States and counters pass through; measured values are rounded to resolution.
            document[name] = round(value, precision.get(name, 2)) if type(value) is float else value
        if self.alarm_state:
            document["alarms"] = [
                {"id": key, "acked": state["acked"]} for key, state in self.alarm_state.items()
            ]
        return json.dumps(document, separators=(",", ":")).encode()

    def _filter(self, values: dict[str, float]) -> None:
        for channel, window in self.filters.items():
            if channel in values:
                window.append(values[channel])
                values[channel] = median(window)

    def _update_alarms(self, values: Mapping[str, float], now: float) -> None:
        raised = self.alarms(values)
        if not raised and not self.alarm_state:
            return
        for key in list(self.alarm_state):
            if key not in raised:
                del self.alarm_state[key]
        for key, text in raised.items():
            if key not in self.alarm_state:
                self.alarm_state[key] = {"text": text, "since": now, "acked": False}

    def _drain_pending(self) -> list[Message]:
        waiting, self.pending = self.pending, []
        return [reply for raw in waiting if (reply := self.handle(raw)) is not None]

    def handle(self, raw: bytes) -> Message | None:
        """Carry out one raw command and return its reply (None while off line)."""
        if not self.online:
            self.pending.append(raw)
            return None
        command_id: str | int | None = None
        try:
            parsed = parse_envelope(raw)
            command_id = parsed.id
            result = self._run(parsed)
        except EnvelopeError as exc:
            return self._reject(exc.command_id, str(exc))
        except CommandError as exc:
            return self._reject(command_id, str(exc))
        self.record("command_accepted", {"command": parsed.action, **parsed.arguments})
        return Message("reply", ok_reply(parsed.id, result), qos=1)

    def _run(self, parsed: ParsedCommand) -> dict[str, Any]:
        spec = self.command_specs.get(parsed.action)
        if spec is None:
            known = ", ".join(sorted(self.command_specs))
            raise CommandError(f"unknown action {parsed.action!r}; this device takes: {known}")
        params = validate_params(spec, parsed.arguments)
        return getattr(self, spec.method)(params)

    def _reject(self, command_id: str | int | None, text: str) -> Message:
        self.record("command_rejected", {"error": text})
        return Message("reply", error_reply(command_id, text), qos=1)

    # -- retained topics, evidence and state -------------------------------------------
    def meta_message(self) -> Message:
        if self._meta is None:
            self._meta = json.dumps(self.meta()).encode()
        return Message("meta", self._meta, qos=1, retain=True)

    def meta(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "id": self.device_id,
            "description": self.description,
            "units": self.units,
            "interval": self.interval,
            "max_command_bytes": MAX_COMMAND_BYTES,
            "commands": self.describe_commands(),
        }

    @classmethod
    def describe_commands(cls) -> dict[str, Any]:
        """The actions as ``meta`` lists them; built once per model (JSON schemas are slow)."""
        cached = cls.__dict__.get("_commands_meta")
        if cached is None:
            cached = {name: spec.describe() for name, spec in cls.command_specs.items()}
            cls._commands_meta = cached
        return cached

    def status_message(self) -> Message:
        return Message("status", b"online" if self.online else b"offline", qos=1, retain=True)

    def record(self, action: str, detail: dict[str, Any]) -> Evidence:
        """Keep evidence of what the trainee did."""
        evidence = Evidence(self.trainee, self.lab, self.device_id, action, detail, self.now)
        self.evidence.append(evidence)
        return evidence

    def state(self) -> dict[str, Any]:
        """What lab checks read besides the evidence."""
        return {
            "online": self.online,
            "interval": self.interval,
            "seq": self.seq,
            "values": dict(self.values),
            "alarms": {key: dict(state) for key, state in self.alarm_state.items()},
            "filters": {channel: w.maxlen for channel, w in self.filters.items()},
            "faults": self.faults.summaries(),
            **self.extra_state(),
        }


def _seed_from(*parts: str) -> int:
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")

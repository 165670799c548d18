"""The values that leave a device: messages to publish and evidence of what a trainee did.

Both are plain dataclasses. A ``Message`` carries a topic *suffix* (``telemetry``,
``meta``, ``status``, ``reply``); the link that publishes it puts the device's topic root
in front. An ``Evidence`` record is what a lab check stands on; the fleet hands it to its
sink, and SenLab makes a progress event of it (``senlab.fleet``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(slots=True)  # not frozen: a fleet makes thousands a second, and frozen is slower
class Message:
    """One MQTT publication, relative to the device's topic root."""

    topic: str
    payload: bytes
    qos: int = 0
    retain: bool = False


@dataclass(frozen=True, slots=True)
class Evidence:
    """Something the trainee did to a device, as the device saw it."""

    trainee: str
    lab: str
    device: str
    action: str
    detail: dict[str, Any]
    at: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

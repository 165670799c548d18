"""The values that leave a device: messages to publish and evidence of what a trainee did.

Both are plain dataclasses. A ``Message`` carries a topic *suffix* (``telemetry``,
``meta``, ``status``, ``reply``); the link that publishes it puts the device's topic root
in front. An ``Evidence`` record is what a lab check stands on, and what a sink forwards
to the progress service as an event with a client-made id, so a retried event is stored
once.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

EVIDENCE_EVENT_TYPE = "lab.evidence"


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
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    type: str = EVIDENCE_EVENT_TYPE

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_event(self) -> dict[str, Any]:
        """The record as an event of the progress service's ``POST /api/events``."""
        return {
            "id": self.id,
            "type": self.type,
            "occurred_at": datetime.fromtimestamp(self.at, UTC).isoformat(),
            "data": {"trainee": self.trainee, "lab": self.lab, "device": self.device,
                     "kind": self.action, "detail": self.detail},
        }

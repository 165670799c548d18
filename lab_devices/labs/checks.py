"""Evaluating a lab's checks over its devices' evidence and state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from lab_devices.device.base import Device
from lab_devices.labs.labfile import (
    AllCondition,
    AnyCondition,
    EvidenceCondition,
    FaultCondition,
    LabSpec,
    NotCondition,
    StateCondition,
)


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome, with its bilingual title and, when it fails, its message."""

    id: str
    title: dict[str, str]
    passed: bool
    message: dict[str, str] | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_checks(lab: LabSpec, devices: Mapping[str, Device]) -> list[CheckResult]:
    """Each of the lab's checks, passed or not, in the file's order."""
    results = []
    for check in lab.checks:
        passed = holds(check.when, devices)
        results.append(CheckResult(
            check.id, check.title.model_dump(), passed,
            None if passed else check.failure.model_dump(),
        ))
    return results


def holds(condition: Any, devices: Mapping[str, Device]) -> bool:
    """Whether a condition holds now."""
    if isinstance(condition, AllCondition):
        return all(holds(c, devices) for c in condition.all)
    if isinstance(condition, AnyCondition):
        return any(holds(c, devices) for c in condition.any)
    if isinstance(condition, NotCondition):
        return not holds(condition.not_, devices)
    if isinstance(condition, EvidenceCondition):
        query = condition.evidence
        count = sum(
            1 for e in devices[query.device].evidence
            if e.action == query.action
            and all(e.detail.get(k) == v for k, v in query.where.items())
        )
        return count >= query.min_count
    if isinstance(condition, FaultCondition):
        return _fault_holds(condition, devices)
    if isinstance(condition, StateCondition):
        return _state_holds(condition, devices)
    raise TypeError(f"unknown condition {condition!r}")


def _fault_holds(condition: FaultCondition, devices: Mapping[str, Device]) -> bool:
    query = condition.fault
    for record in devices[query.device].faults.summaries():
        if record["kind"] != query.kind:
            continue
        if query.channel is not None and record["channel"] != query.channel:
            continue
        if query.status == "resolved" and record["resolved"]:
            return True
        if query.status == "reported" and record["reported"]:
            return True
        if query.status == "handled" and (record["resolved"] or record["reported"]):
            return True
    return False


def _state_holds(condition: StateCondition, devices: Mapping[str, Device]) -> bool:
    query = condition.state
    value: Any = devices[query.device].state()
    for part in query.path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False
        value = value[part]
    if query.equals is not None and value != query.equals:
        return False
    if query.at_least is not None and not (_number(value) and value >= query.at_least):
        return False
    if query.at_most is not None and not (_number(value) and value <= query.at_most):
        return False
    return True


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)

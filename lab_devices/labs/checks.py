"""Evaluating a lab's checks over its devices' evidence and state.

A fault condition with ``within_s`` holds only if the trainee reached its status within
that many seconds of the fault's start: for ``resolved`` the fix (``FaultRecord.repair_s``),
for ``reported`` the report, for ``handled`` either. Several faults of the same kind may
match (one scheduled, one injected): one that meets the window is enough.

Each result carries its check's time to repair, for feedback: ``repair_s`` is, over the
fault conditions of the check, the longest of their fastest trainee fixes (None while
no fault the check names was fixed by the trainee), and ``within_s`` the tightest window
its conditions set (None: no window). ``as_dict`` (what the control API answers) gives
``has_hint``, ``repair_s`` and ``within_s`` only where they apply, so a check with no hint
and no fault condition reads as it always has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from lab_devices.device.base import Device
from lab_devices.device.faults import FaultRecord
from lab_devices.labs.labfile import (
    AllCondition,
    AnyCondition,
    EvidenceCondition,
    FaultCondition,
    FaultQuery,
    LabSpec,
    NotCondition,
    StateCondition,
    fault_queries,
)


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome, with its bilingual title and, when it fails, its message."""

    id: str
    title: dict[str, str]
    passed: bool
    message: dict[str, str] | None
    has_hint: bool = False
    repair_s: float | None = None
    within_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        document = asdict(self)
        if not self.has_hint:
            del document["has_hint"]
        for key in ("repair_s", "within_s"):
            if document[key] is None:
                del document[key]
        return document


def evaluate_checks(lab: LabSpec, devices: Mapping[str, Device]) -> list[CheckResult]:
    """Each of the lab's checks, passed or not, in the file's order."""
    results = []
    for check in lab.checks:
        passed = holds(check.when, devices)
        queries = [q for _path, q in fault_queries(check.when, "when")]
        repairs = [r for r in (_fastest_repair(q, devices) for q in queries) if r is not None]
        windows = [q.within_s for q in queries if q.within_s is not None]
        results.append(CheckResult(
            check.id, check.title.model_dump(), passed,
            None if passed else check.failure.model_dump(),
            has_hint=check.hint is not None,
            repair_s=max(repairs) if repairs else None,
            within_s=min(windows) if windows else None,
        ))
    return results


def _matching(query: FaultQuery, devices: Mapping[str, Device]) -> list[FaultRecord]:
    return [r for r in devices[query.device].faults.records
            if r.fault.kind == query.kind
            and (query.channel is None or r.fault.channel == query.channel)]


def _fastest_repair(query: FaultQuery, devices: Mapping[str, Device]) -> float | None:
    """The shortest time to a trainee's fix among the faults `query` names."""
    times = [r.repair_s for r in _matching(query, devices) if r.repair_s is not None]
    return min(times) if times else None


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
    limit = query.within_s
    for record in _matching(query, devices):
        resolved, reported = record.repair_s, record.reported_after_s
        if limit is not None:
            resolved = resolved if resolved is not None and resolved <= limit else None
            reported = reported if reported is not None and reported <= limit else None
        if query.status == "resolved" and resolved is not None:
            return True
        if query.status == "reported" and reported is not None:
            return True
        if query.status == "handled" and (resolved is not None or reported is not None):
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

"""Lab files: ``labs/<lab>/lab.yaml``, validated by Pydantic.

A lab file holds the devices (model, id, params), the faults and their schedule, and the
checks. A check has an id, a bilingual title, a condition over the devices' evidence and
state, and a bilingual message for the trainee when it fails. Conditions are data:

* ``evidence``: the device recorded ``action`` (with ``where`` fields) at least
  ``min_count`` times;
* ``fault``: the device's fault of ``kind`` (on ``channel``) is ``resolved`` (the
  trainee's fix ended it), ``reported`` (diagnosed correctly) or ``handled`` (either);
  with ``within_s: N`` that must have happened within N seconds of the fault's start (its
  injection): a break-fix check scored on the time to repair. The check's result carries
  the measured repair time (seconds from the start to the fix) so feedback can show it;
* ``state``: a dotted ``path`` into the device's state compares to a value
  (``equals``, ``at_least``, ``at_most``);
* ``all`` / ``any`` of conditions, and ``not`` a condition.

A check may carry a ``hint: {vi, en}``: what a trainee who is stuck may ask for
(``lab.hint("check-id")``). A course may make a hint cost points (``hint_cost`` in
course.yaml); the lab file only holds its text.

``load_lab(path)`` raises ``LabFileError``, which names the file, the field as a dotted
path (``checks.2.when.fault.device``) and the reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from lab_devices.device.base import InvalidSettings
from lab_devices.device.faults import CHANNEL_KINDS, FAULT_KINDS, Fault
from lab_devices.models import MODELS

NAME = r"^[a-z0-9][a-z0-9-]{0,39}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bilingual(Strict):
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class DeviceSpec(Strict):
    id: str = Field(pattern=NAME)
    model: str
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_model_and_params(self) -> DeviceSpec:
        cls = MODELS.get(self.model)
        if cls is None:
            raise ValueError(f"unknown model {self.model!r}; known: {', '.join(sorted(MODELS))}")
        try:
            cls.validate_settings(self.params)
        except InvalidSettings as exc:
            field, reason = exc.errors[0]
            raise ValueError(f"@params.{field}: {reason}") from None
        return self


class FaultSpec(Strict):
    device: str
    kind: Literal[FAULT_KINDS]  # type: ignore[valid-type]
    channel: str | None = None
    at: float = Field(0.0, ge=0, description="Seconds after the lab starts.")
    duration: float | None = Field(None, gt=0, description="Seconds; none = until fixed.")
    rate: float = 1.0
    probability: float = Field(0.2, ge=0, le=1)
    magnitude: float = 10.0
    gain: float = 1.0
    offset: float = 0.0
    level: float = Field(8.0, ge=0, le=100)

    def to_fault(self) -> Fault:
        return Fault(**self.model_dump(exclude={"device"}))


class EvidenceQuery(Strict):
    device: str
    action: str = Field(min_length=1)
    where: dict[str, Any] = Field(default_factory=dict)
    min_count: int = Field(1, ge=1)


class FaultQuery(Strict):
    device: str
    kind: Literal[FAULT_KINDS]  # type: ignore[valid-type]
    channel: str | None = None
    status: Literal["resolved", "reported", "handled"] = "handled"
    within_s: float | None = Field(
        None, gt=0, description="Seconds from the fault's start within which the status "
        "must have been reached (time to repair); none = no limit.")


class StateQuery(Strict):
    device: str
    path: str = Field(min_length=1)
    equals: Any = None
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one_comparison(self) -> StateQuery:
        given = [k for k in ("equals", "at_least", "at_most") if getattr(self, k) is not None]
        if not given:
            raise ValueError("give one of equals, at_least, at_most")
        return self


class EvidenceCondition(Strict):
    evidence: EvidenceQuery


class FaultCondition(Strict):
    fault: FaultQuery


class StateCondition(Strict):
    state: StateQuery


class AllCondition(Strict):
    all: list[Condition] = Field(min_length=1)


class AnyCondition(Strict):
    any: list[Condition] = Field(min_length=1)


class NotCondition(Strict):
    not_: Condition = Field(alias="not")


CONDITION_KINDS = ("evidence", "fault", "state", "all", "any", "not")


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in CONDITION_KINDS else None
    if isinstance(value, BaseModel):
        kinds: dict[type[BaseModel], str] = {
            EvidenceCondition: "evidence", FaultCondition: "fault", StateCondition: "state",
            AllCondition: "all", AnyCondition: "any", NotCondition: "not"}
        return kinds[type(value)]
    return None


Condition = Annotated[
    Union[  # noqa: UP007 - tagged members read better one per line
        Annotated[EvidenceCondition, Tag("evidence")],
        Annotated[FaultCondition, Tag("fault")],
        Annotated[StateCondition, Tag("state")],
        Annotated[AllCondition, Tag("all")],
        Annotated[AnyCondition, Tag("any")],
        Annotated[NotCondition, Tag("not")],
    ],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with one key of: "
        + ", ".join(CONDITION_KINDS),
    ),
]
AllCondition.model_rebuild()
AnyCondition.model_rebuild()
NotCondition.model_rebuild()


class CheckSpec(Strict):
    id: str = Field(pattern=NAME)
    title: Bilingual
    when: Condition
    failure: Bilingual
    hint: Bilingual | None = Field(None, description="Help a trainee may ask for.")


class LabSpec(Strict):
    id: str = Field(pattern=NAME)
    title: Bilingual
    summary: Bilingual
    devices: list[DeviceSpec] = Field(min_length=1)
    faults: list[FaultSpec] = Field(default_factory=list)
    checks: list[CheckSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> LabSpec:
        devices = {d.id: d for d in self.devices}
        if len(devices) != len(self.devices):
            raise ValueError("@devices: device ids must be unique")
        for index, fault in enumerate(self.faults):
            _check_device_ref(devices, fault.device, f"faults.{index}.device")
            _check_fault_channel(devices[fault.device], fault, f"faults.{index}")
        if len({c.id for c in self.checks}) != len(self.checks):
            raise ValueError("@checks: check ids must be unique")
        for index, check in enumerate(self.checks):
            for path, device in _condition_devices(check.when, f"checks.{index}.when"):
                _check_device_ref(devices, device, path)
            for path, query in fault_queries(check.when, f"checks.{index}.when"):
                _check_query_channel(devices[query.device], query, path)
        return self

    def check(self, check_id: str) -> CheckSpec:
        """The check `check_id`; KeyError naming it and listing the lab's checks."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(f"lab {self.id!r} has no check {check_id!r}; checks: "
                       f"{', '.join(c.id for c in self.checks) or 'none'}")


def _check_device_ref(devices: dict[str, DeviceSpec], device: str, path: str) -> None:
    if device not in devices:
        raise ValueError(f"@{path}: no device {device!r} in this lab; devices: "
                         f"{', '.join(devices)}")


def _check_fault_channel(device: DeviceSpec, fault: FaultSpec, path: str) -> None:
    units = MODELS[device.model].units
    if fault.kind in CHANNEL_KINDS:
        if fault.channel is None:
            raise ValueError(f"@{path}.channel: a {fault.kind} fault needs a channel")
        if fault.channel not in units:
            raise ValueError(f"@{path}.channel: {device.model} has no channel {fault.channel!r}; "
                             f"channels: {', '.join(units)}")
    if fault.kind == "low_battery" and "battery" not in units:
        raise ValueError(f"@{path}.kind: {device.model} has no battery")


def _check_query_channel(device: DeviceSpec, query: FaultQuery, path: str) -> None:
    """A fault condition's channel must be one of its device's (no channel: any)."""
    units = MODELS[device.model].units
    if query.channel is not None and query.channel not in units:
        raise ValueError(f"@{path}.channel: {device.model} has no channel {query.channel!r}; "
                         f"channels: {', '.join(units)}")
    if query.kind == "low_battery" and "battery" not in units:
        raise ValueError(f"@{path}.kind: {device.model} has no battery")


def fault_queries(condition: Any, path: str) -> list[tuple[str, FaultQuery]]:
    """Every (dotted path, fault query) in a condition."""
    if isinstance(condition, FaultCondition):
        return [(f"{path}.fault", condition.fault)]
    for key in ("all", "any"):
        members = getattr(condition, key, None)
        if members is not None:
            return [found for i, c in enumerate(members)
                    for found in fault_queries(c, f"{path}.{key}.{i}")]
    if isinstance(condition, NotCondition):
        return fault_queries(condition.not_, f"{path}.not")
    return []


def _condition_devices(condition: Any, path: str) -> list[tuple[str, str]]:
    """Every (dotted path, device id) a condition refers to."""
    for key in ("evidence", "fault", "state"):
        query = getattr(condition, key, None)
        if query is not None:
            return [(f"{path}.{key}.device", query.device)]
    for key in ("all", "any"):
        members = getattr(condition, key, None)
        if members is not None:
            return [ref for i, c in enumerate(members)
                    for ref in _condition_devices(c, f"{path}.{key}.{i}")]
    return _condition_devices(condition.not_, f"{path}.not")


class LabFileError(ValueError):
    """A lab file that cannot be used: names the file, the field and the reason."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  {field or '(file)'}: {reason}" for field, reason in problems)
        super().__init__(f"{path}:\n{lines}")


def _dotted(loc: tuple[Any, ...]) -> str:
    # A tagged condition repeats its tag in the location (when.fault.fault.device): keep one.
    parts: list[str] = []
    for part in map(str, loc):
        if parts and part == parts[-1] and part in CONDITION_KINDS:
            continue
        parts.append(part)
    return ".".join(parts)


def parse_lab(document: Any, path: Path) -> LabSpec:
    """Validate an already-parsed lab document."""
    try:
        return LabSpec.model_validate(document)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            field = _dotted(error["loc"])
            # Cross-field validators name the field they fault as "@relative.path: reason".
            match = re.match(r"^@([\w.-]+): (.*)$", message, re.S)
            if match:
                field = ".".join(filter(None, (field, match.group(1))))
                message = match.group(2)
            problems.append((field, message))
        raise LabFileError(path, problems) from None


def load_lab(path: Path) -> LabSpec:
    """Read and validate one ``lab.yaml``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LabFileError(path, [("", f"cannot read: {exc.strerror}")]) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LabFileError(path, [("", f"not valid YAML: {exc}")]) from None
    lab = parse_lab(document, path)
    if lab.id != path.parent.name:
        raise LabFileError(path, [("id", f"{lab.id!r} differs from its folder "
                                         f"{path.parent.name!r}")])
    return lab


def load_labs(folder: Path) -> dict[str, LabSpec]:
    """Every ``<folder>/<lab>/lab.yaml``, by lab id."""
    return {p.parent.name: load_lab(p) for p in sorted(folder.glob("*/lab.yaml"))}

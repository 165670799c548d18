"""Commands: how a device declares the actions it takes, and how a raw command is parsed.

A command arrives as JSON on the device's ``cmd`` topic::

    {"id": 7, "action": "calibrate", "channel": "ph", "reference": 7.0}

``id`` (a string or an integer) and ``action`` are the envelope; every other key is a
parameter, validated strictly by the action's Pydantic model (``"5"`` is not a number).
Anything wrong becomes a ``CommandError`` whose text names what was wrong; the device
turns it into ``{"id": …, "ok": false, "error": …}`` and keeps running.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

# A command is a few hundred bytes at most; 4 KiB leaves room and bounds the work a
# malformed or hostile payload can cause.
MAX_COMMAND_BYTES = 4096


class CommandError(Exception):
    """A command that cannot be carried out; the text says why."""


class EnvelopeError(CommandError):
    """A CommandError raised after the id was read, so the reply can carry it."""

    def __init__(self, command_id: str | int, text: str) -> None:
        super().__init__(text)
        self.command_id = command_id


class Params(BaseModel):
    """Base of every command's parameters: strict types, no unknown keys."""

    model_config = ConfigDict(strict=True, extra="forbid")


class NoParams(Params):
    """A command that takes no parameters."""


@dataclass(frozen=True)
class CommandSpec:
    """One action a device takes: its name, parameters and one-line help."""

    name: str
    params: type[Params]
    help: str
    method: str

    def describe(self) -> dict[str, Any]:
        """The action as listed in the device's retained ``meta``."""
        schema = self.params.model_json_schema()
        props = {
            key: value.get("type", value.get("anyOf", "any"))
            for key, value in schema.get("properties", {}).items()
        }
        return {"help": self.help, "params": props, "required": schema.get("required", [])}


def command(help: str, params: type[Params] = NoParams) -> Callable[[Callable], Callable]:
    """Mark a ``cmd_<action>`` method of a Device as the handler of ``<action>``."""

    def mark(method: Callable) -> Callable:
        name = method.__name__.removeprefix("cmd_")
        method.__command_spec__ = CommandSpec(name, params, help, method.__name__)  # type: ignore[attr-defined]
        return method

    return mark


@dataclass(frozen=True)
class ParsedCommand:
    """A command whose envelope is valid; its parameters are checked by the action."""

    id: str | int
    action: str
    arguments: dict[str, Any]


def parse_envelope(raw: bytes) -> ParsedCommand:
    """Decode a raw command, or raise CommandError naming what was wrong.

    The id is recovered whenever the payload is a JSON object with a usable id, so even a
    wrong command gets a reply its sender can match.
    """
    if len(raw) > MAX_COMMAND_BYTES:
        raise CommandError(f"command is {len(raw)} bytes; the limit is {MAX_COMMAND_BYTES}")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"command is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise CommandError(f"command must be a JSON object, not {type(document).__name__}")
    command_id = document.pop("id", None)
    if command_id is None:
        raise CommandError("command has no 'id'")
    if isinstance(command_id, bool) or not isinstance(command_id, str | int):
        raise CommandError(f"'id' must be a string or an integer, not {type(command_id).__name__}")
    action = document.pop("action", None)
    if not isinstance(action, str):
        raise EnvelopeError(command_id, "command has no 'action' string")
    return ParsedCommand(command_id, action, document)


def validate_params(spec: CommandSpec, arguments: dict[str, Any]) -> Params:
    """The action's parameters, or CommandError naming each wrong one."""
    try:
        return spec.params.model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'parameters'}: {error['msg']}"
            for error in exc.errors()
        )
        raise CommandError(f"{spec.name}: {problems}") from None


def error_reply(command_id: str | int | None, text: str) -> bytes:
    """The JSON body of a failed command's reply."""
    return json.dumps({"id": command_id, "ok": False, "error": text}).encode()


def ok_reply(command_id: str | int, result: dict[str, Any]) -> bytes:
    """The JSON body of a successful command's reply."""
    return json.dumps({"id": command_id, "ok": True, **result}).encode()

"""What a trainee's notebook imports to work on a live lab.

    import senlab.lab
    lab = senlab.lab.start("iot101-sensors")
    lab.devices                 # the lab's devices and their topics
    client = lab.mqtt_client()  # a paho client, connected with your own credentials
    lab.check()                 # which of the lab's checks pass now, and which checks your
                                # courses list that you have still to pass (a table in Jupyter)
    lab.hint("stuck-pm25")      # the check's hint; a course may make it cost points, once

`start` calls the progress service at `SENLAB_PROGRESS_URL` with the server's own hub
token, as the hub gives them to every server. `connect` reaches a lab that is already
running without HTTP: it takes the broker and the credentials from `SENLAB_MQTT_HOST`,
`SENLAB_MQTT_PORT`, `SENLAB_MQTT_USERNAME`, `SENLAB_MQTT_PASSWORD` and `SENLAB_TOPIC_ROOT`
(the hub sets them in every trainee's server) and the devices from `labs/<lab>/lab.yaml`.
The courses teach MQTT, so the client is plain paho.

It speaks the trainee's language: `SENLAB_LANG` if set (`vi` or `en`), else the locale's
(`LC_ALL`, `LC_MESSAGES`, `LANG`), else Vietnamese. Its messages are in the catalogues of
`senlab.i18n`; the checks' titles and messages come in both languages from the lab file.
"""

from __future__ import annotations

import html
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from senlab.i18n import Translator, format_number, resolve, translator
from senlab.settings import Settings, get_settings

LANG_VARIABLE = "SENLAB_LANG"


class LabError(RuntimeError):
    """The lab could not be started or checked; the message says why."""


def language() -> str:
    """The trainee's language: `SENLAB_LANG` (one SenLab does not offer is an error naming
    it), else the locale's, else Vietnamese."""
    return resolve(os.environ.get(LANG_VARIABLE), where=LANG_VARIABLE)


def _tr() -> Translator:
    return translator(language())


def _call(settings: Settings, method: str, path: str, *, lang: str | None = None) -> Any:
    if not settings.progress_url or settings.hub_service_token is None:
        raise LabError(_tr()("this is not a SenLab server: SENLAB_PROGRESS_URL and "
                             "JUPYTERHUB_API_TOKEN must be set (the hub sets them)"))
    url = settings.progress_url.rstrip("/") + path
    token = settings.hub_service_token.get_secret_value()
    headers = {"Authorization": f"token {token}"}
    if lang:
        headers["Accept-Language"] = lang
    try:
        response = httpx.request(method, url, headers=headers, timeout=30)
    except httpx.HTTPError as err:
        raise LabError(f"{method} {url}: {err}") from err
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise LabError(f"{method} {path}: {response.status_code} {detail}")
    return response.json()


def _plural_count(points: float) -> int:
    """The count that picks a plural form for a number of points: 1 for exactly one, else
    2 (English writes "0.5 points" and "1.5 points")."""
    return 1 if points == 1 else 2


@dataclass
class CheckTable:
    """A lab's checks, and per course the listed checks still to pass, as an HTML table in
    Jupyter and as text elsewhere, in the trainee's language.

    Each check is what the fleet answers: `{"id", "title": {"vi", "en"}, "passed",
    "message": {"vi", "en"} | None}`, with, when known, `repair_s` and `within_s` (a
    break-fix check's time to repair and its limit, in seconds) and `hint_taken`,
    `hint_points` (the progress service's: whether you took its hint, and what it costs).
    `remaining` is what the progress service answers: for each course whose completion
    rule lists checks of this lab, `{"course", "completed", "checks": [{"id", "title"}]}`.
    `lang` is the language to render in (default: the trainee's, see `language()`). The
    marks are words, not symbols, so every font shows them.
    """

    lab: str
    checks: list[dict[str, Any]]
    remaining: list[dict[str, Any]] = field(default_factory=list)
    lang: str | None = None

    @property
    def passed(self) -> int:
        return sum(1 for check in self.checks if check.get("passed"))

    def left_for(self, course: str) -> list[str]:
        """The ids of the checks `course` lists that have still to pass."""
        return [c["id"] for r in self.remaining if r["course"] == course for c in r["checks"]]

    def _translator(self) -> Translator:
        return translator(self.lang) if self.lang else _tr()

    def rows(self) -> list[tuple[bool, str, str, str]]:
        """One row per check: (passed, mark, "title (id)", message), in the language."""
        _ = self._translator()
        rows = []
        for check in self.checks:
            passed = bool(check.get("passed"))
            mark = _("PASS") if passed else _("NOT YET")
            title = _.pick(check.get("title"))
            name = f"{title} ({check.get('id')})" if title else str(check.get("id"))
            rows.append((passed, mark, name, "" if passed else _.pick(check.get("message"))))
        return rows

    def notes(self, check: dict[str, Any]) -> list[str]:
        """What else a check's row says: its time to repair, and the hint taken."""
        _ = self._translator()
        notes = []
        repair, limit = check.get("repair_s"), check.get("within_s")
        if repair is not None:
            seconds = format_number(round(float(repair), 1), _.lang)
            notes.append(_("repaired in {seconds} s of the {limit} s allowed", seconds=seconds,
                           limit=format_number(limit, _.lang)) if limit is not None
                         else _("repaired in {seconds} s", seconds=seconds))
        elif limit is not None and not check.get("passed"):
            notes.append(_("to be repaired within {limit} s of the fault's start",
                           limit=format_number(limit, _.lang)))
        if check.get("hint_taken"):
            points, lang = float(check.get("hint_points") or 0), _.lang
            if points:
                notes.append(_.ngettext("hint taken: it costs {points} point",
                                        "hint taken: it costs {points} points",
                                        _plural_count(points),
                                        points=format_number(points, lang)))
            else:
                notes.append(_("hint taken: it costs no points"))
        return notes

    def summary(self) -> str:
        _ = self._translator()
        return _.ngettext("{lab}: {passed}/{n} check passes", "{lab}: {passed}/{n} checks pass",
                          len(self.checks), lab=self.lab, passed=self.passed)

    def courses(self) -> list[str]:
        """One line per course: completed, nothing left, or which listed checks remain."""
        _ = self._translator()
        lines = []
        for course in self.remaining:
            if course["completed"]:
                lines.append(_("Course {course}: completed", course=course["course"]))
            elif not course["checks"]:
                lines.append(_("Course {course}: every check the course lists passes",
                               course=course["course"]))
            else:
                left = "; ".join(f"{_.pick(c.get('title')) or c['id']} ({c['id']})"
                                 for c in course["checks"])
                lines.append(_.ngettext("Course {course}: {n} check still to pass: {checks}",
                                        "Course {course}: {n} checks still to pass: {checks}",
                                        len(course["checks"]), course=course["course"],
                                        checks=left))
        return lines

    def __str__(self) -> str:
        rows = self.rows()
        width = max((len(mark) for _passed, mark, _name, _message in rows), default=0) + 2
        lines = [self.summary()]
        for check, (_passed, mark, name, message) in zip(self.checks, rows, strict=True):
            lines.append(f"  {'[' + mark + ']':<{width}} {name}")
            for text in [message, *self.notes(check)]:
                if text:
                    lines.append(f"  {'':<{width}} {text}")
        return "\n".join(lines + self.courses())

    def _repr_html_(self) -> str:
        _ = self._translator()
        esc = html.escape
        cells = "".join(
            "<tr><td style=\"color:{};font-weight:bold;white-space:nowrap\">{}</td>"
            "<td>{}</td><td>{}</td></tr>".format(
                "#1a7f37" if passed else "#b3261e", esc(mark), esc(name),
                "<br>".join(esc(t) for t in [message, *self.notes(check)] if t))
            for check, (passed, mark, name, message) in zip(self.checks, self.rows(),
                                                            strict=True))
        head = "".join(f"<th>{esc(column)}</th>"
                       for column in (_("Result"), _("Check"), _("Details")))
        courses = "".join(f"<li>{esc(line)}</li>" for line in self.courses())
        return (f"<p><b>{esc(self.summary())}</b></p>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"
                + (f"<ul>{courses}</ul>" if courses else ""))


@dataclass
class Hint:
    """A check's hint as `lab.hint()` answers it, in the trainee's language.

    `text` is empty when the check has no hint. `costs` is what the progress service says
    the hint costs per course (`{"course", "assignment", "points"}`); `already_taken`: you
    took it before, so it costs nothing more.
    """

    lab: str
    check: str
    title: dict[str, str]
    text: str
    already_taken: bool = False
    costs: list[dict[str, Any]] = field(default_factory=list)
    lang: str | None = None

    def _translator(self) -> Translator:
        return translator(self.lang) if self.lang else _tr()

    def lines(self) -> list[str]:
        _ = self._translator()
        title = _.pick(self.title)
        name = f"{title} ({self.check})" if title else self.check
        if not self.text:
            return [_("{check} has no hint", check=name)]
        lines = [_("Hint for {check}:", check=name), self.text]
        if self.already_taken:
            lines.append(_("You took this hint before: it costs nothing more."))
        elif not self.costs:
            lines.append(_("This hint costs no points."))
        lang = _.lang
        for cost in [] if self.already_taken else self.costs:
            points = float(cost["points"])
            lines.append(_.ngettext(
                "It costs {points} point of assignment {assignment} (course {course}).",
                "It costs {points} points of assignment {assignment} (course {course}).",
                _plural_count(points), points=format_number(points, lang),
                assignment=cost["assignment"], course=cost["course"]))
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        first, *rest = self.lines()
        return f"<p><b>{html.escape(first)}</b></p>" + "".join(
            f"<p>{html.escape(line)}</p>" for line in rest)


@dataclass
class Lab:
    """One started lab: its devices, your broker credentials and your topic root."""

    id: str
    topic_root: str
    host: str
    port: int
    username: str
    password: str
    devices: list[dict[str, Any]] = field(default_factory=list)
    settings: Settings | None = field(default=None, repr=False)

    def mqtt_client(self, *, connect: bool = True, timeout: float = 15.0) -> mqtt.Client:
        """A paho client with your credentials; connected and looping unless told not to.

        It returns once the broker has accepted the connection, so the first publish
        cannot be lost to a connection that is still being made.
        """
        client = mqtt.Client(CallbackAPIVersion.VERSION2)
        client.username_pw_set(self.username, self.password)
        if connect:
            _connect_and_wait(client, self, timeout)
        return client

    def check(self) -> CheckTable:
        """Which of the lab's checks pass now, and which listed ones each course still needs."""
        result = _call(self.settings or get_settings(), "GET", f"/api/labs/{self.id}/check")
        return CheckTable(lab=self.id, checks=result.get("checks", []),
                          remaining=result.get("remaining", []))

    def hint(self, check: str) -> Hint:
        """The hint of one of the lab's checks. A course may make a hint cost points of
        the assignment that lists the check; asking again costs nothing more."""
        lang = language()
        answer = _call(self.settings or get_settings(), "POST",
                       f"/api/labs/{self.id}/checks/{check}/hint", lang=lang)
        return Hint(lab=self.id, check=check, title=answer.get("title") or {},
                    text=translator(lang).pick(answer.get("hint")),
                    already_taken=bool(answer.get("already_taken")),
                    costs=answer.get("costs", []), lang=lang)

    def stop(self) -> None:
        _call(self.settings or get_settings(), "POST", f"/api/labs/{self.id}/stop")


def _connect_and_wait(client: mqtt.Client, lab: Lab, timeout: float) -> None:
    answered = threading.Event()
    outcome: list[Any] = []

    def on_connect(client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                   properties: Any) -> None:
        outcome.append(reason)
        answered.set()

    client.on_connect = on_connect
    _ = _tr()
    broker = f"{lab.host}:{lab.port}"
    try:
        client.connect(lab.host, lab.port)
    except OSError as err:
        raise LabError(_("cannot reach the broker at {broker}: {error}", broker=broker,
                         error=err)) from err
    client.loop_start()
    if not answered.wait(timeout) or outcome[0].is_failure:
        # paho would keep retrying a refused login in the background: stop it here.
        client.loop_stop()
        client.disconnect()
        if outcome:
            raise LabError(_("the broker at {broker} refused {username}: {reason}",
                             broker=broker, username=repr(lab.username), reason=outcome[0]))
        raise LabError(_("the broker at {broker} did not answer within {seconds} s",
                         broker=broker, seconds=format_number(timeout, _.lang)))
    client.on_connect = None


LAB_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
CREDENTIALS = ("SENLAB_MQTT_USERNAME", "SENLAB_MQTT_PASSWORD", "SENLAB_TOPIC_ROOT")


def connect(lab: str, *, settings: Settings | None = None) -> Lab:
    """Your devices of `lab`, which is already running, reached through the broker alone."""
    settings = settings or get_settings()
    username, password, root = settings.mqtt_username, settings.mqtt_password, settings.topic_root
    if not (username and password and root):
        given = (username, password, root)
        missing = [name for name, value in zip(CREDENTIALS, given, strict=True) if not value]
        raise LabError(_tr().ngettext(
            "{names} is not set: connect() needs your broker credentials, which the hub "
            "gives every trainee's server",
            "{names} are not set: connect() needs your broker credentials, which the hub "
            "gives every trainee's server", len(missing), names=", ".join(missing)))
    topic_root = f"{root.rstrip('/')}/{lab}"
    return Lab(id=lab, topic_root=topic_root, host=settings.mqtt_host, port=settings.mqtt_port,
               username=username, password=password.get_secret_value(),
               devices=_lab_devices(settings, lab, topic_root), settings=settings)


def _lab_devices(settings: Settings, lab: str, topic_root: str) -> list[dict[str, Any]]:
    """The lab's devices as `start` describes them: id, model, topic, commands."""
    # Here, not at the top: lab files load every device model, and only connect() needs them.
    from lab_devices.labs.labfile import LabFileError, load_lab
    from lab_devices.models import MODELS

    _ = _tr()
    if not LAB_ID.match(lab):
        raise LabError(_("{lab} is not a lab id: lowercase letters, digits and '-'",
                         lab=repr(lab)))
    path = settings.repo_root / "labs" / lab / "lab.yaml"
    if not path.is_file():
        known = sorted(p.parent.name for p in (settings.repo_root / "labs").glob("*/lab.yaml"))
        raise LabError(_("no lab {lab}: {path} does not exist; labs: {labs}", lab=repr(lab),
                         path=path, labs=", ".join(known)))
    try:
        spec = load_lab(path)
    except LabFileError as err:
        raise LabError(str(err)) from err
    return [{"id": device.id, "model": device.model, "topic": f"{topic_root}/{device.id}",
             "commands": sorted(MODELS[device.model].command_specs)}
            for device in spec.devices]


def start(lab: str, *, settings: Settings | None = None) -> Lab:
    """Start your own devices for `lab` (calling it again is harmless)."""
    settings = settings or get_settings()
    answer = _call(settings, "POST", f"/api/labs/{lab}/start")
    return Lab(id=lab, topic_root=answer["topic_root"], host=answer["broker"]["host"],
               port=answer["broker"]["port"], username=answer["username"],
               password=answer["password"], devices=answer["devices"], settings=settings)

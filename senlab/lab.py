"""What a trainee's notebook imports to work on a live lab.

    import senlab.lab
    lab = senlab.lab.start("iot101-sensors")
    lab.devices                 # the lab's devices and their topics
    client = lab.mqtt_client()  # a paho client, connected with your own credentials
    lab.check()                 # which of the lab's checks pass now (a table in Jupyter)

It calls the progress service at `SENLAB_PROGRESS_URL` with the server's own hub token, as
the hub gives them to every server. The courses teach MQTT, so the client is plain paho.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from senlab.settings import Settings, get_settings


class LabError(RuntimeError):
    """The lab could not be started or checked; the message says why."""


def _call(settings: Settings, method: str, path: str) -> Any:
    if not settings.progress_url or settings.hub_service_token is None:
        raise LabError("this is not a SenLab server: SENLAB_PROGRESS_URL and "
                       "JUPYTERHUB_API_TOKEN must be set (the hub sets them)")
    url = settings.progress_url.rstrip("/") + path
    token = settings.hub_service_token.get_secret_value()
    try:
        response = httpx.request(method, url, headers={"Authorization": f"token {token}"},
                                 timeout=30)
    except httpx.HTTPError as err:
        raise LabError(f"{method} {url}: {err}") from err
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise LabError(f"{method} {path}: {response.status_code} {detail}")
    return response.json()


@dataclass
class CheckTable:
    """A lab's checks, as a table in Jupyter and as text elsewhere."""

    lab: str
    checks: list[dict[str, Any]]

    @property
    def passed(self) -> int:
        return sum(1 for check in self.checks if check.get("passed"))

    def __str__(self) -> str:
        lines = [f"{self.lab}: {self.passed}/{len(self.checks)} checks pass"]
        for check in self.checks:
            mark = "✔" if check.get("passed") else "✘"
            lines.append(f"  {mark} {check.get('id')}: {check.get('message') or ''}".rstrip(": "))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                "✅" if check.get("passed") else "❌", html.escape(str(check.get("id"))),
                html.escape(str(check.get("message") or "")))
            for check in self.checks)
        return (f"<p><b>{html.escape(self.lab)}</b>: {self.passed}/{len(self.checks)} "
                "đạt / pass</p><table><tr><th></th><th>check</th><th>message</th></tr>"
                f"{rows}</table>")


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

    def mqtt_client(self, *, connect: bool = True) -> mqtt.Client:
        """A paho client with your credentials; connected and looping unless told not to."""
        client = mqtt.Client(CallbackAPIVersion.VERSION2)
        client.username_pw_set(self.username, self.password)
        if connect:
            client.connect(self.host, self.port)
            client.loop_start()
        return client

    def check(self) -> CheckTable:
        """Which of the lab's checks pass now."""
        result = _call(self.settings or get_settings(), "GET", f"/api/labs/{self.id}/check")
        return CheckTable(lab=self.id, checks=result.get("checks", []))

    def stop(self) -> None:
        _call(self.settings or get_settings(), "POST", f"/api/labs/{self.id}/stop")


def start(lab: str, *, settings: Settings | None = None) -> Lab:
    """Start your own devices for `lab` (calling it again is harmless)."""
    settings = settings or get_settings()
    answer = _call(settings, "POST", f"/api/labs/{lab}/start")
    return Lab(id=lab, topic_root=answer["topic_root"], host=answer["broker"]["host"],
               port=answer["broker"]["port"], username=answer["username"],
               password=answer["password"], devices=answer["devices"], settings=settings)

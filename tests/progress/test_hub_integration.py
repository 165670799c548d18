"""The progress service behind a real JupyterHub: tokens, browser OAuth, roster users."""

from __future__ import annotations

import uuid

import httpx
import pytest

from senlab.hub.roster import HubClient
from senlab.roster_import import import_roster
from senlab.settings import Settings
from tests.progress.hub_harness import PASSWORD, running_hub

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with running_hub(tmp_path_factory.mktemp("hub")) as running:
        yield running


def call(hub, path, token, method="GET", **kwargs) -> httpx.Response:
    return httpx.request(method, f"{hub.url}/services/progress{path}",
                         headers={"Authorization": f"token {token}"}, timeout=30, **kwargs)


def lab_started() -> dict:
    return {"events": [{"id": str(uuid.uuid4()), "type": "lab.started",
                        "occurred_at": "2026-03-01T00:00:00Z",
                        "data": {"trainee": "an", "lab": "iot101-sensors",
                                 "course": "iot101"}}]}


def test_the_health_check_answers_through_the_proxy_without_a_token(hub):
    response = httpx.get(f"{hub.url}/services/progress/api/health")
    assert response.json() == {"status": "ok", "database": "sqlite"}


def test_the_fleet_service_token_may_post_events(hub):
    response = call(hub, "/api/events", hub.fleet_token, "POST", json=lab_started())
    assert response.status_code == 200, response.text
    assert response.json()["results"] == ["accepted"]


def test_a_trainee_token_reads_their_own_progress_only(hub):
    token = hub.user_token("an")
    call(hub, "/api/events", hub.fleet_token, "POST", json=lab_started())
    assert call(hub, "/api/trainees/an/progress", token).status_code == 200
    assert call(hub, "/api/goals", token).status_code == 403
    assert call(hub, "/api/events", token, "POST", json=lab_started()).status_code == 403


def test_an_admin_token_scoped_to_the_service_is_still_an_admin(hub):
    token = hub.user_token("root", scopes=["access:services!service=progress"])
    assert call(hub, "/api/xapi/statements", token).status_code == 200


def test_an_unknown_token_is_refused(hub):
    assert call(hub, "/api/goals", "not-a-token").status_code == 401


def test_a_dost_officer_logs_in_through_the_hub_and_sees_the_dashboard(hub):
    with httpx.Client(base_url=hub.url, follow_redirects=True, timeout=30) as browser:
        browser.get("/hub/login")
        xsrf = browser.cookies.get("_xsrf")
        browser.post("/hub/login", data={"username": "dost1", "password": PASSWORD,
                                         "_xsrf": xsrf})
        page = browser.get("/services/progress/dashboard?lang=en")
    assert page.status_code == 200, page.text[:500]
    assert "dost1" in page.text and "Completion funnels per course" in page.text


def test_the_roster_creates_hub_users_and_groups(hub, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "role,username,full_name,park_id,park_name,park_kind,enterprise_id,enterprise_name,"
        "courses\ntrainee,chi,Lê Chi,KCN-SD,KCN Sa Đéc,KCN,E1,Công ty A,iot101\n"
        "manager,mgr9,Quản lý,KCN-SD,KCN Sa Đéc,KCN,E1,Công ty A,\n", encoding="utf-8")
    client = HubClient(hub.api_url, hub.admin_token)
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'p.sqlite'}")
    first = import_roster(settings, roster, client)
    again = import_roster(settings, roster, client)
    client.close()
    assert (first.hub_users_created, again.hub_users_created) == (2, 0)
    headers = {"Authorization": f"token {hub.admin_token}"}
    groups = {name: httpx.get(f"{hub.api_url}/groups/{name}", headers=headers).json()["users"]
              for name in ("trainees", "managers")}
    assert "chi" in groups["trainees"] and groups["managers"] == ["mgr9"]

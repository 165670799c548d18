"""The demo cohort as hub groups and roles, and the hub's configuration built from settings."""

from __future__ import annotations

from traitlets.config import Config

from senlab.hub.cohort import demo_cohort
from senlab.hub.config import configure, service_environment
from senlab.hub.roles import hub_groups, hub_roles
from senlab.settings import Settings


def test_the_demo_cohort_has_the_people_the_plan_needs():
    cohort = demo_cohort()
    by_name = {user.username: user for user in cohort.users}
    assert set(by_name) == {"trainee1", "trainee2", "trainee3", "instructor1", "manager1", "dost1"}
    parks = {e.id: e.park for e in cohort.enterprises}
    assert by_name["trainee1"].enterprise == by_name["trainee2"].enterprise
    assert by_name["manager1"].enterprise == by_name["trainee1"].enterprise
    assert by_name["trainee3"].enterprise != by_name["trainee1"].enterprise
    assert parks[by_name["trainee3"].enterprise] != parks[by_name["trainee1"].enterprise]


def test_each_role_is_a_group_with_its_members():
    groups = hub_groups(demo_cohort())
    assert groups["trainees"]["users"] == ["trainee1", "trainee2", "trainee3"]
    assert groups["instructors"]["users"] == ["instructor1"]
    assert groups["managers"]["users"] == ["manager1"]
    assert groups["dost"]["users"] == ["dost1"]


def test_roles_grant_no_admin_to_people_and_admin_only_to_the_admin_service():
    roles = {role["name"]: role for role in hub_roles(services=["progress", "fleet"],
                                                      admin_service="senlab-admin")}
    assert roles["admin"] == {"name": "admin", "services": ["senlab-admin"]}
    for name in ("senlab-trainee", "senlab-manager", "senlab-dost"):
        assert set(roles[name]["scopes"]) == {"self", "access:services!service=progress"}
    assert "admin" not in {r["name"] for r in hub_roles(services=["progress"])}


def test_the_hub_config_wires_the_services_proxy_and_authenticator(tmp_path):
    c = Config()
    settings = Settings(home=tmp_path, demo=True, demo_password="demo-password-1",
                        admin_token="a" * 40)
    configure(c, settings)
    services = {service["name"]: service for service in c.JupyterHub.services}
    assert set(services) == {"broker", "progress", "fleet", "grader", "senlab-admin"}
    assert services["senlab-admin"]["api_token"] == "a" * 40
    assert services["progress"]["url"] == f"http://127.0.0.1:{settings.progress_port}"
    assert c.JupyterHub.authenticator_class == "senlab.hub.auth.SenLabAuthenticator"
    assert c.SenLabAuthenticator.seed_accounts["trainee3"] == "demo-password-1"
    assert c.JupyterHub.db_url.startswith("sqlite:///")
    assert c.ConfigurableHTTPProxy.command[-1].endswith("configurable-http-proxy")
    assert c.ConfigurableHTTPProxy.command[2].endswith("hub_config/proxy_guard.mjs")


def test_services_get_settings_but_no_secrets(tmp_path):
    env = service_environment(Settings(home=tmp_path, admin_token="s" * 40,
                                       demo_password="demo-password-1"))
    assert env["SENLAB_HOME"] == str(tmp_path)
    assert "SENLAB_ADMIN_TOKEN" not in env
    assert "SENLAB_DEMO_PASSWORD" not in env
    assert not any("s" * 40 in value for value in env.values())

"""The hub's configuration on Kubernetes (senlab.hub.k8s.config) matches the local one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from traitlets.config import Config

from senlab.hub import config as local_config
from senlab.hub.k8s import config as k8s
from senlab.hub.roles import ROLE_GROUPS, hub_roles
from senlab.hub.spawner import make_pre_spawn_hook
from senlab.settings import Settings

CULLER = {"name": "jupyterhub-idle-culler", "command": ["python3", "-m", "culler"]}
CULLER_ROLE = {"name": "jupyterhub-idle-culler", "services": ["jupyterhub-idle-culler"]}


@dataclass
class Group:
    name: str


@dataclass
class User:
    name: str
    id: int
    groups: list[Group] = field(default_factory=list)


@dataclass
class FakeSpawner:
    """What the hooks use of a KubeSpawner (and, for the local hook, of SenLabSpawner)."""

    user: User
    home_dir: str = ""
    environment: dict = field(default_factory=dict)
    volumes: list | dict = field(default_factory=list)
    volume_mounts: list | dict = field(default_factory=list)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", mqtt_host="senlab-broker")


def chart_config() -> Config:
    """A config as the chart leaves it before extraConfig: the idle culler registered."""
    c = Config()
    c.JupyterHub.services = [dict(CULLER)]
    c.JupyterHub.load_roles = [dict(CULLER_ROLE)]
    return c


def local_hub_config(settings: Settings) -> Config:
    c = Config()
    local_config.configure(c, settings)
    return c


@pytest.mark.parametrize("admin_token", [None, "a" * 40])
@pytest.mark.parametrize("local_fleet", [True, False])
def test_the_services_are_the_local_ones_plus_the_grader(tmp_path, admin_token,
                                                          local_fleet):
    settings = Settings(home=tmp_path, admin_token=admin_token, local_fleet=local_fleet)
    local = [s["name"] for s in local_config.managed_services(settings)]
    ours = [s["name"] for s in k8s.kubernetes_services(settings)]
    assert ours == local
    assert set(ours) >= {"broker", "progress", "grader"} | ({"fleet"} if local_fleet else set())
    assert ("senlab-admin" in ours) == bool(admin_token)


def test_no_service_is_started_by_the_hub_on_kubernetes(settings):
    for service in k8s.kubernetes_services(settings):
        assert not {"command", "environment"} & service.keys(), service["name"]


def test_the_progress_service_is_routed_to_its_kubernetes_service(settings):
    progress = {s["name"]: s for s in k8s.kubernetes_services(settings)}["progress"]
    assert progress["url"] == f"http://senlab-services:{settings.progress_port}"
    assert progress["oauth_no_confirm"] is True and progress["display"] is True


def test_each_service_token_is_the_secret_its_container_reads(settings):
    services = {s["name"]: s for s in k8s.kubernetes_services(settings)}
    for name, workload in k8s.WORKLOADS.items():
        if workload.token:
            assert services[name]["api_token"] == settings.secret(workload.token)
        else:
            assert "api_token" not in services[name]
    # The grader reads its token from the same file on every machine.
    assert services["grader"]["api_token"] == settings.secret("grader-api-token")


def test_a_local_service_without_a_kubernetes_workload_is_refused_by_name(
        settings, monkeypatch):
    def with_mystery(s):
        return [*local_config.managed_services(s), {"name": "mystery", "command": ["x"]}]

    monkeypatch.setattr(k8s, "managed_services", with_mystery)
    with pytest.raises(k8s.UnknownService, match="'mystery'.*WORKLOADS"):
        k8s.kubernetes_services(settings)


def test_roles_are_the_local_ones_and_the_charts_are_kept(settings):
    c = chart_config()
    k8s.configure(c, settings)
    roles = c.JupyterHub.load_roles
    assert roles[0] == CULLER_ROLE
    assert roles[1:] == local_hub_config(settings).JupyterHub.load_roles
    assert roles[1:] == hub_roles(services=[s["name"] for s in c.JupyterHub.services[1:]])
    assert [s["name"] for s in c.JupyterHub.services] == [
        CULLER["name"], *(s["name"] for s in local_hub_config(settings).JupyterHub.services)]


def test_every_role_group_exists_even_without_the_demo(settings):
    c = chart_config()
    k8s.configure(c, settings)
    assert c.JupyterHub.load_groups == {name: {"users": []} for name in ROLE_GROUPS.values()}
    role_groups = {g for role in c.JupyterHub.load_roles for g in role.get("groups", [])}
    assert role_groups <= set(c.JupyterHub.load_groups)


def test_with_the_demo_the_groups_are_the_local_ones(tmp_path):
    settings = Settings(home=tmp_path, demo=True, demo_password="demo-password-1")
    c = chart_config()
    k8s.configure(c, settings)
    local = local_hub_config(settings).JupyterHub.load_groups
    assert c.JupyterHub.load_groups == local


def test_authentication_and_pages_are_the_local_ones(settings):
    c = chart_config()
    k8s.configure(c, settings)
    local = local_hub_config(settings)
    assert c.JupyterHub.authenticator_class == local.JupyterHub.authenticator_class
    assert c.SenLabAuthenticator == local.SenLabAuthenticator
    assert c.Authenticator == local.Authenticator
    assert c.JupyterHub.template_paths == local.JupyterHub.template_paths
    assert Path(c.JupyterHub.logo_file).exists()
    assert c.KubeSpawner.server_token_scopes == local.Spawner.server_token_scopes


def test_production_settings_are_checked_as_locally(tmp_path):
    settings = Settings(home=tmp_path, environment="production", authenticator="dummy")
    with pytest.raises(ValueError, match="SENLAB_AUTHENTICATOR=dummy"):
        k8s.configure(chart_config(), settings)


def test_the_hook_injects_the_same_variables_as_the_local_hook(settings, tmp_path):
    local = FakeSpawner(User("trainee1", 7), home_dir=str(tmp_path / "local-home"))
    make_pre_spawn_hook(settings)(local)
    pod = FakeSpawner(User("trainee1", 7))
    k8s.make_kubernetes_pre_spawn_hook(settings)(pod)
    # All but TLS, which the Kubernetes broker has no listener for yet.
    tls = {"SENLAB_MQTT_TLS_PORT", "SENLAB_MQTT_TLS_CAFILE"}
    assert tls <= set(local.environment)
    assert set(pod.environment) == (set(local.environment) - tls) | {"USER", "LOGNAME", "HOME"}
    for name in set(local.environment) - tls:
        assert pod.environment[name] == local.environment[name], name
    assert pod.environment["SENLAB_MQTT_HOST"] == "senlab-broker"
    assert pod.environment["SENLAB_TOPIC_ROOT"] == "labs/trainee1"
    assert pod.environment["USER"] == "trainee1"
    assert pod.environment["HOME"] == "/home/jovyan"


def test_the_hook_writes_the_trainees_broker_account(settings):
    k8s.make_kubernetes_pre_spawn_hook(settings)(FakeSpawner(User("trainee2", 8)))
    passwd = (settings.home / "broker" / "passwd").read_text()
    assert passwd.startswith("trainee2:$7$")
    assert "user trainee2\ntopic readwrite labs/trainee2/#" in (
        settings.home / "broker" / "acl").read_text()


def mounts(spawner) -> dict[str, dict]:
    items = spawner.volume_mounts.values() if isinstance(spawner.volume_mounts, dict) \
        else spawner.volume_mounts
    return {mount["mountPath"]: mount for mount in items}


@pytest.mark.parametrize("as_dict", [False, True])
def test_a_trainee_pod_mounts_the_exchange_and_no_course(settings, as_dict):
    pod = FakeSpawner(User("trainee1", 7, [Group("trainees"), Group("nbgrader-demo")]),
                      volumes={} if as_dict else [], volume_mounts={} if as_dict else [])
    k8s.make_kubernetes_pre_spawn_hook(settings)(pod)
    found = mounts(pod)
    home = settings.home
    assert set(found) == {str(home / "exchange"), str(home / "jupyter")}
    assert found[str(home / "exchange")]["subPath"] == "exchange"
    assert found[str(home / "jupyter")]["readOnly"] is True
    volumes = pod.volumes.values() if as_dict else pod.volumes
    assert [v["persistentVolumeClaim"]["claimName"] for v in volumes] == ["senlab-home"]
    assert pod.environment["JUPYTER_CONFIG_PATH"].endswith("jupyter/common")


@pytest.mark.parametrize("as_dict", [False, True])
def test_a_second_start_of_the_same_server_mounts_each_folder_once(settings,
                                                                   as_dict):
    pod = FakeSpawner(User("instructor1", 3, [Group("formgrade-demo")]),
                      volumes={} if as_dict else [], volume_mounts={} if as_dict else [])
    hook = k8s.make_kubernetes_pre_spawn_hook(settings)
    hook(pod)
    first = len(pod.volume_mounts)
    hook(pod)
    assert len(pod.volume_mounts) == first == 3
    assert len(pod.volumes) == 1


def test_an_instructor_pod_mounts_the_taught_course_inside_the_home(settings):
    pod = FakeSpawner(User("instructor1", 3, [Group("instructors"), Group("formgrade-demo")]))
    k8s.make_kubernetes_pre_spawn_hook(settings)(pod)
    course = mounts(pod)["/home/jovyan/courses/demo"]
    assert course["subPath"] == "courses/demo" and course["readOnly"] is False
    config_dir = settings.home / "jupyter" / "users" / "instructor1"
    assert pod.environment["JUPYTER_CONFIG_PATH"].split(":")[0] == str(config_dir)
    assert "c.CourseDirectory.root = '/home/jovyan/courses/demo'" in (
        config_dir / "nbgrader_config.py").read_text()


def test_each_user_pod_runs_as_a_uid_of_its_own():
    uids = {k8s.user_uid(FakeSpawner(User(f"u{i}", i))) for i in range(1, 50)}
    assert len(uids) == 49 and min(uids) > 65535


def test_the_hub_prepares_what_pods_mount(settings):
    k8s.configure(chart_config(), settings)
    exchange = settings.home / "exchange"
    assert exchange.stat().st_mode & 0o7777 == 0o1777
    for name in ("courses", "jupyter/common", "jupyter/users", "broker"):
        assert (settings.home / name).is_dir(), name
    assert f"c.Exchange.root = {str(exchange)!r}" in (
        settings.home / "jupyter" / "common" / "nbgrader_config.py").read_text()


def test_the_extra_config_snippet_configures_the_hub(values, tmp_path, monkeypatch):
    monkeypatch.setenv("SENLAB_HOME", str(tmp_path))
    monkeypatch.setenv("SENLAB_MQTT_HOST", "senlab-broker")
    c = chart_config()
    exec(values["hub"]["extraConfig"]["senlab"], {"c": c})  # noqa: S102 - as the chart does
    assert c.KubeSpawner.pre_spawn_hook is not None
    assert {s["name"] for s in c.JupyterHub.services} >= {"progress", "fleet", "grader"}
    assert c.KubeSpawner.uid is k8s.user_uid

"""The values and manifests against the settings: names, ports, paths and variables agree."""

from __future__ import annotations

import pytest

from senlab.broker import BrokerAccounts, write_broker_config
from senlab.hub.k8s import config as k8s
from senlab.progress.app import app_from_environment
from senlab.settings import Settings

# Variables that are not settings: what the pre-spawn hook computes per user.
INJECTED = {"SENLAB_MQTT_USERNAME", "SENLAB_MQTT_PASSWORD", "SENLAB_TOPIC_ROOT"}


def setting_variables() -> set[str]:
    names = {f"SENLAB_{name.upper()}" for name in Settings.model_fields}
    for info in Settings.model_fields.values():
        alias = info.validation_alias
        names |= set(getattr(alias, "choices", []) or [])
    return names


def env_of(container) -> dict[str, str | None]:
    return {item["name"]: item.get("value") for item in container.get("env", [])}


def workload_containers(resources):
    for (kind, name), doc in resources.items():
        if kind in {"Deployment", "StatefulSet", "Job"}:
            for container in doc["spec"]["template"]["spec"]["containers"]:
                yield f"{kind}/{name}/{container['name']}", container


def senlab_environments(values, resources):
    """(where, {name: literal value or None for a secret}) of every SenLab process."""
    for section in ("hub", "singleuser"):
        env = values[section]["extraEnv"]
        yield section, {k: (v if isinstance(v, str) else None) for k, v in env.items()}
    for where, container in workload_containers(resources):
        if container["image"].split("/")[-1].startswith("senlab-"):
            yield where, env_of(container)


def test_every_senlab_variable_set_is_a_setting(values, resources):
    known = setting_variables()
    for where, env in senlab_environments(values, resources):
        for name in env:
            if name.startswith("SENLAB_"):
                assert name in known, f"{where}: {name} is not a Settings field"


def test_every_environment_makes_valid_settings(values, resources, monkeypatch, tmp_path):
    for where, env in senlab_environments(values, resources):
        for name in list(setting_variables()):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            if value is not None and name != "SENLAB_HOME":
                monkeypatch.setenv(name, value)
        monkeypatch.setenv("SENLAB_HOME", str(tmp_path))
        try:
            Settings()
        except ValueError as error:  # pydantic names the field: a bad port, a bad choice
            pytest.fail(f"{where}: {error}")


def test_the_hub_hands_out_the_brokers_service_name_and_port(values, resources):
    hub = values["hub"]["extraEnv"]
    service = resources[("Service", "senlab-broker")]
    assert hub["SENLAB_MQTT_HOST"] == service["metadata"]["name"] == k8s.BROKER_HOST
    assert int(hub["SENLAB_MQTT_PORT"]) == service["spec"]["ports"][0]["port"] == 1883
    conf = resources[("ConfigMap", "senlab-broker-config")]["data"]["mosquitto.conf"]
    assert f"listener {hub['SENLAB_MQTT_PORT']} 0.0.0.0" in conf.splitlines()
    fleet = env_of(container_named(resources, "Deployment/senlab-services", "fleet"))
    assert (fleet["SENLAB_MQTT_HOST"], fleet["SENLAB_MQTT_PORT"]) == (
        hub["SENLAB_MQTT_HOST"], hub["SENLAB_MQTT_PORT"])


def container_named(resources, workload: str, name: str) -> dict:
    kind, workload_name = workload.split("/")
    spec = resources[(kind, workload_name)]["spec"]["template"]["spec"]
    return next(c for c in spec["containers"] if c["name"] == name)


def test_the_progress_port_is_the_same_everywhere(values, resources, tmp_path):
    port = int(values["hub"]["extraEnv"]["SENLAB_PROGRESS_PORT"])
    assert port == Settings.model_fields["progress_port"].default
    service = resources[("Service", k8s.SERVICES_HOST)]
    assert service["spec"]["ports"][0]["port"] == port
    progress = container_named(resources, "Deployment/senlab-services", "progress")
    assert progress["ports"][0]["containerPort"] == port
    assert progress["command"][progress["command"].index("--port") + 1] == str(port)
    assert progress["command"][progress["command"].index("--factory") + 1] == \
        "senlab.progress.app:app_from_environment"
    for name in ("fleet", "grader"):  # they reach it on the pod's loopback
        env = env_of(container_named(resources, "Deployment/senlab-services", name))
        assert env["SENLAB_PROGRESS_PORT"] == str(port)


def test_the_progress_launcher_builds_the_app_from_the_settings(monkeypatch,
                                                                tmp_path):
    monkeypatch.setenv("SENLAB_HOME", str(tmp_path))
    from fastapi.testclient import TestClient

    with TestClient(app_from_environment()) as client:
        response = client.get("/services/progress/api/health")
    assert response.status_code == 200
    assert (tmp_path / "progress.sqlite").exists()  # the settings' database, migrated


def test_every_workload_the_hub_declares_runs_in_the_manifests(resources):
    for service, workload in k8s.WORKLOADS.items():
        kind = "Deployment"
        container = container_named(resources, f"{kind}/{workload.deployment}",
                                    workload.container)
        if workload.token and service != "grader":
            token = next(item for item in container["env"]
                         if item["name"] == "JUPYTERHUB_API_TOKEN")
            assert token["valueFrom"]["secretKeyRef"] == {"name": "senlab-secrets",
                                                          "key": workload.token}


@pytest.mark.parametrize("workload", ["Deployment/senlab-services", "Job/senlab-grading-batch"])
def test_senlab_home_and_its_secrets_are_mounted_where_the_settings_say(values, resources,
                                                                       workload):
    home = values["hub"]["extraEnv"]["SENLAB_HOME"]
    assert values["singleuser"]["extraEnv"]["SENLAB_HOME"] == home
    hub_mounts = {m["mountPath"]: m["name"] for m in values["hub"]["extraVolumeMounts"]}
    assert hub_mounts == {home: "senlab-home", f"{home}/secrets": "senlab-secrets"}
    kind, name = workload.split("/")
    for container in resources[(kind, name)]["spec"]["template"]["spec"]["containers"]:
        assert env_of(container)["SENLAB_HOME"] == home
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        assert hub_mounts.items() <= mounts.items(), container["name"]


def test_user_pods_are_told_the_progress_service_as_locally(values):
    url = values["singleuser"]["extraEnv"]["SENLAB_PROGRESS_URL"]
    assert url == "http://proxy-public/services/progress/"  # the chart's proxy Service


def test_the_home_mount_is_where_the_hook_puts_the_courses(values):
    assert values["singleuser"]["storage"]["homeMountPath"] == k8s.HOME_MOUNT
    assert values["singleuser"]["fsGid"] == k8s.USERS_GID


def directives(conf: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in conf.splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition(" ")
            found.setdefault(key, []).append(value)
    return found


def test_the_broker_config_is_the_local_one_but_for_paths(resources, tmp_path):
    settings = Settings(home=tmp_path)
    local = directives(write_broker_config(settings).read_text())
    ours = directives(resources[("ConfigMap", "senlab-broker-config")]["data"]["mosquitto.conf"])
    placed = {"password_file", "acl_file", "listener", "persistence_location", "pid_file",
              "log_dest", "user",
              # The TLS listener of one machine; on Kubernetes TLS is not set up yet.
              "certfile", "keyfile", "tls_version"}
    assert {k: v for k, v in ours.items() if k not in placed} == \
        {k: v for k, v in local.items() if k not in placed}
    assert ours["allow_anonymous"] == ["false"]
    # The files the hub writes under SENLAB_HOME are where the broker pod reads them.
    accounts = BrokerAccounts(settings)
    broker_pod = resources[("Deployment", "senlab-broker")]["spec"]["template"]["spec"]
    home_mount = next(m for m in broker_pod["containers"][0]["volumeMounts"]
                      if m["name"] == "senlab-home")
    assert home_mount["readOnly"] is True
    for key, path in (("password_file", accounts.passwd_path), ("acl_file", accounts.acl_path)):
        assert ours[key] == [f"{home_mount['mountPath']}/{path.relative_to(tmp_path)}"]


def test_the_broker_runs_as_the_uid_that_writes_its_files(values, resources):
    pod = resources[("Deployment", "senlab-broker")]["spec"]["template"]["spec"]
    writers = [container_named(resources, "Deployment/senlab-services", "fleet")]
    assert all(w["securityContext"]["runAsUser"] == 1000 for w in writers)
    assert pod["securityContext"]["runAsUser"] == 1000  # the hub image's user (jovyan)


def test_the_secrets_the_code_asks_for_are_in_the_secret(tmp_path, monkeypatch):
    asked: set[str] = set()
    real = Settings.secret

    def recording(self, name, **kwargs):
        asked.add(name)
        return real(self, name, **kwargs)

    monkeypatch.setattr(Settings, "secret", recording)
    from senlab.fleet import FleetClient, service_arguments
    from senlab.grading.events import service_token

    settings = Settings(home=tmp_path, mqtt_host="senlab-broker")
    k8s.configure(__import__("traitlets.config").config.Config(), settings)
    k8s.make_kubernetes_pre_spawn_hook(settings)(_spawner("trainee1"))
    service_arguments(settings)
    FleetClient(settings)
    service_token(settings)
    assert asked == k8s.SECRET_FILES  # each key is needed, and none is missing


def _spawner(name: str):
    from types import SimpleNamespace

    user = SimpleNamespace(name=name, id=1, groups=[])
    return SimpleNamespace(user=user, environment={}, volumes=[], volume_mounts=[])

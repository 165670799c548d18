"""SenLab on Kubernetes: what the Zero to JupyterHub hub adds to the chart's configuration.

`hub_config/k8s/values.yaml` (`hub.extraConfig`) calls `configure(c, get_settings())`; the
hub image installs senlab, so nothing else needs to be on its Python path. Everything that
does not depend on where processes run comes from `senlab.hub` unchanged: the
authenticator and its seeded accounts, the roles, the groups, the services' names and
tokens, each server's broker credentials (`BrokerAccounts`) and its nbgrader wiring
(`senlab.hub.courses`). What does depend on it is replaced here:

- the services run in pods of their own (`services.yaml`, `broker.yaml` in
  `hub_config/k8s/`), so the hub declares them by name, token and URL instead of starting
  them;
- each user's pod mounts the shared volume's nbgrader exchange (instructors also the
  courses), runs under a uid of its own, and is told its name for nbgrader.

The progress service's pod runs `senlab.progress.app:app_from_environment` with uvicorn,
which listens on the pod's address, where the proxy reaches it, not on loopback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from senlab.broker.client import trainee_environment
from senlab.hub.cohort import demo_cohort
from senlab.hub.config import ADMIN_SERVICE, configure_auth, managed_services
from senlab.hub.courses import (
    config_path_for,
    course_groups,
    instructor_config,
    taught_courses,
    write_common_configs,
)
from senlab.hub.roles import ROLE_GROUPS, hub_groups, hub_roles
from senlab.settings import Settings

# Kubernetes names the manifests in hub_config/k8s/ define; tests hold both sides to them.
SERVICES_HOST = "senlab-services"  # the Service in front of the progress/fleet/grader pod
BROKER_HOST = "senlab-broker"  # the Service in front of Mosquitto
HOME_CLAIM = "senlab-home"  # the ReadWriteMany claim that holds SENLAB_HOME
HOME_VOLUME = "senlab-home"  # its volume's name in user pods

# Each hub service, as it runs on Kubernetes: the container that runs it in its pod, and
# the hub token it is given (a key of the `senlab-secrets` Secret, mounted as
# SENLAB_HOME/secrets). `broker` runs Mosquitto and never calls the hub: no token.
@dataclass(frozen=True)
class Workload:
    """Where a hub service runs on Kubernetes, and the Secret key of its hub token."""

    deployment: str
    container: str
    token: str | None


WORKLOADS = {
    "broker": Workload("senlab-broker", "mosquitto", None),
    "progress": Workload("senlab-services", "progress", "progress-api-token"),
    "fleet": Workload("senlab-services", "fleet", "fleet-api-token"),
    "grader": Workload("senlab-services", "grader", "grader-api-token"),
}

# The files Settings.secret() reads on Kubernetes, beside the tokens above: the keys of
# the senlab-secrets Secret, mounted read-only as SENLAB_HOME/secrets (nothing is generated
# there, unlike on one machine). The chart keeps the cookie secret and the proxy's token.
SECRET_FILES = frozenset({"broker-key", "admin-password", "fleet-control-token",
                          *(w.token for w in WORKLOADS.values() if w.token)})

# Fields of a local service that describe a local process; on Kubernetes a pod runs it.
LOCAL_ONLY_FIELDS = ("command", "environment", "url", "cwd", "user")

# Users' pods run as UID_BASE + their hub user id, so that one trainee's files in the
# shared exchange are not another's (the local hub gives each a system account instead).
UID_BASE = 100_000
USERS_GID = 100  # the chart's default fsGid: home volumes are group-writable by it
HOME_MOUNT = "/home/jovyan"  # singleuser.storage.homeMountPath in values.yaml


class UnknownService(ValueError):
    """A local hub service with no Kubernetes workload in WORKLOADS and the manifests."""


def kubernetes_services(settings: Settings) -> list[dict]:
    """The local hub services, declared for Kubernetes: by token and URL, not by command."""
    services = []
    for local in managed_services(settings):
        name = local["name"]
        if name == ADMIN_SERVICE:
            services.append(dict(local))  # a token only: the same everywhere
            continue
        workload = WORKLOADS.get(name)
        if workload is None:
            raise UnknownService(
                f"hub service {name!r} (senlab.hub.config.managed_services) has no "
                "Kubernetes workload: add it to WORKLOADS in senlab/hub/k8s/config.py "
                "and to a manifest in hub_config/k8s/"
            )
        spec = {key: value for key, value in local.items() if key not in LOCAL_ONLY_FIELDS}
        if workload.token:
            spec["api_token"] = settings.secret(workload.token)
        if "url" in local:
            spec["url"] = f"http://{SERVICES_HOST}:{settings.progress_port}"
        services.append(spec)
    return services


def all_groups(settings: Settings) -> dict[str, dict]:
    """Every role's group exists from the start; with the demo, its members too."""
    groups: dict[str, dict] = {name: {"users": []} for name in ROLE_GROUPS.values()}
    if settings.demo:
        cohort = demo_cohort()
        groups.update({**hub_groups(cohort), **course_groups(cohort)})
    return groups


def merged_by_name(existing: list[dict], ours: list[dict]) -> list[dict]:
    """The chart's own entries (the idle culler) kept, ours added or put in their place."""
    names = {entry["name"] for entry in ours}
    return [entry for entry in existing if entry.get("name") not in names] + ours


def user_uid(spawner) -> int:
    """The uid a user's pod runs as: stable, and different for every hub user."""
    return UID_BASE + int(spawner.user.id)


def add_volume_mount(spawner, *, sub_path: str, mount_path: str, read_only: bool) -> None:
    """Mount a folder of the shared volume in the user's pod (list or dict traits)."""
    volume = {"name": HOME_VOLUME, "persistentVolumeClaim": {"claimName": HOME_CLAIM}}
    mount = {"name": HOME_VOLUME, "mountPath": mount_path, "subPath": sub_path,
             "readOnly": read_only}
    if isinstance(spawner.volumes, dict):
        spawner.volumes = {**spawner.volumes, HOME_VOLUME: volume}
    elif not any(item.get("name") == HOME_VOLUME for item in spawner.volumes):
        spawner.volumes = [*spawner.volumes, volume]
    key = f"{HOME_VOLUME}-{sub_path}"
    if isinstance(spawner.volume_mounts, dict):
        spawner.volume_mounts = {**spawner.volume_mounts, key: mount}
    else:  # the spawner is reused for the next start: replace, never add a second mount
        kept = [item for item in spawner.volume_mounts if item.get("mountPath") != mount_path]
        spawner.volume_mounts = [*kept, mount]


def broker_environment(settings: Settings, username: str) -> dict[str, str]:
    """The server's broker credentials and topic root, as the local pre-spawn hook gives
    them (`senlab.broker.client`); without TLS, which the Kubernetes broker does not have
    yet."""
    return trainee_environment(settings, username, tls=False)


def wire_courses(settings: Settings, spawner, home_mount: str) -> None:
    """Trainees get the exchange; an instructor also each taught course, inside their home.

    Formgrader serves only a course under the server's root, so a taught course is mounted
    at `<home>/courses/<course>`, where the local hub puts a link to it.
    """
    home = settings.home
    add_volume_mount(spawner, sub_path="exchange", mount_path=str(home / "exchange"),
                     read_only=False)
    add_volume_mount(spawner, sub_path="jupyter", mount_path=str(home / "jupyter"),
                     read_only=True)
    courses = taught_courses([group.name for group in spawner.user.groups])
    for course in courses:
        add_volume_mount(spawner, sub_path=f"courses/{course}",
                         mount_path=f"{home_mount}/courses/{course}", read_only=False)
    instructor_dir = None
    if courses:
        instructor_dir = instructor_config(settings, spawner.user.name, Path(home_mount),
                                           courses[0])
    spawner.environment["JUPYTER_CONFIG_PATH"] = config_path_for(
        settings, instructor_dir=instructor_dir
    )


def make_kubernetes_pre_spawn_hook(settings: Settings, *, home_mount: str = HOME_MOUNT):
    """The local pre-spawn hook's work, for a pod: credentials, courses, exchange."""

    def prepare_user_pod(spawner) -> None:
        name = spawner.user.name
        spawner.environment.update(broker_environment(settings, name))
        # The pod's uid has no passwd entry: nbgrader names the submitter from USER, and
        # without HOME the container runtime would give the server "/".
        spawner.environment.update({"USER": name, "LOGNAME": name, "HOME": home_mount})
        wire_courses(settings, spawner, home_mount)

    return prepare_user_pod


def prepare_shared_folders(settings: Settings) -> None:
    """Create what pods mount before any pod does (the kubelet would make them root's)."""
    for name in ("courses", "jupyter/users", "broker"):
        (settings.home / name).mkdir(parents=True, exist_ok=True)
    write_common_configs(settings)  # the exchange (mode 1777) and the servers' nbgrader config


def configure(c, settings: Settings) -> None:
    """Add SenLab to the chart's hub configuration `c` (runs in the hub pod)."""
    settings.check_production()
    prepare_shared_folders(settings)
    services = kubernetes_services(settings)
    c.JupyterHub.services = merged_by_name(list(c.JupyterHub.get("services", [])), services)
    roles = hub_roles(services=[service["name"] for service in services],
                      admin_service=ADMIN_SERVICE if settings.admin_token_value() else None)
    c.JupyterHub.load_roles = merged_by_name(list(c.JupyterHub.get("load_roles", [])), roles)
    c.JupyterHub.load_groups = all_groups(settings)
    c.JupyterHub.template_paths = [str(settings.repo_root / "hub_config" / "templates")]
    c.JupyterHub.logo_file = str(settings.repo_root / "hub_config" / "static" / "senlab-logo.svg")
    configure_auth(c, settings)
    c.KubeSpawner.uid = user_uid
    c.KubeSpawner.gid = USERS_GID
    c.KubeSpawner.fs_gid = USERS_GID
    c.KubeSpawner.pre_spawn_hook = make_kubernetes_pre_spawn_hook(settings)
    c.KubeSpawner.server_token_scopes = [
        "users:activity!user", "access:servers!user", "access:services!service=progress",
        "read:users!user",
    ]


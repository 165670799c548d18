"""Autograding on Kubernetes: one Job per batch of new submissions.

`python -m senlab.grading.k8s` is the `grader` container of the services pod. Every
`SENLAB_GRADING_POLL_SECONDS` it looks at the nbgrader exchange's inbound folders and at
the courses' gradebooks. When a submission has arrived, or a gradebook has changed (a
grade given by hand in formgrader), since the last batch started, and no batch is running,
it creates a Job from `hub_config/k8s/grading-job.yaml`: `python -m senlab.grading --once`
collects, grades in the bubblewrap sandbox, releases feedback and posts the grades. One
batch runs at a time, so no submission is graded twice; what arrives during a batch starts
the next one.

Only the Job's pod holds the privileges the sandbox needs; this container creates Jobs
through the Kubernetes API with a service account limited to that (`hub_config/k8s/rbac.yaml`).
"""

from __future__ import annotations

import copy
import json
import logging
import signal
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import yaml

from senlab.courses import exchange_root
from senlab.settings import Settings, get_settings

log = logging.getLogger("senlab.grading.k8s")

# Beside the other manifests, where `kubectl create -f` also takes it for a batch by hand.
TEMPLATE = Path("hub_config") / "k8s" / "grading-job.yaml"
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
API_URL = "https://kubernetes.default.svc"
BATCH_SELECTOR = "app.kubernetes.io/name=senlab-grading"


class JobsError(RuntimeError):
    """The Kubernetes API refused or could not answer; the message says what and why."""


class KubernetesJobs:
    """The two Jobs API calls the dispatcher makes, in one namespace."""

    def __init__(self, *, namespace: str, token: Callable[[], str], base_url: str = API_URL,
                 verify: ssl.SSLContext | bool = True,
                 transport: httpx.BaseTransport | None = None):
        self.namespace = namespace
        self.token = token  # read at each call: the kubelet rotates a projected token
        self.http = httpx.Client(base_url=base_url, verify=verify, transport=transport,
                                 timeout=20)

    @classmethod
    def in_cluster(cls, folder: Path = SERVICE_ACCOUNT_DIR) -> KubernetesJobs:
        """With the pod's service account (its token, namespace and the cluster's CA)."""
        missing = [name for name in ("token", "namespace", "ca.crt")
                   if not (folder / name).exists()]
        if missing:
            raise JobsError(f"no service account in {folder}: {', '.join(missing)} missing "
                            "(is the senlab-grader token mounted in this container?)")
        return cls(namespace=(folder / "namespace").read_text().strip(),
                   token=lambda: (folder / "token").read_text().strip(),
                   verify=ssl.create_default_context(cafile=folder / "ca.crt"))

    @property
    def _jobs_path(self) -> str:
        return f"/apis/batch/v1/namespaces/{self.namespace}/jobs"

    def _request(self, method: str, **kwargs) -> dict:
        try:
            response = self.http.request(method, self._jobs_path, **kwargs,
                                         headers={"Authorization": f"Bearer {self.token()}"})
        except httpx.HTTPError as error:
            raise JobsError(f"{method} {self._jobs_path}: {error}") from error
        if response.status_code >= 300:
            raise JobsError(f"{method} {self._jobs_path}: HTTP {response.status_code}: "
                            f"{response.text[:300]}")
        return response.json()

    def running_batches(self) -> list[str]:
        """The names of the batch Jobs that have not finished."""
        listing = self._request("GET", params={"labelSelector": BATCH_SELECTOR})
        return [job["metadata"]["name"] for job in listing.get("items", [])
                if not finished(job)]

    def create(self, manifest: dict) -> str:
        created = self._request("POST", json=manifest)
        return created["metadata"]["name"]


def finished(job: dict) -> bool:
    conditions = job.get("status", {}).get("conditions", []) or []
    return any(c.get("type") in {"Complete", "Failed"} and c.get("status") == "True"
               for c in conditions)


def job_template(settings: Settings) -> dict:
    """The batch Job's manifest, as `hub_config/k8s/grading-job.yaml` gives it."""
    return yaml.safe_load((settings.repo_root / TEMPLATE).read_text())


def batch_job(template: dict, started: datetime) -> dict:
    """The template as one batch's Job, named after the moment it starts."""
    job = copy.deepcopy(template)
    job["metadata"]["name"] = f"senlab-grading-{started:%Y%m%d-%H%M%S}"
    return job


def grading_inputs(settings: Settings) -> dict[str, float]:
    """What a batch works from: inbound submissions, and each gradebook's last change.

    nbgrader leaves an inbound folder listable by its owner alone (mode 2733: trainees may
    submit, not look); courses are published from this container, so that owner is us.
    """
    inputs: dict[str, float] = {}
    for entry in exchange_root(settings).glob("*/inbound/*"):
        inputs[f"inbound/{entry.parent.parent.name}/{entry.name}"] = 0.0
    for gradebook in (settings.home / "courses").glob("*/gradebook.db"):
        inputs[f"gradebook/{gradebook.parent.name}"] = gradebook.stat().st_mtime
    return inputs


class BatchDispatcher:
    """Starts a grading Job when there is something new and no batch is running."""

    def __init__(self, settings: Settings, jobs: KubernetesJobs, template: dict):
        self.settings = settings
        self.jobs = jobs
        self.template = template
        self.state_path = settings.home / "grading" / "k8s-batches.json"

    def _started_from(self) -> dict[str, float]:
        if not self.state_path.exists():
            return {}
        return json.loads(self.state_path.read_text())["inputs"]

    def _remember(self, name: str, inputs: dict[str, float]) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"job": name, "inputs": inputs}, sort_keys=True))
        temporary.replace(self.state_path)

    def run_once(self, now: datetime | None = None) -> str | None:
        """Start one batch if one is due; return its Job's name."""
        inputs = grading_inputs(self.settings)
        if inputs == self._started_from() or not inputs:
            return None
        running = self.jobs.running_batches()
        if running:
            log.info("new work waits for batch %s", ", ".join(running))
            return None
        name = self.jobs.create(batch_job(self.template, now or datetime.now(UTC)))
        self._remember(name, inputs)
        log.info("started grading batch %s", name)
        return name

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - one failed pass must not stop the service
                log.exception("could not start a grading batch")
            stop.wait(self.settings.grading_poll_seconds)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s "
                        "%(message)s")
    settings = get_settings()
    dispatcher = BatchDispatcher(settings, KubernetesJobs.in_cluster(), job_template(settings))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    dispatcher.run(stop)


if __name__ == "__main__":
    main()

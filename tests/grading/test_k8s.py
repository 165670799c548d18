"""Grading Jobs: the dispatcher starts one batch at a time, when there is new work.

The Kubernetes API is played by an httpx MockTransport that keeps Jobs in a dict; the
client, the dispatcher and the template are the real ones.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from senlab.grading import k8s
from senlab.settings import Settings

NOW = datetime(2026, 11, 20, 8, 30, 5, tzinfo=UTC)


class FakeJobsAPI:
    """Jobs in one namespace, as the API server lists and creates them."""

    def __init__(self):
        self.jobs: dict[str, dict] = {}
        self.requests: list[tuple[str, str, str]] = []
        self.fail_with: int | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("Authorization", "")
        self.requests.append((request.method, request.url.path, token))
        if self.fail_with:
            return httpx.Response(self.fail_with, text='{"reason": "Forbidden"}')
        assert request.url.path == "/apis/batch/v1/namespaces/senlab/jobs"
        if request.method == "GET":
            assert request.url.params["labelSelector"] == "app.kubernetes.io/name=senlab-grading"
            return httpx.Response(200, json={"items": list(self.jobs.values())})
        job = json.loads(request.content)
        self.jobs[job["metadata"]["name"]] = job
        return httpx.Response(201, json=job)

    def finish(self, name: str, outcome: str = "Complete") -> None:
        self.jobs[name]["status"] = {"conditions": [{"type": outcome, "status": "True"}]}


@pytest.fixture
def api():
    return FakeJobsAPI()


@pytest.fixture
def settings(tmp_path):
    return Settings(home=tmp_path)


@pytest.fixture
def dispatcher(api, settings):
    jobs = k8s.KubernetesJobs(namespace="senlab", token=lambda: "sa-token",
                                  base_url="https://kubernetes.test",
                                  transport=httpx.MockTransport(api))
    return k8s.BatchDispatcher(settings, jobs, k8s.job_template(settings))


def submit(settings, course: str, name: str) -> None:
    inbound = settings.home / "exchange" / course / "inbound" / name
    inbound.mkdir(parents=True)


def test_nothing_new_starts_nothing_and_asks_nothing(dispatcher, api):
    assert dispatcher.run_once(NOW) is None
    assert api.requests == []


def test_a_new_submission_starts_one_batch_job_from_the_template(dispatcher, api, settings):
    submit(settings, "demo", "trainee1+lab1+2026-11-20 08:30:00.000000 UTC+abc")
    assert dispatcher.run_once(NOW) == "senlab-grading-20261120-083005"
    job = api.jobs["senlab-grading-20261120-083005"]
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert "exec python -m senlab.grading --once" in " ".join(container["command"])
    assert job["metadata"]["labels"]["app.kubernetes.io/name"] == "senlab-grading"
    assert [r[2] for r in api.requests] == ["Bearer sa-token"] * 2
    assert dispatcher.run_once(NOW) is None  # the same work is not started twice
    assert len(api.jobs) == 1


def test_work_that_arrives_during_a_batch_waits_for_it(dispatcher, api, settings):
    submit(settings, "demo", "trainee1+lab1+t1+a")
    first = dispatcher.run_once(NOW)
    submit(settings, "demo", "trainee2+lab1+t2+b")
    assert dispatcher.run_once(NOW.replace(second=20)) is None  # the first still runs
    api.finish(first)
    second = dispatcher.run_once(NOW.replace(second=40))
    assert second == "senlab-grading-20261120-083040" and len(api.jobs) == 2


def test_a_grade_given_by_hand_starts_a_batch_that_posts_it(dispatcher, api, settings):
    gradebook = settings.home / "courses" / "demo" / "gradebook.db"
    gradebook.parent.mkdir(parents=True)
    gradebook.write_bytes(b"v1")
    name = dispatcher.run_once(NOW)
    api.finish(name)
    assert dispatcher.run_once(NOW.replace(second=10)) is None
    gradebook.write_bytes(b"v2")
    os.utime(gradebook, (1_900_000_000, 1_900_000_000))  # formgrader wrote it later
    assert dispatcher.run_once(NOW.replace(second=20)) is not None


def test_an_api_refusal_names_the_call_and_the_status(dispatcher, api, settings):
    submit(settings, "demo", "trainee1+lab1+t1+a")
    api.fail_with = 403
    with pytest.raises(k8s.JobsError,
                       match=r"GET /apis/batch/v1/namespaces/senlab/jobs: HTTP 403"):
        dispatcher.run_once(NOW)
    assert not dispatcher.state_path.exists()  # nothing recorded: the next pass retries


def test_the_rotated_token_is_read_at_each_call(tmp_path):
    folder = tmp_path / "sa"
    folder.mkdir()
    import certifi

    ca = Path(certifi.where()).read_text()  # any real CA bundle; the cluster's in a pod
    for name, text in (("token", "first"), ("namespace", "senlab"), ("ca.crt", ca)):
        (folder / name).write_text(text)
    jobs = k8s.KubernetesJobs.in_cluster(folder)
    assert jobs.namespace == "senlab" and jobs.token() == "first"
    (folder / "token").write_text("rotated")
    assert jobs.token() == "rotated"


def test_a_missing_service_account_is_named(tmp_path):
    (tmp_path / "namespace").write_text("senlab")
    with pytest.raises(k8s.JobsError, match="token, ca.crt missing"):
        k8s.KubernetesJobs.in_cluster(tmp_path)

"""The images' Dockerfiles, read without Docker: pinned bases, real sources, the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from senlab.hub.k8s import check

REPO = Path(__file__).resolve().parents[3]
DOCKER = REPO / "docker"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))


def instructions(path: Path, keyword: str) -> list[str]:
    return [args for _, word, args in check.dockerfile_instructions(path.read_text())
            if word == keyword]


def test_there_is_a_hub_and_a_singleuser_image():
    assert {p.name for p in DOCKERFILES} == {"hub.Dockerfile", "singleuser.Dockerfile"}


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_each_dockerfile_passes_the_check(path):
    assert check.dockerfile_errors(path) == []


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_no_image_carries_the_course_sources(path):
    # Course sources hold the hidden tests; trainees' pods must not see them.
    copied = " ".join(instructions(path, "COPY"))
    assert "courses" not in copied and ". ." not in copied
    assert check.is_ignored("courses", check.ignore_patterns(path))


def test_the_singleuser_image_has_the_sandbox_and_the_services():
    from senlab.grading import sandbox

    path = DOCKER / "singleuser.Dockerfile"
    run = " ".join(instructions(path, "RUN"))
    assert "bubblewrap" in run and sandbox.BWRAP == "bwrap"  # Debian's bwrap package
    assert "util-linux" in run  # setpriv and prlimit
    assert 'CMD ["jupyterhub-singleuser"]' in path.read_text()
    # The services pod's commands (services.yaml) import from the installed package alone.
    assert "PYTHONPATH" not in " ".join(instructions(path, "ENV"))
    assert "senlab.progress.app, senlab.grading.k8s" in run


def test_the_hub_image_keeps_the_charts_jupyterhub():
    path = DOCKER / "hub.Dockerfile"
    args = instructions(path, "ARG")
    assert "HUB_IMAGE=quay.io/jupyterhub/k8s-hub:4.4.0" in args
    run = " ".join(instructions(path, "RUN"))
    assert "--constraint /tmp/chart-pins.txt" in run and "jupyterhub|" in run
    assert "--no-deps --editable ." in run
    assert 'import senlab.hub.k8s.config, senlab.hub.auth, kubespawner' in run
    assert "PYTHONPATH" not in " ".join(instructions(path, "ENV"))


def test_the_images_are_the_ones_the_values_and_manifests_use(values, resources):
    assert values["hub"]["image"]["name"].endswith("/senlab-hub")
    assert values["singleuser"]["image"]["name"].endswith("/senlab-singleuser")
    tag = values["singleuser"]["image"]["tag"]
    for (kind, _), doc in resources.items():
        if kind in {"Deployment", "Job"}:
            for container in doc["spec"]["template"]["spec"]["containers"]:
                if "senlab" in container["image"]:
                    assert container["image"] == f"{values['singleuser']['image']['name']}:{tag}"


def write(tmp_path: Path, text: str, ignore: str = "") -> Path:
    path = tmp_path / "docker" / "bad.Dockerfile"
    path.parent.mkdir()
    path.write_text(text)
    if ignore:
        path.with_name("bad.Dockerfile.dockerignore").write_text(ignore)
    (tmp_path / "pyproject.toml").write_text("")
    return path


def test_a_missing_copy_source_is_named_with_its_line(tmp_path):
    path = write(tmp_path, "FROM python:3.11.14-slim\nCOPY pyproject.toml ./\n"
                           "COPY senlab_missing ./senlab\nRUN pip install .\n")
    assert check.dockerfile_errors(path, tmp_path) == [
        f"docker/bad.Dockerfile line 3: COPY source 'senlab_missing' does not exist in the "
        f"build context ({tmp_path})"]


def test_an_unpinned_base_and_a_missing_install_are_reported(tmp_path):
    path = write(tmp_path, "ARG BASE=python:latest\nFROM ${BASE}\nCOPY pyproject.toml ./\n")
    assert check.dockerfile_errors(path, tmp_path) == [
        "docker/bad.Dockerfile line 2: base image 'python:latest' is not pinned to a version",
        "docker/bad.Dockerfile: no RUN pip install of the repository's package (.)"]


def test_a_copy_of_an_ignored_folder_is_reported(tmp_path):
    (tmp_path / "courses").mkdir(parents=True)
    path = write(tmp_path, "FROM python:3.11.14-slim\nCOPY courses ./courses\n"
                           "RUN pip install \\\n    --editable .\n", ignore="courses\n")
    assert check.dockerfile_errors(path, tmp_path) == [
        "docker/bad.Dockerfile line 2: COPY source 'courses' is excluded by "
        "bad.Dockerfile.dockerignore"]

"""Fixtures for the Kubernetes files: the parsed values, manifests and `senlab_k8s`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

K8S = Path(__file__).resolve().parents[2] / "hub_config" / "k8s"


def _import(name: str):
    if str(K8S) not in sys.path:
        sys.path.insert(0, str(K8S))  # as the images' PYTHONPATH does
    return importlib.import_module(name)


@pytest.fixture(scope="session")
def check():
    return _import("check")


@pytest.fixture(scope="session")
def senlab_k8s():
    return _import("senlab_k8s")


@pytest.fixture(scope="session")
def schema(check):
    return check.load_documents(check.SCHEMA_PATH)[0]


@pytest.fixture(scope="session")
def values(check):
    return check.load_documents(check.VALUES_PATH)[0]


@pytest.fixture(scope="session")
def manifests(check) -> dict[str, list[dict]]:
    """Every manifest file's documents, by file name."""
    return {path.name: check.load_documents(path) for path in check.manifest_paths()}


@pytest.fixture(scope="session")
def resources(manifests) -> dict[tuple[str, str], dict]:
    """Every manifest document by (kind, name)."""
    return {(doc["kind"], doc["metadata"]["name"]): doc
            for docs in manifests.values() for doc in docs}

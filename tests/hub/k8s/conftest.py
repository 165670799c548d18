"""Fixtures for the Kubernetes files: the parsed values, schema and manifests."""

from __future__ import annotations

import pytest

from senlab.hub.k8s import check


@pytest.fixture(scope="session")
def schema():
    return check.load_documents(check.SCHEMA_PATH)[0]


@pytest.fixture(scope="session")
def values():
    return check.load_documents(check.VALUES_PATH)[0]


@pytest.fixture(scope="session")
def manifests() -> dict[str, list[dict]]:
    """Every manifest file's documents, by file name."""
    return {path.name: check.load_documents(path) for path in check.manifest_paths()}


@pytest.fixture(scope="session")
def resources(manifests) -> dict[tuple[str, str], dict]:
    """Every manifest document by (kind, name)."""
    return {(doc["kind"], doc["metadata"]["name"]): doc
            for docs in manifests.values() for doc in docs}

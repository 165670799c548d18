"""schemathesis over the service's OpenAPI spec, as an admin: no request may cause a 500.

Each operation gets up to ``EXAMPLES`` generated requests (bad bodies, odd paths and
query values included); the run's size is printed at the end of the module.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from senlab.progress.app import create_app
from senlab.progress.auth import browser_identity, current_identity
from senlab.settings import Settings
from tests.progress.conftest import ADMIN, ApiAs
from tests.progress.world import build_world

EXAMPLES = 60
CASES: list[str] = []


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    home = tmp_path_factory.mktemp("schemathesis")
    app = create_app(Settings(home=home, database_url=f"sqlite:///{home / 'p.sqlite'}"))
    build_world(app, ApiAs(app))
    app.dependency_overrides[current_identity] = lambda: ADMIN
    app.dependency_overrides[browser_identity] = lambda: ADMIN
    yield schemathesis.openapi.from_asgi("/services/progress/openapi.json", app)
    print(f"\nschemathesis: {len(CASES)} requests over {len(set(CASES))} operations")
    app.state.engine.dispose()


def operations(schema) -> dict:
    return {op.label: op for op in (result.ok() for result in schema.get_all_operations())}


# The spec is read from a throwaway app at collection, so each operation is its own test.
_spec_home = Path(tempfile.mkdtemp(prefix="senlab-spec-"))
LABELS = sorted(operations(schemathesis.openapi.from_asgi(
    "/services/progress/openapi.json",
    create_app(Settings(home=_spec_home, database_url=f"sqlite:///{_spec_home / 'p.sqlite'}")),
)))
shutil.rmtree(_spec_home, ignore_errors=True)


@pytest.mark.parametrize("label", LABELS)
def test_no_request_causes_a_server_error(api_schema, label):
    operation = operations(api_schema)[label]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        CASES.append(f"{case.method} {case.path}")
        if "/api/labs" in label:
            # Lab control relays to the device fleet, absent here: its answer must be a
            # 503 that names the fleet, never an unhandled error.
            response = case.call()
            assert response.status_code < 500 or (
                response.status_code == 503 and "fleet" in response.text), response.text
        else:
            case.call_and_validate(checks=[not_a_server_error])

    run()

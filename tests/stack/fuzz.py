"""schemathesis against a running SenLab stack: one CLI run per API and role, with figures.

Each run reads the API's published OpenAPI document, runs every phase (examples, coverage,
fuzzing, and the stateful phase along the schema's links) with every check, and writes a
JSON report that `run_schemathesis` reads back. Known-good path values (a real course,
enterprise, certificate code, report period, lab) are schemathesis dictionaries, drawn for
half the generated values, so operations that look things up reach their logic instead
of answering 404. A fuzz dictionary of edge values (integers beyond 64 bits, path escapes
that are not UTF-8: `tests.stack.fuzz_hooks`) is mixed into every operation, because a
generator that keeps to the schema rarely reaches them. A fixed seed makes a run
repeatable.

The budget is ``EXAMPLES`` test cases per operation and phase, times ``SENLAB_FUZZ_SCALE``
(``make fuzz`` sets 10).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEED = 478  # the plan's number: any fixed seed repeats the same run
EXAMPLES = 12
SERVER_ERROR = "ST101"
# The edge values mixed into every run (tests/stack/fuzz_hooks.py), loaded by schemathesis.
HOOKS = "tests.stack.fuzz_hooks"
REPO = Path(__file__).resolve().parents[2]
# Checks that do not apply to these APIs: no operation deletes anything, and ignored_auth
# needs security schemes, which the schema leaves to the hub's own documentation.
NOT_APPLICABLE = ("use_after_free", "ensure_resource_availability", "ignored_auth")
# A warning that means the run did not really test an operation fails it.
FAIL_ON = ("missing_test_data", "validation_mismatch", "unsupported_regex",
           "unresolvable_reference")


def budget() -> int:
    return EXAMPLES * int(os.environ.get("SENLAB_FUZZ_SCALE", "1"))


@dataclass
class FuzzRun:
    """What one schemathesis run generated and found."""

    label: str
    exit_code: int
    seconds: float
    report: dict[str, Any]
    output: str

    @property
    def requests(self) -> int:
        return self.report["test_cases"]["generated"]

    @property
    def server_errors(self) -> int:
        return sum(f["count"] for f in self.report["failures"] if f["code"] == SERVER_ERROR)

    @property
    def problems(self) -> list[str]:
        found = [f"{f['code']} {f['title']} ({f['count']}): {', '.join(f['operations'])}"
                 for f in self.report["failures"]]
        found += [f"error: {e['title']} ({e['count']})" for e in self.report["errors"]]
        return found

    def summary(self) -> str:
        return (f"{self.label}: {self.requests} requests, {self.server_errors} server errors, "
                f"{len(self.report['failures'])} failures, {self.seconds:.0f} s")

    def explain(self) -> str:
        """The problems and the end of schemathesis' own output, with each request to
        reproduce them."""
        return "\n".join([self.summary(), *self.problems, "", self.output[-12000:]])


def toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) \
            + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


def binding(dictionary: str, probability: float = 0.5) -> dict[str, Any]:
    """A path parameter drawn from `dictionary` for this share of its values, generated
    otherwise."""
    return {"dictionary": dictionary, "probability": probability}


@dataclass
class Target:
    """What one run needs to know of the API besides its schema: its token, the values that
    exist (dictionaries, by name), which path parameter draws from which, and the settings
    of single operations (``[[operations]]`` tables)."""

    headers: dict[str, str]
    dictionaries: dict[str, list[str]]
    parameters: dict[str, str]
    operations: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)
    fail_on: tuple[str, ...] = FAIL_ON
    arguments: list[str] = field(default_factory=list)  # more of `schemathesis run`'s options


def write_config(path: Path, target: Target) -> Path:
    """The run's schemathesis.toml."""
    settings: dict[str, Any] = {
        "seed": SEED, "request-timeout": 120, "headers": target.headers,
        "warnings": {"fail-on": list(target.fail_on)},
        # Here, not on the command line, whose --checks would override an operation's own.
        "checks": {"enabled": True, **{name: {"enabled": False} for name in NOT_APPLICABLE},
                   **target.checks},
    }
    lines = [f"{key} = {toml_value(value)}" for key, value in settings.items()]
    lines += ["[generation]", f"max-examples = {budget()}", 'database = "none"',
              # The schema's own links only: inferred ones would make the labs' POSTs the
              # scenarios' only starts, and the progress links would never be followed.
              "[phases.stateful.inference]", "algorithms = []", "[dictionaries]"]
    lines += [f"{json.dumps(name)} = {toml_value({'values': values})}"
              for name, values in target.dictionaries.items()]
    lines.append("[parameters]")
    lines += [f'"path.{parameter}" = {toml_value(binding(name))}'
              for parameter, name in target.parameters.items()]
    for operation in target.operations:
        lines.append("[[operations]]")
        lines += [f"{key} = {toml_value(value)}" for key, value in operation.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_schemathesis(label: str, schema_url: str, folder: Path, target: Target) -> FuzzRun:
    """Run the schemathesis CLI on `schema_url` and read its JSON report."""
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder / "schemathesis.toml", target)
    report = folder / "report.json"
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config),
               "--no-color", "run", schema_url, "--workers", "1",
               "--report", "json", "--report-json-path", str(report), *target.arguments]
    started = time.monotonic()
    env = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                          timeout=3600)
    seconds = time.monotonic() - started
    if not report.exists():
        raise AssertionError(f"schemathesis wrote no report ({done.returncode}):\n"
                             f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}")
    return FuzzRun(label, done.returncode, seconds, json.loads(report.read_text()),
                   done.stdout + done.stderr)

"""Answers as data: which names a test reads, and the checks re-run on rebuilt values."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from senlab.grading import verifier
from senlab.grading.answers import MIME, export_source, free_names, read_export


def test_a_test_cell_reads_the_names_it_does_not_bind_or_import() -> None:
    source = "import math\nassert math.isclose(mean_c, 25.0)\nfor t in temps:\n    assert t > 0"
    assert free_names(source) == ["mean_c", "temps"]


def test_builtins_are_never_taken_from_the_submission() -> None:
    assert free_names("assert abs(x - 1) < 1e-9 and all(y) and len(z) == 2") == ["x", "y", "z"]


def test_an_unparsable_cell_has_no_names() -> None:
    assert free_names("%timeit x") is None


def test_an_export_with_another_nonce_is_ignored() -> None:
    outputs = [{"output_type": "display_data", "data": {MIME: {"nonce": "forged", "values": {}}}}]
    assert read_export(outputs, "expected") is None


def _exported(namespace_source: str, names: list[str]) -> dict:
    """Run the export code in a plain interpreter (IPython's display stubbed) and read it."""
    code, nonce = export_source(names)
    stub = (
        "import sys, types, json\n"
        "display = types.ModuleType('IPython.display')\n"
        "display.publish_display_data = lambda data: print(json.dumps(data))\n"
        "sys.modules['IPython'] = types.ModuleType('IPython')\n"
        "sys.modules['IPython.display'] = display\n"
    )
    done = subprocess.run([sys.executable, "-c", stub + namespace_source + "\n" + code],
                          capture_output=True, text=True, check=True)
    outputs = [{"output_type": "display_data", "data": json.loads(done.stdout)}]
    return read_export(outputs, nonce)


def _check(source: str, values: dict) -> dict:
    return verifier.run_check({"id": "q", "source": source, "values": values})


def test_plain_data_round_trips_and_passes_the_same_test() -> None:
    values = _exported("import numpy as np\nx = {'a': (1, 2.5), 'b': {3}}\ny = np.arange(3.0)",
                       ["x", "y", "np"])
    test = "assert x == {'a': (1, 2.5), 'b': {3}}\nassert (y == np.array([0.0, 1.0, 2.0])).all()"
    assert _check(test, values)["verdict"] == "pass"


def test_an_object_that_always_equals_fails_as_not_plain_data() -> None:
    values = _exported("class Yes:\n    def __eq__(self, other):\n        return True\nx = Yes()",
                       ["x"])
    result = _check("assert x == 25.0", values)
    assert result["verdict"] == "fail"
    assert "answers must be plain data" in result["reason"]


def test_a_float_subclass_is_not_taken_for_a_float() -> None:
    values = _exported("class F(float):\n    def __eq__(self, o):\n        return True\nx = F(1)",
                       ["x"])
    assert _check("assert x == 25.0", values)["verdict"] == "fail"


def test_a_function_from_the_submission_leaves_the_kernels_verdict() -> None:
    values = _exported("def mean(xs):\n    return 0", ["mean"])
    assert _check("assert mean([1, 3]) == 2", values)["verdict"] == "student-code"


def test_a_missing_answer_fails_with_its_name() -> None:
    result = _check("assert answer == 1", _exported("pass", ["answer"]))
    expected = ("fail", "NameError: name 'answer' is not defined")
    assert (result["verdict"], result["reason"]) == expected


@pytest.mark.parametrize("raised", ["SystemExit(0)", "KeyboardInterrupt()"])
def test_a_test_that_exits_fails_rather_than_passes(raised: str) -> None:
    assert _check(f"raise {raised}", {})["verdict"] == "fail"

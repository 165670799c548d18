"""Re-run test cells on a submission's answers, rebuilt from data, with no student code.

Run as a script inside the grading sandbox (`python -I verifier.py [helper_dir]`):
it reads `{"checks": [{"id", "source", "values"}]}` on stdin and writes
`{"results": [{"id", "verdict", "reason"}]}` on stdout, where verdict is
`pass`, `fail`, or `student-code` (the test reads a function or class the student
wrote, which cannot be rebuilt from data; the kernel's result stands).

It imports nothing from SenLab, so the sandbox needs only the Python install.
`helper_dir` (the assignment's source folder, instructor files only) is put on
sys.path so that tests can import the assignment's helper modules.
"""

from __future__ import annotations

import builtins
import importlib
import io
import json
import sys
import traceback
from typing import Any


class StudentCode(Exception):
    """A value is a function or class from the submission."""


class NotData(Exception):
    """A value is neither plain data nor student code."""


def decode(item: dict) -> Any:  # noqa: C901 - one branch per tag, clearer flat
    tag = item.get("t")
    value: Any = item.get("v")
    if tag == "none":
        return None
    if tag in ("bool", "int", "str"):
        expected = {"bool": bool, "int": int, "str": str}[tag]
        if type(value) is not expected:
            raise NotData(f"a malformed {tag}")
        return value
    if tag == "float":
        return float(value)
    if tag in ("list", "tuple", "set", "frozenset"):
        kind = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag]
        return kind(decode(x) for x in value)
    if tag == "dict":
        return {decode(k): decode(v) for k, v in value}
    if tag == "module":
        return importlib.import_module(str(value))
    if tag in ("ndarray", "npscalar"):
        import numpy

        dtype = numpy.dtype(item["dtype"])
        if dtype.kind not in "biufUS":
            raise NotData(f"an array of dtype {dtype}")
        if tag == "npscalar":
            return dtype.type(decode(value))
        return numpy.array(decode(value), dtype=dtype).reshape(item["shape"])
    if tag == "code":
        raise StudentCode()
    if tag == "missing":
        raise KeyError
    raise NotData(f"a {item.get('type', tag)}")


def run_check(check: dict) -> dict:
    namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
    try:
        for name, item in check["values"].items():
            try:
                namespace[name] = decode(item)
            except KeyError:
                continue  # undefined in the submission: the test's NameError says so
            except NotData as error:
                return _result(check, "fail", f"`{name}` is {error}; answers must be plain data")
    except StudentCode:
        return _result(check, "student-code", "")
    try:
        code = compile(check["source"], f"<test {check['id']}>", "exec")
    except SyntaxError:
        return _result(check, "student-code", "the test is not plain Python")
    try:
        exec(code, namespace)
    except BaseException as error:  # noqa: BLE001 - any failure, SystemExit included, fails
        last = traceback.format_exception_only(type(error), error)[-1].strip()
        return _result(check, "fail", last)
    return _result(check, "pass", "")


def _result(check: dict, verdict: str, reason: str) -> dict:
    return {"id": check["id"], "verdict": verdict, "reason": reason}


def main() -> None:
    if len(sys.argv) > 1:
        sys.path.insert(0, sys.argv[1])
    request = json.load(sys.stdin)
    real_stdout = sys.stdout
    sys.stdout = io.StringIO()  # what the tests print must not mix with the answer
    results = [run_check(check) for check in request["checks"]]
    real_stdout.write(json.dumps({"results": results}))


if __name__ == "__main__":
    main()

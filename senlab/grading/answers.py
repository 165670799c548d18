"""Taking a submission's answers out of its kernel as plain data.

Student code and the tests share a kernel in nbgrader, so student code can defeat
the tests it runs beside: patch a helper, hide the traceback of a failed assert,
or hand in an object whose `__eq__` always says yes. So before each test cell
runs, the grader asks the kernel for the values the cell reads (`export_source`)
as tagged JSON. Plain data (numbers, strings, containers, numpy arrays) can be
rebuilt elsewhere without running any of the student's code; the tests are then
run again on the rebuilt values in a fresh sandboxed interpreter (`verifier.py`).

Whatever the kernel reports is at worst a value the student could have assigned
honestly: no code comes back, so a forged export earns nothing a right answer
would not.
"""

from __future__ import annotations

import ast
import builtins
import json
import secrets
from typing import Any

MIME = "application/x-senlab-answers+json"
MAX_EXPORT_BYTES = 5 * 1024 * 1024

_EXPORT_TEMPLATE = r'''
def _senlab_export_(names, ns=globals()):
    import sys, types
    from IPython.display import publish_display_data
    np = sys.modules.get("numpy")

    def enc(v, depth=0):
        if depth > 40:
            return {"t": "opaque", "type": "nesting deeper than 40"}
        t = type(v)
        if v is None:
            return {"t": "none"}
        if t in (bool, int, str):
            return {"t": t.__name__, "v": v}
        if t is float:
            return {"t": "float", "v": repr(v)}
        if t in (list, tuple, set, frozenset):
            return {"t": t.__name__, "v": [enc(x, depth + 1) for x in v]}
        if t is dict:
            pairs = [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()]
            return {"t": "dict", "v": pairs}
        if t is types.ModuleType:
            return {"t": "module", "v": v.__name__}
        if np is not None and t is np.ndarray and v.dtype.kind in "biufUS":
            return {"t": "ndarray", "dtype": v.dtype.str, "shape": list(v.shape),
                    "v": enc(v.tolist(), depth + 1)}
        if np is not None and t.__module__ == "numpy" and isinstance(v, np.generic) \
                and v.dtype.kind in "biuf":
            return {"t": "npscalar", "dtype": v.dtype.str, "v": enc(v.item(), depth + 1)}
        if t in (types.FunctionType, types.BuiltinFunctionType, type):
            return {"t": "code", "type": t.__name__}
        return {"t": "opaque", "type": t.__module__ + "." + t.__qualname__}

    out = {}
    for name in names:
        out[name] = enc(ns[name]) if name in ns else {"t": "missing"}
    publish_display_data({MIME: {"nonce": NONCE, "values": out}})

_senlab_export_(NAMES)
del _senlab_export_
'''


def export_source(names: list[str]) -> tuple[str, str]:
    """Code that publishes `names` from the kernel's namespace; and the nonce it carries."""
    nonce = secrets.token_hex(8)
    code = (
        _EXPORT_TEMPLATE.replace("MIME", repr(MIME))
        .replace("NONCE", repr(nonce))
        .replace("NAMES", repr(sorted(names)))
    )
    return code, nonce


def read_export(outputs: list[dict], nonce: str) -> dict[str, Any] | None:
    """The exported values in a cell's outputs, or None when absent, forged or too large."""
    for output in outputs:
        if output.get("output_type") != "display_data":
            continue
        payload = output.get("data", {}).get(MIME)
        if isinstance(payload, str):
            if len(payload) > MAX_EXPORT_BYTES:
                return None
            payload = json.loads(payload)
        if not isinstance(payload, dict) or payload.get("nonce") != nonce:
            continue
        values = payload.get("values")
        if isinstance(values, dict) and len(json.dumps(values)) <= MAX_EXPORT_BYTES:
            return values
    return None


def free_names(source: str) -> list[str] | None:
    """Names a test cell reads but neither binds nor gets from builtins; None if unparsable."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    loaded: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    # Builtins are never taken from the kernel: a student's `abs` or `len` is ignored.
    return sorted(loaded - bound - set(dir(builtins)))

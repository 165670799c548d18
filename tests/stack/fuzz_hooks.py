"""A fuzz dictionary for schemathesis: the edge values that break services, mixed in.

Generators built from a schema draw what the schema allows, mostly near its middle: an
integer without a bound is rarely beyond 64 bits, and a path segment is always valid UTF-8
once percent-encoded. Services break at exactly those edges (a database column's width, a
URL decoder). Like a fuzzer's dictionary (AFL's ``-x``), this hook puts such a value in
place of a generated one, in one case in `SHARE`, in every operation alike:

- an integer in the query becomes one of `EDGE_INTEGERS` (the limits of 32-bit, 53-bit
  and 64-bit integers, and beyond);
- a path segment becomes one of `EDGE_SEGMENTS`, sent as written: percent escapes that
  are not UTF-8 (a lone byte, an overlong form, a surrogate, a cut sequence, a code point
  beyond Unicode).

schemathesis loads this module by name (``SCHEMATHESIS_HOOKS``, set by
`tests.stack.fuzz.run_schemathesis`); the hook applies to the fuzzing and stateful phases,
whose cases come from Hypothesis strategies.
"""

from __future__ import annotations

import re
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.parameters import EncodedPath

SHARE = 8
EDGE_INTEGERS = (2**63, 2**64, -(2**63) - 1, 10**20, 2**53 + 1, 2**32, 2**31, -1)
EDGE_SEGMENTS = ("%FF", "%C0%AF", "%ED%A0%80", "%E2%82", "%F4%90%80%80", "a%FEb")
INTEGER = re.compile(r"-?\d+")


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and bool(INTEGER.fullmatch(value)))


def _as_integer_like(original: Any, edge: int) -> Any:
    return str(edge) if isinstance(original, str) else edge


def _edges(case: Any) -> list[tuple[str, str, Any]]:
    """Each (container, key, edge value) this case could take."""
    found = [("query", key, _as_integer_like(value, edge))
             for key, value in sorted((case.query or {}).items()) if _is_integer(value)
             for edge in EDGE_INTEGERS]
    found += [("path_parameters", key, EncodedPath(edge))
              for key, value in sorted((case.path_parameters or {}).items())
              if isinstance(value, str) for edge in EDGE_SEGMENTS]
    return found


def _with(case: Any, edge: tuple[str, str, Any]) -> Any:
    container, key, value = edge
    # Assigned to the case, not generated, so that schemathesis judges the case again
    # against the schema: an edge the schema excludes makes it a negative case, which must
    # be refused with a 4xx (an edge the schema allows must still be served).
    setattr(case, container, {**getattr(case, container), key: value})
    return case


@schemathesis.hook
def flatmap_case(context, case):
    """`case` as generated, or, one time in `SHARE`, with one query integer or path
    segment replaced by an edge value."""
    edges = _edges(case)
    if not edges:
        return st.just(case)
    return st.integers(0, SHARE - 1).flatmap(
        lambda draw: st.sampled_from(edges).map(lambda edge: _with(case, edge))
        if draw == 0 else st.just(case))

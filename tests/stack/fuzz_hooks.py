"""A fuzz dictionary for schemathesis: the edge values that break services, mixed in.

Generators built from a schema draw what the schema allows, mostly near its middle: an
integer without a bound is rarely beyond 64 bits, and a path segment is always valid UTF-8
once percent-encoded. Services break at exactly those edges (a database column's width, a
URL decoder). Like a fuzzer's dictionary (AFL's ``-x``), these hooks put such values in
place of a generated one, for one value in `SHARE`, in every operation alike:

- an integer in the query becomes one of `EDGE_INTEGERS` (the limits of 32-bit, 53-bit
  and 64-bit integers, and beyond);
- a path segment becomes one of `EDGE_SEGMENTS`, sent as written: percent escapes that
  are not UTF-8 (a lone byte, an overlong form, a surrogate, a cut sequence, a code point
  beyond Unicode).

schemathesis loads this module by name (``SCHEMATHESIS_HOOKS``, set by
`tests.stack.fuzz.run_schemathesis`); the hooks apply to the fuzzing and stateful phases,
whose values come from Hypothesis strategies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
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


def substitute(values: dict[str, Any] | None, eligible: Callable[[Any], bool],
               edges: Sequence[Any], shaped: Callable[[Any, Any], Any]) -> st.SearchStrategy:
    """`values` as generated, or, one time in `SHARE`, with one eligible value replaced by
    an edge value (shaped like the value it replaces)."""
    keys = sorted(k for k, v in (values or {}).items() if eligible(v))
    if not keys:
        return st.just(values)
    assert values is not None
    replaced = st.tuples(st.sampled_from(keys), st.sampled_from(edges)).map(
        lambda pick: {**values, pick[0]: shaped(values[pick[0]], pick[1])})
    return st.integers(0, SHARE - 1).flatmap(lambda i: replaced if i == 0 else st.just(values))


@schemathesis.hook
def flatmap_query(context, query):
    return substitute(query, _is_integer, EDGE_INTEGERS, _as_integer_like)


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    return substitute(path_parameters, lambda value: isinstance(value, str), EDGE_SEGMENTS,
                      lambda _original, edge: EncodedPath(edge))

"""Charts drawn on the server as inline SVG: nothing to fetch, so they work offline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape
from typing import Any, Protocol

from senlab.progress import schemas

WIDTH, HEIGHT, PAD = 320, 140, 28
ACTUAL, TARGET, PROJECTION = "#1f6feb", "#9aa5b1", "#d4a72c"
UNREACHED = "#e5534b"


class RegistryCoverage(Protocol):
    @property
    def parks(self) -> int: ...
    @property
    def parks_without_trainees(self) -> int: ...
    @property
    def enterprises(self) -> int: ...
    @property
    def enterprises_without_trainees(self) -> int: ...


def _x(day: date, first: date, last: date) -> float:
    span = max((last - first).days, 1)
    return PAD + (WIDTH - 2 * PAD) * (day - first).days / span


def _y(value: float, top: float) -> float:
    return HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / top


def trend_svg(indicator: schemas.IndicatorStatus, *, label: str) -> str:
    """The trend of actual values, the target as a dashed line, and the projection."""
    first, last = indicator.trend[0].date, indicator.deadline
    top = max([indicator.target, indicator.projection, *(p.value for p in indicator.trend), 1])
    top = 100.0 if indicator.unit == "%" else top * 1.1
    points = " ".join(f"{_x(p.date, first, last):.1f},{_y(p.value, top):.1f}"
                      for p in indicator.trend)
    end = indicator.trend[-1]
    target_y = _y(indicator.target, top)
    return (
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        f'stroke="#d0d7de"/>'
        f'<line x1="{PAD}" y1="{target_y:.1f}" x2="{WIDTH - PAD}" y2="{target_y:.1f}" '
        f'stroke="{TARGET}" stroke-dasharray="4 3"/>'
        f'<text x="{WIDTH - PAD}" y="{target_y - 4:.1f}" text-anchor="end" font-size="10" '
        f'fill="{TARGET}">{indicator.target:g}</text>'
        f'<line x1="{_x(end.date, first, last):.1f}" y1="{_y(end.value, top):.1f}" '
        f'x2="{_x(last, first, last):.1f}" y2="{_y(indicator.projection, top):.1f}" '
        f'stroke="{PROJECTION}" stroke-dasharray="2 2"/>'
        f'<polyline points="{points}" fill="none" stroke="{ACTUAL}" stroke-width="2"/>'
        f'<circle cx="{_x(last, first, last):.1f}" cy="{_y(indicator.projection, top):.1f}" '
        f'r="3" fill="{PROJECTION}"/>'
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="10">{first:%m/%Y}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="10" text-anchor="end">'
        f'{last:%m/%Y}</text></svg>')


def funnel_svg(funnel: schemas.Funnel, labels: Sequence[str]) -> str:
    """Horizontal bars: enrolled, started a lab, passed a check, completed."""
    values = [funnel.enrolled, funnel.started_lab, funnel.passed_check, funnel.completed]
    top = max(values[0], 1)
    rows = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        width = 180 * value / top
        y = 6 + index * 22
        rows.append(
            f'<text x="0" y="{y + 12}" font-size="11">{escape(label)}</text>'
            f'<rect x="130" y="{y}" width="{width:.1f}" height="16" fill="{ACTUAL}" '
            f'opacity="{1 - index * 0.18:.2f}"/>'
            f'<text x="{134 + width:.1f}" y="{y + 12}" font-size="11">{value}</text>')
    return (f'<svg class="funnel" viewBox="0 0 360 94" xmlns="http://www.w3.org/2000/svg">'
            f'{"".join(rows)}</svg>')


def coverage_svg(coverage: RegistryCoverage, text: Mapping[str, Any]) -> str:
    """Two bars, parks and enterprises of the registry: the part with trainees, and the
    part where nobody has enrolled, each with its count."""
    rows = []
    bars = [(text["coverage_rows"][0], coverage.parks, coverage.parks_without_trainees),
            (text["coverage_rows"][1], coverage.enterprises,
             coverage.enterprises_without_trainees)]
    for index, (label, total, missing) in enumerate(bars):
        y = 8 + index * 40
        reached = total - missing
        width = 300.0
        done = width * reached / total if total else 0.0
        rows.append(
            f'<text x="0" y="{y + 14}" font-size="12">{escape(label)} ({total})</text>'
            f'<rect x="120" y="{y}" width="{done:.1f}" height="20" fill="{ACTUAL}"/>'
            f'<rect x="{120 + done:.1f}" y="{y}" width="{width - done:.1f}" height="20" '
            f'fill="{UNREACHED}" opacity="0.75"/>'
            f'<text x="124" y="{y + 32}" font-size="11" fill="{ACTUAL}">{reached} '
            f'{escape(text["reached"])}</text>'
            f'<text x="420" y="{y + 32}" font-size="11" text-anchor="end" '
            f'fill="{UNREACHED}">{missing} {escape(text["not_reached"])}</text>')
    return (f'<svg class="coverage" viewBox="0 0 440 90" role="img" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>')

"""``/api/opendata/…``: the training indicators per park, for the province's shared data
platform, as JSON and CSV, with their JSON Schema (DOST and admins)."""

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from senlab.progress import access
from senlab.progress.auth import CurrentIdentity
from senlab.progress.deps import AsOfQuery, IndicatorsDep, SessionDep, TargetPeriod
from senlab.progress.errors import refusals
from senlab.progress.goals import OPENDATA_COLUMNS, opendata_rows

router = APIRouter(tags=["opendata"])
SCHEMA_FILE = Path(__file__).resolve().parents[1] / "data" / "opendata-indicators.schema.json"
SOURCE = ("Sở Khoa học và Công nghệ tỉnh Đồng Tháp, SenLab; chỉ tiêu đào tạo suy ra từ "
          "Kế hoạch 478/KH-UBND")


def _document(session, indicators, as_of, period) -> dict[str, Any]:
    day = as_of or datetime.now(UTC).date()
    rows = opendata_rows(session, indicators=indicators, as_of=day, period=period)
    chosen = rows[0]["target_period"] if rows else (period or "")
    return {"as_of": day.isoformat(), "target_period": chosen, "source": SOURCE, "rows": rows}


@router.get("/api/opendata/indicators.json", responses={
    200: {"content": {"application/json": {"schema": {
        "type": "object", "description": "As /api/opendata/schema.json describes."}}}},
    **refusals(401, 403)})
def opendata_json(identity: CurrentIdentity, session: SessionDep, indicators: IndicatorsDep,
                  period: TargetPeriod, as_of: AsOfQuery = None) -> JSONResponse:
    """The indicators for the province and each park at `as_of`, as JSON (DOST, admins)."""
    access.require_province_reader(identity, "read the open data (DOST and admins only)")
    return JSONResponse(_document(session, indicators, as_of, period))


@router.get("/api/opendata/indicators.csv", response_class=Response, responses={
    200: {"content": {"text/csv; charset=utf-8": {}}}, **refusals(401, 403)})
def opendata_csv(identity: CurrentIdentity, session: SessionDep, indicators: IndicatorsDep,
                 period: TargetPeriod, as_of: AsOfQuery = None) -> Response:
    """The same rows as CSV (UTF-8, a header, the schema's columns), for DOST and admins."""
    access.require_province_reader(identity, "read the open data (DOST and admins only)")
    document = _document(session, indicators, as_of, period)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OPENDATA_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()}
                     for row in document["rows"])
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename='
                             f'"senlab-chi-tieu-{document["as_of"]}.csv"'})


@router.get("/api/opendata/schema.json", responses={
    200: {"content": {"application/schema+json": {"schema": {"type": "object"}}}},
    **refusals(401, 403)})
def opendata_schema(identity: CurrentIdentity) -> JSONResponse:
    """The JSON Schema of the open data's rows (DOST and admins)."""
    access.require_province_reader(identity, "read the open data (DOST and admins only)")
    return JSONResponse(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")),
                        media_type="application/schema+json")

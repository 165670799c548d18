"""Certificate checks anyone can make (``/verify/{code}``) and the PDF for its holder."""

from html import escape

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from senlab.progress import access
from senlab.progress.auth import CurrentIdentity
from senlab.progress.certificates import certificate_pdf, find_certificate
from senlab.progress.crud.progress import get_trainee
from senlab.progress.deps import CertificateCode, SessionDep, SettingsDep
from senlab.progress.errors import refusals
from senlab.progress.schemas import CertificateVerification

router = APIRouter(tags=["certificates"])

PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>body{{font-family:sans-serif;max-width:40em;margin:3em auto;
padding:0 1em}} .ok{{color:#1a7f37}} .no{{color:#b42318}}</style></head><body>{body}
</body></html>"""


def verify_url(settings, code: str) -> str:
    return f"{settings.hub_url}{settings.hub_service_prefix}verify/{code}"


# A person reads this page: whatever the code, the answer is a page that says what was found.
@router.get("/verify/{code}", response_class=HTMLResponse, responses={
    404: {"description": "No certificate has that code (a page that says so).",
          "content": {"text/html": {}}}})
def verify_page(code: str, session: SessionDep) -> HTMLResponse:
    """Public check of a certificate: only the name, the course and the date."""
    view = find_certificate(session, code=code)
    if view is None:
        body = (f'<h1 class="no">Không tìm thấy chứng nhận / Certificate not found</h1>'
                f"<p>{escape(code)}</p>")
        return HTMLResponse(PAGE.format(title="SenLab", body=body), status_code=404)
    body = (f'<h1 class="ok">Chứng nhận hợp lệ / Valid certificate</h1><dl>'
            f"<dt>Họ tên / Name</dt><dd>{escape(view.name)}</dd>"
            f"<dt>Khóa học / Course</dt><dd>{escape(view.course)}</dd>"
            f"<dt>Ngày cấp / Issued on</dt><dd>{view.issued_on:%d/%m/%Y}</dd>"
            f"<dt>Mã / Code</dt><dd>{escape(view.code)}</dd></dl>")
    return HTMLResponse(PAGE.format(title=f"SenLab {escape(view.code)}", body=body))


@router.get("/api/verify/{code}", response_model=CertificateVerification,
            responses=refusals(404))
def verify_json(code: CertificateCode, session: SessionDep) -> CertificateVerification:
    """Public check of a certificate, as JSON (name, course, date)."""
    view = find_certificate(session, code=code)
    if view is None:
        raise HTTPException(404, f"no certificate with code {code!r}")
    return CertificateVerification(code=view.code, name=view.name, course=view.course,
                                   issued_on=view.issued_on)


@router.get("/api/certificates/{code}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}, **refusals(401, 403, 404)})
def certificate_document(code: CertificateCode, identity: CurrentIdentity, session: SessionDep,
                         settings: SettingsDep, request: Request) -> Response:
    """The certificate as a PDF with its QR code, for whoever may see its holder."""
    view = find_certificate(session, code=code)
    if view is None:
        raise HTTPException(404, f"no certificate with code {code!r}")
    trainee = get_trainee(session, username=view.trainee_username)
    assert trainee is not None
    access.require_trainee_visible(session, identity, trainee)
    pdf = certificate_pdf(view, verify_url(settings, view.code))
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="senlab-{view.code}.pdf"'})

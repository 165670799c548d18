"""Certificate checks anyone can make and the documents of a certificate's holder.

Anyone: the page ``/verify`` (a box for a code, and a box to check a signed PDF), the
page ``/verify/{code}``, ``/api/verify/{code}`` (JSON), ``POST /api/pdf/verify`` (a PDF in
the body: is its signature valid, intact and the operator's?), and the issuer's public
documents: ``/api/issuer`` (its Open Badges Profile), ``/api/issuer/jwks.json`` (the key
its credentials are signed with) and ``/api/issuer/ca.pem`` (the CA its PDFs chain to).

Whoever may see the holder: ``/api/certificates/{code}/pdf`` (the signed PDF) and
``/api/certificates/{code}/credential`` (the Open Badges 3.0 credential, VC-JWT).
"""

from datetime import datetime
from html import escape
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from senlab.progress import access
from senlab.progress.auth import CurrentIdentity
from senlab.progress.certificates import (
    CertificateView,
    certificate_pdf,
    course_facts,
    find_certificate,
    issuing_organisation,
)
from senlab.progress.credentials import MEDIA_TYPE, issue_credential, issuer_profile, jwks
from senlab.progress.crud.progress import get_trainee
from senlab.progress.deps import CertificateCode, SessionDep, SettingsDep
from senlab.progress.errors import invalid, refusals
from senlab.progress.schemas import CertificateVerification
from senlab.progress.signing import Signer, SignerError, signer_for, trust_roots_pem, verify_pdf
from senlab.settings import Settings

router = APIRouter(tags=["certificates"])

# The largest PDF the check reads: a certificate is about 60 kB, a report some hundreds.
MAX_PDF_BYTES = 20 * 1024 * 1024

PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>body{{font-family:sans-serif;max-width:40em;margin:3em auto;
padding:0 1em}} .ok{{color:#1a7f37}} .no{{color:#b42318}} form{{margin:1.5em 0}}
input[type=text]{{font-size:1.1em;padding:.3em;width:16em}} label{{display:block;
margin-bottom:.3em;font-weight:bold}}</style></head><body>{body}
{forms}</body></html>"""

FORMS = """<form method="get" action="{prefix}verify">
<label for="code">Mã xác minh / Verification code</label>
<input type="text" id="code" name="code" required maxlength="32" placeholder="SL-7K2Q-M9XD-4T"
autocomplete="off" autocapitalize="characters" value="{code}">
<button type="submit">Kiểm tra / Check</button></form>
<form id="pdf-form"><label for="pdf">Kiểm tra chữ ký số của tệp PDF / Check a signed PDF</label>
<input type="file" id="pdf" accept="application/pdf" required>
<button type="submit">Kiểm tra / Check</button></form><p id="pdf-result" aria-live="polite"></p>
<script>
document.getElementById("pdf-form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const file = document.getElementById("pdf").files[0];
  const out = document.getElementById("pdf-result");
  if (!file) return;
  const answer = await fetch("{prefix}api/pdf/verify", {{method: "POST",
    headers: {{"Content-Type": "application/pdf"}}, body: file}});
  const result = await answer.json();
  out.className = result.valid ? "ok" : "no";
  out.textContent = result.message_vi + " / " + result.message_en
    + (result.signer ? " (" + result.signer + (result.signed_at ? ", " + result.signed_at : "")
       + ")" : "");
}});
</script>"""

# What a PDF check says, by `PdfCheck.problem`, in Vietnamese and English.
PDF_MESSAGES = {
    None: ("Chữ ký số hợp lệ, tài liệu còn nguyên vẹn",
           "Valid signature, the document is intact"),
    "unreadable": ("Không đọc được tệp PDF", "The file is not a readable PDF"),
    "unsigned": ("Tài liệu không có chữ ký số", "The document has no digital signature"),
    "altered": ("Tài liệu đã bị thay đổi sau khi ký", "The document was changed after signing"),
    "changed-after-signing": ("Có nội dung được thêm vào sau khi ký",
                              "Content was added after signing"),
    "untrusted": ("Chữ ký không thuộc đơn vị cấp của SenLab",
                  "The signer is not the issuer this SenLab trusts"),
}


class PdfVerification(BaseModel):
    """A signed PDF's check: valid only if intact, whole and signed by the operator."""

    valid: bool
    intact: bool
    trusted: bool
    problem: str | None
    signer: str | None
    organisation: str | None
    signed_at: datetime | None
    message_vi: str
    message_en: str


def signer(settings: Settings) -> Signer:
    """The configured signer; a 503 naming the setting when it cannot be loaded."""
    try:
        return signer_for(settings)
    except SignerError as err:
        raise HTTPException(503, str(err)) from err


def verify_url(settings, code: str) -> str:
    return f"{settings.hub_url}{settings.hub_service_prefix}verify/{code}"


def page(settings: Settings, *, title: str, body: str, code: str = "",
         status_code: int = 200) -> HTMLResponse:
    forms = FORMS.format(prefix=escape(settings.hub_service_prefix), code=escape(code))
    return HTMLResponse(PAGE.format(title=title, body=body, forms=forms),
                        status_code=status_code)


# A code as printed (SL-7K2Q-M9XD-4T), in any case, with spaces around it forgiven.
CodeQuery = Annotated[str | None, Query(pattern=r"^\s*[A-Za-z0-9-]{1,64}\s*$",
                                        description="A certificate's code, e.g. SL-7K2Q-M9XD-4T.")]


@router.get("/verify", response_class=HTMLResponse, responses={
    303: {"description": "A code was given: its own page, /verify/{code}."},
    404: {"description": "No certificate has that code (the page it leads to says so).",
          "content": {"text/html": {}}},
    422: {"description": "The code is not a certificate's code."}})
def verify_start(settings: SettingsDep, code: CodeQuery = None) -> Response:
    """The verification page: a box for a certificate's code and one for a signed PDF."""
    if code and code.strip():
        target = f"{settings.hub_service_prefix}verify/{code.strip().upper()}"
        return RedirectResponse(target, status_code=303)
    body = ("<h1>Xác minh giấy chứng nhận / Verify a certificate</h1>"
            "<p>Nhập mã in trên giấy chứng nhận, hoặc chọn tệp PDF để kiểm tra chữ ký số. / "
            "Type the code printed on the certificate, or choose a PDF to check its "
            "digital signature.</p>")
    return page(settings, title="SenLab", body=body)


# A person reads this page: whatever the code, the answer is a page that says what was found.
@router.get("/verify/{code}", response_class=HTMLResponse, responses={
    404: {"description": "No certificate has that code (a page that says so).",
          "content": {"text/html": {}}}})
def verify_page(code: str, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """Public check of a certificate: only the name, the course and the date."""
    view = find_certificate(session, code=code)
    if view is None:
        body = (f'<h1 class="no">Không tìm thấy chứng nhận / Certificate not found</h1>'
                f"<p>{escape(code)}</p>")
        return page(settings, title="SenLab", body=body, code=code, status_code=404)
    body = (f'<h1 class="ok">Chứng nhận hợp lệ / Valid certificate</h1><dl>'
            f"<dt>Họ tên / Name</dt><dd>{escape(view.name)}</dd>"
            f"<dt>Khóa học / Course</dt><dd>{escape(view.course)}</dd>"
            f"<dt>Ngày cấp / Issued on</dt><dd>{view.issued_on:%d/%m/%Y}</dd>"
            f"<dt>Mã / Code</dt><dd>{escape(view.code)}</dd></dl>")
    return page(settings, title=f"SenLab {escape(view.code)}", body=body, code=view.code)


@router.get("/api/verify/{code}", response_model=CertificateVerification,
            responses=refusals(404))
def verify_json(code: CertificateCode, session: SessionDep) -> CertificateVerification:
    """Public check of a certificate, as JSON (name, course, date)."""
    view = find_certificate(session, code=code)
    if view is None:
        raise HTTPException(404, f"no certificate with code {code!r}")
    return CertificateVerification(code=view.code, name=view.name, course=view.course,
                                   issued_on=view.issued_on)


# Not under /api/verify/: GET /api/verify/{code} would take "pdf" for a code (and answer
# OPTIONS with its own methods).
@router.post("/api/pdf/verify", response_model=PdfVerification, responses={
    **refusals(400, 503), 200: {"description": "What the check found, valid or not."},
    422: {"description": "No file was sent."}},
    # The PDF's bytes as they are; the page posts them as application/pdf, which any
    # body's type is taken for.
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary",
                                                "minLength": 1}}}}})
async def verify_pdf_route(request: Request, settings: SettingsDep) -> PdfVerification:
    """Public check of a signed PDF (the request's body): is the signature valid, is the
    document intact, and is the signer the one this SenLab's trust roots vouch for?"""
    data = await request.body()
    if not data:
        raise invalid("body", "file", "send the PDF's bytes as the request's body", "")
    if len(data) > MAX_PDF_BYTES:
        raise HTTPException(400, f"a PDF of at most {MAX_PDF_BYTES} bytes is checked")
    # pyHanko's checks run their own event loop: in a worker thread, not in this one.
    roots = (await run_in_threadpool(signer, settings)).trust_roots
    check = await run_in_threadpool(verify_pdf, data, roots)
    vi, en = PDF_MESSAGES.get(check.problem, PDF_MESSAGES["altered"])
    return PdfVerification(valid=check.valid, intact=check.intact, trusted=check.trusted,
                           problem=check.problem, signer=check.signer,
                           organisation=check.organisation, signed_at=check.signed_at,
                           message_vi=vi, message_en=en)


@router.get("/api/issuer", responses=refusals(503))
def issuer(settings: SettingsDep) -> dict:
    """The issuer of SenLab's credentials, as an Open Badges 3.0 Profile."""
    organisation = issuing_organisation(settings, signer(settings))
    return issuer_profile(settings, organisation)


@router.get("/api/issuer/jwks.json")
def issuer_keys(settings: SettingsDep) -> dict:
    """The public key that SenLab's credentials are signed with (a JWK Set, RFC 7517)."""
    return jwks(settings)


@router.get("/api/issuer/ca.pem", response_class=Response,
            responses={200: {"content": {"application/x-pem-file": {}}}, **refusals(503)})
def issuer_ca(settings: SettingsDep) -> Response:
    """The CA certificate(s) SenLab's signed PDFs chain to, for `senlab verify --trust`."""
    return Response(trust_roots_pem(signer(settings)), media_type="application/x-pem-file",
                    headers={"Content-Disposition": 'attachment; filename="senlab-ca.pem"'})


def _holders_certificate(code: str, identity, session) -> CertificateView:
    view = find_certificate(session, code=code)
    if view is None:
        raise HTTPException(404, f"no certificate with code {code!r}")
    trainee = get_trainee(session, username=view.trainee_username)
    assert trainee is not None
    access.require_trainee_visible(session, identity, trainee)
    return view


@router.get("/api/certificates/{code}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}},
                       **refusals(401, 403, 404, 503)})
def certificate_document(code: CertificateCode, identity: CurrentIdentity, session: SessionDep,
                         settings: SettingsDep) -> Response:
    """The certificate as a signed PDF with its QR code, for whoever may see its holder."""
    view = _holders_certificate(code, identity, session)
    loaded = signer(settings)
    pdf = certificate_pdf(view, verify_url(settings, view.code),
                          facts=course_facts(settings, view),
                          organisation=issuing_organisation(settings, loaded), signer=loaded)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="senlab-{view.code}.pdf"'})


@router.get("/api/certificates/{code}/credential", response_class=Response,
            responses={200: {"content": {MEDIA_TYPE: {}}}, **refusals(401, 403, 404, 503)})
def certificate_credential(code: CertificateCode, identity: CurrentIdentity,
                           session: SessionDep, settings: SettingsDep) -> Response:
    """The certificate as an Open Badges 3.0 credential (VC-JWT, signed with the issuer's
    Ed25519 key of `/api/issuer/jwks.json`), for whoever may see its holder."""
    view = _holders_certificate(code, identity, session)
    organisation = issuing_organisation(settings, signer(settings))
    token = issue_credential(settings, view, course_facts(settings, view),
                             organisation=organisation)
    return Response(token, media_type=MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="senlab-{view.code}.jwt"'})

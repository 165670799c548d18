"""`senlab verify FILE`: is a signed PDF or an Open Badges credential genuine and intact?

A PDF (a certificate, a report) is checked with pyHanko against the CA that signs SenLab's
documents: `--trust CA.pem` (what `/api/issuer/ca.pem` publishes), else the signer this
machine is configured with (the operator's, or the demo CA). A credential (the `.jwt` a
trainee downloads) is checked against the issuer's key set: `--keys jwks.json` (what
`/api/issuer/jwks.json` publishes), else this machine's issuer key. Both checks run
offline. The exit status is 0 only for a valid document, 1 for one that is not, 2 when
the file, the trust roots or the keys cannot be read.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from senlab.commands import tr
from senlab.i18n import N_, Translator
from senlab.settings import Settings

# Soft wrap: a file's path and the reason are never cut by a line break (the terminal
# folds long lines itself, and a path stays whole for copying).
console = Console(soft_wrap=True)

# Why a PDF is not valid, by senlab.progress.signing.PdfCheck.problem.
PDF_PROBLEMS = {
    "unreadable": N_("the file is not a readable PDF"),
    "unsigned": N_("the document has no digital signature"),
    "altered": N_("the document was changed after it was signed: its bytes no longer match "
                  "the signature"),
    "changed-after-signing": N_("content was added to the document after it was signed"),
    "untrusted": N_("the signature is intact, but its signer's certificate does not chain "
                    "to the trusted CA"),
}
# Why a credential is not valid, by senlab.progress.credentials.CredentialCheck.problem.
CREDENTIAL_PROBLEMS = {
    "malformed": N_("the file is not a compact JWS credential"),
    "unknown-key": N_("the credential names a key that is not in the issuer's key set"),
    "bad-signature": N_("the credential was changed, or not signed by the issuer: its "
                        "signature does not match"),
    "claims-mismatch": N_("the credential's JWT claims do not match its content"),
    "not-yet-valid": N_("the credential is not valid yet"),
    "expired": N_("the credential has expired"),
    "not-open-badge": N_("the credential is not an Open Badges credential"),
}


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    """Check one file: a signed PDF, or an Open Badges 3.0 credential (VC-JWT)."""
    _ = tr(args)
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as err:
        console.print("[bold red]senlab verify:[/] "
                      + escape(_("cannot read {file}: {error}", file=path,
                                 error=err.strerror or err)))
        return 2
    # pyHanko reports a failed check on its logger too; the verdict below says it.
    logging.getLogger("pyhanko").addHandler(logging.NullHandler())
    logging.getLogger("pyhanko").propagate = False
    if data.lstrip()[:5] == b"%PDF-":
        return _verify_pdf(args, settings, path, data, _)
    return _verify_credential(args, settings, path, data, _)


def _verify_pdf(args: argparse.Namespace, settings: Settings, path: Path, data: bytes,
                _: Translator) -> int:
    from senlab.progress.signing import SignerError, load_trust, signer_for, verify_pdf

    try:
        roots = load_trust(Path(args.trust)) if args.trust else signer_for(settings).trust_roots
    except SignerError as err:
        console.print("[bold red]senlab verify:[/] " + escape(str(err)))
        return 2
    check = verify_pdf(data, roots)
    if check.signer:
        console.print(_("Signer: {signer}", signer=escape(check.signer))
                      + (f" ({escape(check.organisation)})" if check.organisation else ""))
    if check.signed_at:
        console.print(_("Signed at: {time} (the time the signer states)",
                        time=check.signed_at.isoformat(timespec="seconds")))
    if check.problem != "unreadable" and check.problem != "unsigned":
        console.print(_("Intact: {answer}", answer=_("yes") if check.intact else _("no")))
    if check.valid:
        console.print("[bold green]" + escape(_("VALID: {file} is intact and signed by a "
                                                "trusted signer", file=path)) + "[/]")
        return 0
    reason = _(PDF_PROBLEMS.get(check.problem or "altered", PDF_PROBLEMS["altered"]))
    console.print("[bold red]" + escape(_("INVALID: {file}: {reason}", file=path,
                                          reason=reason)) + "[/]")
    return 1


def _verify_credential(args: argparse.Namespace, settings: Settings, path: Path, data: bytes,
                       _: Translator) -> int:
    from senlab.progress.credentials import CredentialError, jwks, load_keys, verify_credential

    try:
        keys = load_keys(Path(args.keys)) if args.keys else jwks(settings)["keys"]
    except CredentialError as err:
        console.print("[bold red]senlab verify:[/] " + escape(str(err)))
        return 2
    text = data.decode("utf-8", errors="replace").strip()
    if text.startswith('"'):  # a credential saved as a JSON string
        try:
            text = str(json.loads(text))
        except ValueError:
            pass
    check = verify_credential(text, keys)
    if check.issuer:
        console.print(_("Issuer: {issuer}", issuer=escape(check.issuer)))
    if check.holder:
        console.print(_("Holder: {holder}", holder=escape(check.holder)))
    if check.achievement:
        console.print(_("Achievement: {achievement}", achievement=escape(check.achievement)))
    if check.credential.get("validFrom"):
        console.print(_("Valid from: {time}", time=check.credential["validFrom"]))
    if check.valid:
        console.print("[bold green]" + escape(_("VALID: {file} is an Open Badges credential "
                                                "signed with the issuer's key", file=path))
                      + "[/]")
        return 0
    problem = check.problem or "bad-signature"
    reason = _(CREDENTIAL_PROBLEMS.get(problem, CREDENTIAL_PROBLEMS["bad-signature"]))
    console.print("[bold red]" + escape(_("INVALID: {file}: {reason}", file=path,
                                          reason=reason)) + "[/]")
    return 1


def register(commands: argparse._SubParsersAction, _: Translator) -> None:
    verify = commands.add_parser(
        "verify", help=_("check a signed PDF or an Open Badges credential, offline"))
    verify.add_argument("file", help=_("a PDF (certificate, report) or a credential (.jwt)"))
    verify.add_argument("--trust", metavar="CA.pem",
                        help=_("the CA certificate(s) a PDF's signer must chain to (default: "
                               "this machine's signer)"))
    verify.add_argument("--keys", metavar="JWKS.json",
                        help=_("the issuer's published key set for a credential (default: "
                               "this machine's issuer key)"))
    verify.set_defaults(func=cmd_verify)

"""Certificates as Open Badges 3.0 credentials, signed with the issuer's Ed25519 key.

Besides its PDF, each certificate is issued as an ``OpenBadgeCredential`` (Open Badges
3.0, on the W3C Verifiable Credentials Data Model 2.0), secured with the JSON Web Token
proof format of Open Badges 3.0 §8.2 (VC-JWT): the credential is the JWT payload, with
``iss``, ``jti``, ``nbf`` and ``sub`` copied from ``issuer.id``, ``id``, ``validFrom`` and
``credentialSubject.id`` (§8.2.4.1), signed as a compact JWS (RFC 7515 §7.1).

The signature is EdDSA over Ed25519 (RFC 8037 §3.1, JOSE ``alg`` ``"EdDSA"``); RFC 9864
(2025) names the same algorithm ``"Ed25519"``, and a check accepts either. Open Badges 3.0
§8.2.3 leaves ``alg`` to the 1EdTech Security Framework; its earlier text named RS256 as the
minimum verifiers support, so a verifier that knows only RS256 cannot check these.

The JOSE header has ``alg``, ``kid`` and ``typ`` only (§8.2.3 allows no other). ``kid`` is
the URL of the issuer's published key set (``/api/issuer/jwks.json``) with the key's RFC
7638 thumbprint as fragment: a verifier fetches the set once and checks any number of
credentials offline (``senlab verify FILE.jwt --keys jwks.json``). The public key is never
taken from the credential itself, so a forger's own key cannot vouch for a forgery.

The key lives in ``SENLAB_HOME/secrets/issuer-ed25519.pem`` (PKCS#8, mode 0600), made on
first use. The file a trainee downloads holds the compact JWS, ``application/vc+jwt``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from senlab.progress.certificates import CertificateView, CourseFacts, hours_text
from senlab.settings import Settings

# Open Badges 3.0 §4 and its examples (context 3.0.3 on VCDM 2.0).
CONTEXT = ["https://www.w3.org/ns/credentials/v2",
           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
KEY_FILE = "issuer-ed25519.pem"
MEDIA_TYPE = "application/vc+jwt"
ALGORITHMS = ("EdDSA", "Ed25519")  # RFC 8037 §3.1; RFC 9864's fully-specified name


class CredentialError(ValueError):
    """A key set or credential file that cannot be read; the message names it."""


# --- keys --------------------------------------------------------------------------------

def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issuer_key(settings: Settings) -> Ed25519PrivateKey:
    """The issuer's signing key: SENLAB_HOME/secrets/issuer-ed25519.pem, made once."""
    path = settings.home / "secrets" / KEY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CredentialError(f"{path} is not an Ed25519 private key")
    return key


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The public key as an OKP JWK (RFC 8037 §2): kty, crv and x; never d."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 §3 thumbprint: SHA-256 of the required members (crv, kty, x for OKP,
    RFC 8037 §2) in lexicographic order with no whitespace, base64url-encoded."""
    required = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]},
                          separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(required.encode("utf-8")).digest())


def base_url(settings: Settings) -> str:
    return f"{settings.hub_url}{settings.hub_service_prefix}"


def jwks_url(settings: Settings) -> str:
    return f"{base_url(settings)}api/issuer/jwks.json"


def issuer_id(settings: Settings) -> str:
    return f"{base_url(settings)}api/issuer"


def jwks(settings: Settings) -> dict[str, list[dict[str, str]]]:
    """The issuer's published key set (RFC 7517 §5), each key with its kid, alg and use."""
    jwk = public_jwk(issuer_key(settings).public_key())
    return {"keys": [{**jwk, "kid": f"{jwks_url(settings)}#{thumbprint(jwk)}",
                      "alg": "EdDSA", "use": "sig"}]}


def issuer_profile(settings: Settings, organisation: str) -> dict[str, Any]:
    """The issuer as an Open Badges Profile: id, type, name, and where it is."""
    return {"id": issuer_id(settings), "type": ["Profile"], "name": organisation,
            "url": settings.hub_url}


# --- the credential ----------------------------------------------------------------------

def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _xsd_datetime(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_credential(settings: Settings, view: CertificateView, facts: CourseFacts, *,
                     organisation: str) -> dict[str, Any]:
    """The OpenBadgeCredential of one certificate (Open Badges 3.0 §B.1.1, VCDM 2.0)."""
    base = base_url(settings)
    issued = _utc(view.issued_at or datetime(view.issued_on.year, view.issued_on.month,
                                             view.issued_on.day))
    hours = hours_text(facts.hours)
    narrative = (f"Hoàn thành khóa học «{facts.title_vi}» ({hours}) theo quy định hoàn thành "
                 f"của khóa học trên SenLab. / Completed the course “{facts.title_en}” "
                 f"({hours}) by the course's completion rule on SenLab.")
    if facts.competencies:
        narrative += " " + "; ".join(facts.competencies)
    return {
        "@context": list(CONTEXT),
        # A stable URN per certificate: the same certificate always has the same id.
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base}verify/{view.code}')}",
        "type": list(TYPE),
        "issuer": issuer_profile(settings, organisation),
        "validFrom": _xsd_datetime(issued),
        "name": f"Giấy chứng nhận / Certificate: {facts.title_vi}",
        "credentialSubject": {
            "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{base}trainees/{view.trainee_username}')}",  # noqa: E501
            "type": ["AchievementSubject"],
            # identityType "name" is taken from the IdentifierTypeEnum of Open Badges 3.0
            # §B.3 as remembered; the stored copy of the spec consulted did not show it.
            "identifier": [{"type": "IdentityObject", "identityHash": view.name,
                            "identityType": "name", "hashed": False}],
            "achievement": {
                "id": f"{base}courses/{view.course_id or view.course}",
                "type": ["Achievement"],
                "name": facts.title_vi,
                "description": f"{facts.title_vi} / {facts.title_en}: {hours}",
                "criteria": {"narrative": narrative},
                "inLanguage": "vi",
                "humanCode": view.course_id or view.course,
            },
        },
    }


def sign_jws(header: dict[str, Any], payload: bytes, key: Ed25519PrivateKey) -> str:
    """A compact JWS (RFC 7515 §7.1) of `payload` with `header`, signed with Ed25519."""
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode("utf-8"))
                     + "." + b64url(payload))
    return signing_input + "." + b64url(key.sign(signing_input.encode("ascii")))


def issue_credential(settings: Settings, view: CertificateView, facts: CourseFacts, *,
                     organisation: str) -> str:
    """The certificate's OpenBadgeCredential as a VC-JWT (Open Badges 3.0 §8.2)."""
    credential = build_credential(settings, view, facts, organisation=organisation)
    claims = {**credential,
              "iss": credential["issuer"]["id"], "jti": credential["id"],
              "nbf": int(datetime.fromisoformat(credential["validFrom"]).timestamp()),
              "sub": credential["credentialSubject"]["id"]}
    key = issuer_key(settings)
    kid = f"{jwks_url(settings)}#{thumbprint(public_jwk(key.public_key()))}"
    payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return sign_jws({"alg": "EdDSA", "kid": kid, "typ": "JWT"}, payload, key)


# --- checking ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CredentialCheck:
    """What a check of a credential found. `problem` is None when valid, else one of
    ``malformed``, ``unknown-key``, ``bad-signature``, ``claims-mismatch``,
    ``not-yet-valid``, ``expired``, ``not-open-badge``."""

    valid: bool
    problem: str | None = None
    credential: dict[str, Any] = field(default_factory=dict)

    @property
    def issuer(self) -> str | None:
        issuer = self.credential.get("issuer")
        return issuer.get("name") if isinstance(issuer, dict) else issuer

    @property
    def achievement(self) -> str | None:
        subject = self.credential.get("credentialSubject")
        if isinstance(subject, dict) and isinstance(subject.get("achievement"), dict):
            return subject["achievement"].get("name")
        return None

    @property
    def holder(self) -> str | None:
        subject = self.credential.get("credentialSubject") or {}
        for entry in subject.get("identifier", []) if isinstance(subject, dict) else []:
            if isinstance(entry, dict) and not entry.get("hashed"):
                return entry.get("identityHash")
        return None


def load_keys(path: Path) -> list[dict[str, Any]]:
    """A JWKS (or one JWK) file's keys; CredentialError naming the file if it has none."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CredentialError(f"--keys: cannot read a JSON key set from {path}") from err
    keys = data.get("keys", [data]) if isinstance(data, dict) else []
    keys = [k for k in keys if isinstance(k, dict) and k.get("kty") == "OKP"
            and k.get("crv") == "Ed25519" and "x" in k]
    if not keys:
        raise CredentialError(f"--keys: {path} holds no Ed25519 public key")
    return keys


def _key_for(kid: str | None, keys: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not isinstance(kid, str):
        return None
    fragment = kid.rpartition("#")[2]
    for jwk in keys:
        if jwk.get("kid") == kid or thumbprint(jwk) == fragment:
            return jwk
    return None


def verify_credential(token: str, keys: list[dict[str, Any]], *,
                      now: datetime | None = None) -> CredentialCheck:
    """Check a VC-JWT OpenBadgeCredential against the issuer's published `keys`, offline:
    the steps of Open Badges 3.0 §8.2.6 and §8.2.6.1, and the dates of §9.1 step 4."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        return CredentialCheck(valid=False, problem="malformed")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return CredentialCheck(valid=False, problem="malformed")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return CredentialCheck(valid=False, problem="malformed")
    if header.get("alg") not in ALGORITHMS:
        return CredentialCheck(valid=False, problem="bad-signature", credential=payload)
    jwk = _key_for(header.get("kid"), keys)
    if jwk is None:
        return CredentialCheck(valid=False, problem="unknown-key", credential=payload)
    try:
        public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        public.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except (InvalidSignature, ValueError, binascii.Error):
        return CredentialCheck(valid=False, problem="bad-signature", credential=payload)
    problem = _claims_problem(payload, now or datetime.now(UTC))
    return CredentialCheck(valid=problem is None, problem=problem, credential=payload)


def _claims_problem(vc: dict[str, Any], now: datetime) -> str | None:
    types = vc.get("type") or []
    if "OpenBadgeCredential" not in types and "AchievementCredential" not in types:
        return "not-open-badge"
    issuer = vc.get("issuer")
    issuer_ref = issuer.get("id") if isinstance(issuer, dict) else issuer
    subject = vc.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    try:
        valid_from = datetime.fromisoformat(str(vc.get("validFrom")))
        nbf = datetime.fromtimestamp(int(vc["nbf"]), UTC)
    except (KeyError, TypeError, ValueError):
        return "claims-mismatch"
    if (vc.get("iss") != issuer_ref or vc.get("sub") != subject_id
            or vc.get("jti") != vc.get("id") or nbf != _utc(valid_from)):
        return "claims-mismatch"
    if now < nbf:
        return "not-yet-valid"
    if "exp" in vc:
        try:
            if now > datetime.fromtimestamp(int(vc["exp"]), UTC):
                return "expired"
        except (TypeError, ValueError):
            return "claims-mismatch"
    return None

"""Open Badges 3.0 credentials: issued signed, verified offline with the published key,
and refused when anything in them changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from senlab.progress import credentials
from senlab.progress.credentials import (
    CredentialError,
    b64url,
    b64url_decode,
    load_keys,
    sign_jws,
    thumbprint,
    verify_credential,
)
from senlab.progress.identity import Identity
from senlab.settings import Settings
from tests.progress.world import build_world

AN = Identity("an", groups=frozenset({"trainees"}))
BINH = Identity("binh", groups=frozenset({"trainees"}))

# RFC 8037 Appendix A.1 (the key), A.3 (its RFC 7638 thumbprint), A.4 (a signed JWS).
RFC8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC8037_JWS = ("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
               "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")


@pytest.fixture
def code(app, api) -> str:
    return build_world(app, api)


@pytest.fixture
def token(api, code) -> str:
    response = api(AN, "GET", f"/api/certificates/{code}/credential")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vc+jwt")
    return response.text


@pytest.fixture
def published(api) -> list[dict]:
    return api(None, "GET", "/api/issuer/jwks.json").json()["keys"]


def claims(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


def resign(payload: dict, key: Ed25519PrivateKey, header: dict) -> str:
    return sign_jws(header, json.dumps(payload, ensure_ascii=False).encode(), key)


def test_the_thumbprint_and_signature_are_rfc_8037s():
    assert thumbprint({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X}) == RFC8037_THUMBPRINT
    key = Ed25519PrivateKey.from_private_bytes(b64url_decode(RFC8037_D))
    assert credentials.public_jwk(key.public_key())["x"] == RFC8037_X
    # Ed25519 is deterministic (RFC 8032 §5.1.6), so the JWS is the RFC's byte for byte.
    assert sign_jws({"alg": "EdDSA"}, b"Example of Ed25519 signing", key) == RFC8037_JWS


def test_the_credential_is_an_open_badge_of_the_course(token):
    vc = claims(token)
    assert vc["@context"] == ["https://www.w3.org/ns/credentials/v2",
                              "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["issuer"]["type"] == ["Profile"] and vc["issuer"]["name"] == "SenLab (DEMO)"
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0]["identityHash"] == "Nguyễn Văn An"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    # courses/iot101/course.yaml: both titles and 16 hours.
    assert achievement["name"] == "IoT cơ bản: cảm biến, MQTT và dữ liệu đo"
    assert "IoT basics: sensors, MQTT and telemetry" in achievement["description"]
    assert "16 giờ / 16 hours" in achievement["criteria"]["narrative"]


def test_the_jwt_claims_copy_the_credential(token):
    vc = claims(token)
    assert vc["iss"] == vc["issuer"]["id"] and vc["jti"] == vc["id"]
    assert vc["sub"] == vc["credentialSubject"]["id"]
    # The grade that completed the course was recorded 2026-02-10T00:00:00Z: 56 years of
    # 365 days from 1970 plus 14 leap days (1972 … 2024) is 20454 days, then 31 + 9 days
    # into 2026 gives 20494 days; 20494 × 86400 s = 1770681600.
    assert vc["validFrom"] == "2026-02-10T00:00:00Z" and vc["nbf"] == 1770681600
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert set(header) == {"alg", "kid", "typ"} and header["alg"] == "EdDSA"
    assert header["kid"].startswith("http://127.0.0.1:8000/services/progress/api/issuer/")


def test_it_verifies_offline_with_the_published_key(token, published):
    assert "d" not in published[0]  # never the private part
    check = verify_credential(token, published)
    assert check.valid and check.problem is None
    assert check.holder == "Nguyễn Văn An" and check.issuer == "SenLab (DEMO)"


def test_a_changed_credential_fails(token, published):
    head, body, signature = token.split(".")
    vc = claims(token)
    vc["credentialSubject"]["identifier"][0]["identityHash"] = "Trần Thị Bình"
    forged = ".".join((head, b64url(json.dumps(vc).encode()), signature))
    assert verify_credential(forged, published).problem == "bad-signature"
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    assert verify_credential(flipped, published).problem == "bad-signature"


def test_a_credential_signed_with_another_key_fails(token, published):
    stranger = Ed25519PrivateKey.generate()
    header = json.loads(b64url_decode(token.split(".")[0]))
    # The forger keeps the issuer's kid: the signature does not match the issuer's key.
    assert verify_credential(resign(claims(token), stranger, header),
                             published).problem == "bad-signature"
    # The forger names their own key: it is not in the issuer's key set.
    own = {**header, "kid": "https://forger.example/jwks#"
           + thumbprint(credentials.public_jwk(stranger.public_key()))}
    assert verify_credential(resign(claims(token), stranger, own),
                             published).problem == "unknown-key"


def test_claims_that_disagree_with_the_credential_fail(app, token, published):
    key = credentials.issuer_key(app.state.settings)
    header = json.loads(b64url_decode(token.split(".")[0]))
    vc = claims(token)
    assert verify_credential(resign({**vc, "jti": "urn:uuid:other"}, key, header),
                             published).problem == "claims-mismatch"
    assert verify_credential(resign({**vc, "nbf": vc["nbf"] + 1}, key, header),
                             published).problem == "claims-mismatch"
    before = datetime(2026, 2, 9, tzinfo=UTC)
    assert verify_credential(token, published, now=before).problem == "not-yet-valid"
    expired = {**vc, "exp": vc["nbf"] + 60}
    assert verify_credential(resign(expired, key, header), published).problem == "expired"


def test_text_that_is_no_credential_is_malformed(published):
    for text in ("", "a.b", "not.a.jws", "e30.e30.e30x"):
        assert verify_credential(text, published).problem in {"malformed", "bad-signature"}
    assert verify_credential("a.b", published).problem == "malformed"


def test_only_who_may_see_the_holder_downloads_it(api, code):
    assert api(BINH, "GET", f"/api/certificates/{code}/credential").status_code == 403
    assert api(None, "GET", f"/api/certificates/{code}/credential").status_code == 401
    assert api(AN, "GET", "/api/certificates/SL-0000-0000-00/credential").status_code == 404


def test_the_issuer_profile_and_key_are_public(api, app):
    profile = api(None, "GET", "/api/issuer").json()
    assert profile["type"] == ["Profile"]
    assert profile["id"] == "http://127.0.0.1:8000/services/progress/api/issuer"
    jwk = api(None, "GET", "/api/issuer/jwks.json").json()["keys"][0]
    assert jwk["kid"].endswith("#" + thumbprint(jwk))


def test_the_issuer_key_is_made_once_and_kept_private(tmp_path):
    settings = Settings(home=tmp_path)
    first = credentials.jwks(settings)
    assert credentials.jwks(settings) == first
    path = tmp_path / "secrets" / "issuer-ed25519.pem"
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_key_file_without_an_ed25519_key_is_named(tmp_path):
    bad = tmp_path / "jwks.json"
    bad.write_text(json.dumps({"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}))
    with pytest.raises(CredentialError, match=r"--keys: .*jwks\.json holds no Ed25519"):
        load_keys(bad)
    bad.write_text("{not json")
    with pytest.raises(CredentialError, match=r"--keys: cannot read a JSON key set"):
        load_keys(bad)

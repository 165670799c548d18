"""Hub authentication: API tokens (``Authorization: token …``) and browser OAuth.

Tokens are resolved by the hub's ``GET /user`` through ``HubOAuth.user_for_token``, which
caches answers for a short while. Browsers log in with the hub's OAuth flow; the token
it gives is kept in an HttpOnly cookie scoped to the service's prefix.
"""

from __future__ import annotations

import re
import time
from typing import Annotated
from urllib.parse import quote

import httpx
from fastapi import Depends, HTTPException, Request
from jupyterhub.services.auth import HubOAuth
from tornado.web import HTTPError as TornadoHTTPError

from senlab.progress.identity import Identity
from senlab.settings import Settings

TOKEN_HEADER = re.compile(r"^(?:token|bearer)\s+(\S+)$", re.IGNORECASE)
TOKEN_COOKIE = "senlab-progress-token"
STATE_COOKIE = "senlab-progress-oauth-state"


class LoginRequired(Exception):
    """A browser must log in at the hub first; handled by redirecting it."""

    def __init__(self, next_url: str):
        self.next_url = next_url


class HubIdentityResolver:
    """Resolves hub tokens to identities and runs the browser OAuth exchange."""

    def __init__(self, settings: Settings, *, cache_seconds: int = 60):
        token = settings.hub_service_token.get_secret_value() if settings.hub_service_token \
            else "unset"
        prefix = settings.hub_service_prefix
        self.hub_auth = HubOAuth(
            api_token=token,
            api_url=settings.hub_service_api_url or settings.hub_api_url,
            base_url=prefix,
            hub_prefix="/hub/",
            hub_host="",
            oauth_client_id=settings.hub_oauth_client_id,
            oauth_redirect_uri=settings.hub_oauth_callback_url or f"{prefix}oauth_callback",
            cache_max_age=cache_seconds,
        )
        self.cache_seconds = cache_seconds
        self._admin_cache: dict[str, tuple[bool, float]] = {}

    async def identity_for_token(self, token: str) -> Identity | None:
        """The identity the hub gives `token`, or None if the hub does not know it."""
        try:
            model = await self.hub_auth.user_for_token(token, sync=False)
        except TornadoHTTPError as error:
            raise HTTPException(502, f"the hub could not check the token: {error}") from error
        if not model:
            return None
        if model.get("kind", "user") == "user" and "admin" not in model:
            # A token limited to this service identifies its owner (name, groups) but
            # does not show the admin flag: read it with the service's own token.
            model = {**model, "admin": await self._is_admin(model["name"])}
        return Identity.from_hub_model(model)

    async def _is_admin(self, name: str) -> bool:
        cached = self._admin_cache.get(name)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        url = f"{self.hub_auth.api_url.rstrip('/')}/users/{quote(name)}"
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(
                url, headers={"Authorization": f"token {self.hub_auth.api_token}"})
        admin = response.status_code == 200 and bool(response.json().get("admin"))
        self._admin_cache[name] = (admin, time.monotonic() + self.cache_seconds)
        return admin

    def authorize_url(self, next_url: str) -> tuple[str, str]:
        """The hub URL a browser goes to for login, and the state to keep in a cookie."""
        verifier, challenge, method = self.hub_auth.generate_pkce_code_challenge()
        state = self.hub_auth.generate_state(next_url, code_verifier=verifier)
        query = (f"client_id={self.hub_auth.oauth_client_id}"
                 f"&redirect_uri={self.hub_auth.oauth_redirect_uri}&response_type=code"
                 f"&state={state}&code_challenge={challenge}&code_challenge_method={method}")
        return f"{self.hub_auth.oauth_authorization_url}?{query}", state

    async def finish_login(self, code: str, state: str) -> tuple[str, str]:
        """Trade the OAuth code for a token; return (token, where the browser goes next)."""
        verifier = self.hub_auth.get_code_verifier(state)
        next_url = self.hub_auth.get_next_url(state)
        self.hub_auth.clear_oauth_state(state)
        token = await self.hub_auth.token_for_code(code, code_verifier=verifier, sync=False)
        return token, next_url


def request_token(request: Request) -> str | None:
    """The hub token a request carries: the Authorization header, else the login cookie."""
    match = TOKEN_HEADER.match(request.headers.get("authorization", ""))
    if match:
        return match.group(1)
    if request.method not in ("GET", "HEAD"):
        return None  # the login cookie never authorises a write: no cross-site posting
    return request.cookies.get(TOKEN_COOKIE)


async def current_identity(request: Request) -> Identity:
    """The caller's hub identity; 401 without a known token."""
    token = request_token(request)
    if not token:
        raise HTTPException(401, "a hub token is required (Authorization: token <token>)")
    identity = await request.app.state.resolver.identity_for_token(token)
    if identity is None:
        raise HTTPException(401, "the hub does not recognise this token")
    return identity


async def browser_identity(request: Request) -> Identity:
    """Like current_identity, but a browser without a token is sent to log in."""
    if request_token(request) is None:
        raise LoginRequired(str(request.url.path) + (
            f"?{request.url.query}" if request.url.query else ""))
    try:
        return await current_identity(request)
    except HTTPException as error:
        if error.status_code == 401:
            raise LoginRequired(str(request.url.path)) from error
        raise



CurrentIdentity = Annotated[Identity, Depends(current_identity)]
BrowserIdentity = Annotated[Identity, Depends(browser_identity)]

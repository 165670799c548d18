"""SenLab's settings: the only place that reads the environment.

Every setting is read from a ``SENLAB_``-prefixed variable (``SENLAB_HOME``,
``SENLAB_HUB_PORT`` …). Secrets that are not given are generated once into
``SENLAB_HOME/secrets/`` with mode 0600 and reused on the next start.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import sys
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
# Bind addresses that mean "every interface": no certificate names them.
WILDCARD_ADDRESSES = ("", "0.0.0.0", "::", "*")
# A DNS name of letters, digits and hyphens per label (RFC 1123, 2.1), at most 253 characters.
_DNS_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DNS_NAME = re.compile(rf"(?=.{{1,253}}$){_DNS_LABEL}(\.{_DNS_LABEL})*")


class Settings(BaseSettings):
    """All of SenLab's configuration, with the embedded defaults of one machine."""

    model_config = SettingsConfigDict(env_prefix="SENLAB_", extra="ignore", populate_by_name=True)

    home: Path = Field(Path("var"), description="All state: configs, logs, databases, secrets.")
    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses weak or demo settings."
    )
    hub_ip: str = Field("127.0.0.1", description="Address the hub's public proxy listens on.")
    hub_port: int = Field(8000, ge=1, le=65535, description="The hub's public port.")
    hub_api_port: int = Field(8081, ge=1, le=65535, description="The hub's internal API port.")
    proxy_api_port: int = Field(8001, ge=1, le=65535, description="The proxy's REST API port.")
    progress_port: int = Field(8101, ge=1, le=65535, description="The progress service's port.")
    fleet_port: int = Field(8102, ge=1, le=65535, description="The device fleet's control port.")
    mqtt_host: str = Field("127.0.0.1", description="Host the lab broker listens on.")
    mqtt_port: int = Field(1883, ge=1, le=65535, description="The lab broker's port.")
    mqtt_tls_port: int = Field(
        8883, ge=0, le=65535,
        description="The lab broker's TLS port (TLS 1.2 at least) for devices; 0 turns it off.",
    )
    mqtt_tls_host: str = Field(
        "127.0.0.1", description="Address the TLS listener binds to: this machine only by "
        "default; 0.0.0.0 lets devices on the park's network reach it."
    )
    mqtt_tls_names: str = Field(
        "", description="More host names and IP addresses clients reach the broker by, "
        "comma-separated; SenLab's certificate names them with 127.0.0.1, localhost and the hosts.",
    )
    mqtt_tls_certfile: Path | None = Field(
        None, description="The operator's server certificate (PEM); SenLab makes one if unset."
    )
    mqtt_tls_keyfile: Path | None = Field(
        None, description="The private key of SENLAB_MQTT_TLS_CERTFILE (PEM)."
    )
    mqtt_tls_cafile: Path | None = Field(
        None, description="The CA certificate clients verify the broker with (the operator's; "
        "the hub sets it in a trainee's server).",
    )
    mqtt_username: str | None = Field(
        None, description="A trainee's broker user name (the hub sets it in their server)."
    )
    mqtt_password: SecretStr | None = Field(
        None, description="A trainee's broker password (the hub sets it in their server)."
    )
    topic_root: str | None = Field(
        None, description="A trainee's topic root, `labs/<name>` (the hub sets it in their server)."
    )
    admin_token: SecretStr | None = Field(
        None, description="If set, the API token of the admin service `senlab-admin`."
    )
    demo_password: SecretStr | None = Field(
        None, description="The demo accounts' password; generated and printed if unset."
    )
    database_url: str | None = Field(
        None, description="The progress service's database; SQLite under home by default."
    )
    progress_url: str | None = Field(
        None, description="The progress service as a trainee's server reaches it (set by the hub)."
    )
    stack_id: str | None = Field(
        None, description="Marks every process of one `senlab up`, so that none outlives it."
    )
    local_fleet: bool = Field(
        True, description="Run the device fleet as a hub service here (off when it runs elsewhere)."
    )
    demo: bool = Field(False, description="Seed the demo cohort (set by `senlab up --demo`).")
    authenticator: Literal["native", "dummy"] = Field(
        "native", description="`native` (accounts with admin approval) or `dummy` (tests only)."
    )
    spawner_timeout: int = Field(60, ge=5, description="Seconds a server may take to start.")
    mosquitto: str = Field("mosquitto", description="The Mosquitto binary.")
    hub_service_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SENLAB_HUB_SERVICE_TOKEN", "JUPYTERHUB_API_TOKEN"),
        description="The progress service's own hub API token (given by the hub).",
    )
    hub_service_api_url: str | None = Field(
        None,
        validation_alias=AliasChoices("SENLAB_HUB_SERVICE_API_URL", "JUPYTERHUB_API_URL"),
        description="The hub API the progress service resolves tokens with; hub_api_url if unset.",
    )
    hub_service_prefix: str = Field(
        "/services/progress/",
        validation_alias=AliasChoices("SENLAB_HUB_SERVICE_PREFIX", "JUPYTERHUB_SERVICE_PREFIX"),
        description="The URL prefix the proxy routes to the progress service (kept on requests).",
    )
    hub_oauth_client_id: str = Field(
        "service-progress",
        validation_alias=AliasChoices("SENLAB_HUB_OAUTH_CLIENT_ID", "JUPYTERHUB_CLIENT_ID"),
        description="The progress service's OAuth client id at the hub.",
    )
    hub_oauth_callback_url: str | None = Field(
        None,
        validation_alias=AliasChoices(
            "SENLAB_HUB_OAUTH_CALLBACK_URL", "JUPYTERHUB_OAUTH_CALLBACK_URL"
        ),
        description="Where the hub sends browsers back after login; prefix + oauth_callback.",
    )
    broker_max_queued: int = Field(
        100_000, ge=1000, description="Messages Mosquitto queues per slow subscriber."
    )
    grading_workers: int = Field(
        0, ge=0, description="Autograding worker processes; 0 sizes the pool to the machine."
    )
    grading_poll_seconds: float = Field(
        10.0, gt=0, le=30, description="How often the autograder looks for new submissions."
    )
    service_poll_seconds: float = Field(
        1.0, gt=0, le=30, description="How often the hub looks whether a managed service "
        "died, to start it again (JupyterHub's own default is 30 s)."
    )
    signer_p12: Path | None = Field(
        None, description="The operator's PKCS#12 (.p12) that signs certificates and reports; "
        "SENLAB_HOME/secrets/signer.p12 if unset (a demo signer outside production)."
    )
    signer_p12_passphrase: SecretStr | None = Field(
        None, description="The passphrase of SENLAB_SIGNER_P12; else the file "
        "SENLAB_HOME/secrets/signer-p12-passphrase."
    )
    signer_trust: Path | None = Field(
        None, description="PEM of the CA that issued the signer's certificate; else "
        "SENLAB_HOME/secrets/signer-ca.pem, else the CAs inside the .p12."
    )
    issuer_name: str | None = Field(
        None, description="The issuing organisation on certificates and credentials; the O "
        "of the signer's certificate if unset."
    )
    report_rule: Literal["nd09", "kh478"] = Field(
        "nd09", description="Reporting periods and data cut-offs: nd09 (Decree 09/2019/NĐ-CP "
        "Art. 12: 15/12-14/06, 15/12-14/12) or kh478 (Plan 478 VI.6 dates 20/06, 20/11)."
    )
    grading_cell_timeout: int = Field(
        30, ge=1, description="Seconds one notebook cell may run while autograding."
    )
    grading_memory_mb: int = Field(
        2048, ge=256, description="Address-space limit of a sandboxed grading kernel, MiB."
    )
    grading_uid_base: int = Field(
        61000, ge=1000, description="First of the uids sandboxed grading kernels run as."
    )

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("mqtt_tls_names")
    @classmethod
    def _names_clients_use(cls, value: str) -> str:
        for name in (part.strip() for part in value.split(",")):
            if not name:
                continue
            try:
                ipaddress.ip_address(name)
            except ValueError:
                if not _DNS_NAME.fullmatch(name):
                    raise ValueError(f"SENLAB_MQTT_TLS_NAMES: {name!r} is neither a host name "
                                     "nor an IP address") from None
        return value

    @model_validator(mode="after")
    def _tls_port_of_its_own(self) -> Settings:
        if self.mqtt_tls_port == 0:
            return self
        for name in ("mqtt_port", "hub_port", "hub_api_port", "proxy_api_port",
                     "progress_port", "fleet_port"):
            if getattr(self, name) == self.mqtt_tls_port:
                raise ValueError(f"SENLAB_MQTT_TLS_PORT and SENLAB_{name.upper()} are both "
                                 f"{self.mqtt_tls_port}: give the TLS listener a port of its "
                                 "own (or 0 to turn it off)")
        return self

    @property
    def tls_names(self) -> list[str]:
        """SENLAB_MQTT_TLS_NAMES as a list."""
        return [part.strip() for part in self.mqtt_tls_names.split(",") if part.strip()]

    @cached_property
    def repo_root(self) -> Path:
        return REPO_ROOT

    @property
    def hub_url(self) -> str:
        return f"http://{self.hub_ip}:{self.hub_port}"

    @property
    def hub_api_url(self) -> str:
        return f"http://127.0.0.1:{self.hub_api_port}/hub/api"

    @property
    def log_dir(self) -> Path:
        return self.home / "log"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'progress.sqlite'}"

    def secret(self, name: str, *, nbytes: int = 32) -> str:
        """Return the secret `name`, generating it once into home/secrets (mode 0600)."""
        if not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"secret name {name!r} must be alphanumeric with - or _")
        folder = self.home / "secrets"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / name
        if path.exists():
            return path.read_text().strip()
        value = secrets.token_hex(nbytes)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value + "\n")
        return value

    def demo_password_value(self) -> str:
        if self.demo_password is not None:
            return self.demo_password.get_secret_value()
        return self.secret("demo-password", nbytes=6)

    def admin_token_value(self) -> str | None:
        return self.admin_token.get_secret_value() if self.admin_token else None

    def check_production(self) -> None:
        """Refuse settings that are fine on a laptop and wrong for a province.

        Every entry point that runs in production calls this before it serves: the hub's
        config, `senlab up`, and `python -m senlab.broker | progress | fleet | grading`.
        """
        if self.environment != "production":
            return
        if self.authenticator == "dummy":
            raise WeakSetting("SENLAB_AUTHENTICATOR=dummy is for tests only, not production")
        if self.demo:
            raise WeakSetting("SENLAB_DEMO (senlab up --demo) seeds accounts with one shared "
                              "password: not for production")
        for name, minimum in PRODUCTION_SECRETS.items():
            value = getattr(self, name)
            if value is not None:
                refuse_weak_secret(f"SENLAB_{name.upper()}", value.get_secret_value(), minimum)
        if self.database_url:
            password = urlsplit(self.database_url).password
            if password is not None:
                refuse_weak_secret("SENLAB_DATABASE_URL's password", unquote(password), 16)


class WeakSetting(ValueError):
    """A setting that `environment=production` refuses; the message names the setting."""


# Secret settings a production start checks, with the fewest characters each may have.
PRODUCTION_SECRETS = {"admin_token": 32, "hub_service_token": 32, "mqtt_password": 16,
                      "demo_password": 12}
# Values that stand in for a secret in examples and templates, not secrets.
PLACEHOLDERS = ("changeme", "change-me", "change_me", "password", "secret", "example",
                "placeholder", "replace", "xxxx", "todo", "senlab", "admin", "test")


def refuse_weak_secret(name: str, value: str, minimum: int) -> None:
    """Raise WeakSetting, naming `name`, for a placeholder or a secret shorter than `minimum`."""
    lowered = value.lower()
    if any(word in lowered for word in PLACEHOLDERS) or len(set(value)) < 4:
        raise WeakSetting(f"{name} is a placeholder, not a secret: set a random value "
                          "(for example `openssl rand -hex 32`)")
    if len(value) < minimum:
        raise WeakSetting(f"{name} must be at least {minimum} characters in production "
                          f"(it has {len(value)})")


def refuse_weak_settings(settings: Settings, program: str) -> None:
    """An entry point's first step: exit with a message naming the setting, never serve."""
    try:
        settings.check_production()
    except WeakSetting as err:
        sys.exit(f"{program}: {err}")


def process_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment for a child process: ours, with the settings written out in full."""
    env = dict(os.environ)
    for name, value in settings.model_dump(exclude_none=True).items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[f"SENLAB_{name.upper()}"] = str(value)
    env.update(extra)
    return env


def get_settings() -> Settings:
    """Read the settings from the environment (the one place that does)."""
    return Settings()

"""One typed settings object, built at the edge and passed down.

Settings come from the environment (`TIDINGS_*`; nested ones with `__`, e.g.
`TIDINGS_CHANNELS__SMS=carrier`) over an optional TOML file (`TIDINGS_CONFIG` or `--config`),
over the defaults below. With none of them, `tidings serve` runs on the embedded default: a
SQLite file and the file provider (`outbox.jsonl`) for every channel.
"""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

REPLAY_SECRET = "tidings-replay"  # public: replay's own, for output that is the same every time
LINK_SECRET_MIN_BYTES = 32
_FILE: ContextVar[dict[str, Any] | None] = ContextVar("tidings_config_file", default=None)


class ProviderSettings(BaseModel):
    """One provider: its `type`, a rate limit, and the options of its adapter (host, port …)."""

    model_config = ConfigDict(extra="allow")

    type: Literal[
        "file", "smpp", "http_sms", "smtp", "aliyun_sms", "tencent_sms", "smsru",
        "taobao_relay", "jd_relay",
    ]  # fmt: skip
    rate: float | None = None
    """At most this many messages a second from one worker."""

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class StoreChannels(BaseModel):
    """A store's own settings: a provider name per channel, the sender shown on each, and how
    long its shoppers' texts are kept."""

    model_config = ConfigDict(extra="forbid")

    sms: str | None = None
    email: str | None = None
    review_reply: str | None = None
    taobao: str | None = None
    """The provider (type taobao_relay) that relays SMS to the store's Taobao/Tmall buyers."""
    jd: str | None = None
    """The provider (type jd_relay) that relays SMS to the store's JD buyers."""
    sms_sender: str = ""
    email_sender: str = ""
    retention_days: int | None = Field(default=None, ge=1)
    """Events and message texts older than this many days are forgotten (the counts stay);
    none: kept for good."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TIDINGS_",
        env_nested_delimiter="__",
        hide_input_in_errors=True,  # a refused secret, password or token is not printed back
    )

    database_url: str = "tidings.db"
    """SQLite file path or URL, or a PostgreSQL URL (postgresql://user@host/db)."""
    link_secret: str = REPLAY_SECRET
    """Key of short links, page keys, unsubscribe links and coupon codes: at least 32 bytes when
    set. Unset, a live store makes one at random and keeps it in its database; replay signs
    with that one where the database has it, else with a fixed public one (the same output
    every time)."""
    sqlite_busy_seconds: float = Field(default=60.0, gt=0)
    """How long a SQLite transaction waits for another connection's write lock before it is
    refused (StorageBusy), nothing of it kept."""
    batch_size: int = 20_000
    """Events per transaction in replay."""

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    """Where tidings is reached from outside: providers' callbacks, unsubscribe links."""
    cdek_api_url: str = "https://api.cdek.ru"
    """CDEK's API v2, where its pushes' orders are read back (https://api.edu.cdek.ru to test)."""
    outbox: Path = Path("outbox.jsonl")
    """The file provider's JSONL outbox."""
    providers: dict[str, ProviderSettings] = Field(default_factory=dict)
    channels: dict[str, str] = Field(default_factory=dict)
    """The provider of each channel (sms, email, review_reply) for every store, and of each
    platform's relay (taobao, jd); default file."""
    stores: dict[str, StoreChannels] = Field(default_factory=dict)
    max_body_bytes: int = 2_000_000
    """Request bodies over this size are refused (413)."""
    api_key_limit: int = Field(default=100, ge=0)
    """Requests one API key may make in each `api_key_window_seconds` (past it: 429 with
    `Retry-After`); the default, 100 in 5 s, is 20 a second with bursts of 100. 0: no limit."""
    api_key_window_seconds: float = Field(default=5.0, gt=0)

    worker_batch: int = 500
    """Events and due messages a worker takes for a store in one transaction."""
    poll_seconds: float = 0.1
    """How often an idle worker looks for work."""
    lease_seconds: float = 30.0
    """How long a worker holds a delivery before another may take it over."""
    in_flight: int = 10
    """Deliveries a worker may have handed to providers and not yet recorded: the most a
    worker killed at the wrong moment can send twice."""
    retry_first_seconds: float = 5.0
    retry_cap_seconds: float = 600.0
    max_age_hours: float = 6.0
    """A message that transient errors kept from going this long after it was due expires."""

    @field_validator("link_secret")
    @classmethod
    def _long_enough(cls, secret: str) -> str:
        """A configured link secret too short to keep links and coupons unguessable is refused."""
        if secret != REPLAY_SECRET and len(secret.encode()) < LINK_SECRET_MIN_BYTES:
            raise ValueError(
                f"a link secret needs at least {LINK_SECRET_MIN_BYTES} bytes, this one has"
                f" {len(secret.encode())} (make one: python -c 'import secrets;"
                " print(secrets.token_urlsafe(32))'; or leave it unset and tidings keeps its own)"
            )
        return secret

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, InitSettingsSource(settings_cls, _FILE.get() or {}))


def load_settings(path: Path | str | None = None, **given: Any) -> Settings:
    """Settings from `given`, the environment, then the TOML file at `path` or TIDINGS_CONFIG."""
    path = path or os.environ.get("TIDINGS_CONFIG")
    data = tomllib.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    token = _FILE.set(data)
    try:
        return Settings(**given)
    finally:
        _FILE.reset(token)

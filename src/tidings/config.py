"""One typed settings object (environment prefix TIDINGS_), built at the edge, passed down."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIDINGS_")

    database_url: str = "tidings.db"
    """SQLite file path or URL, or a PostgreSQL URL (postgresql://user@host/db)."""
    link_secret: str = "tidings-replay"
    """Key of the short-link tokens. Set your own for a live store."""
    batch_size: int = 25_000
    """Events per transaction in replay and bulk ingest."""

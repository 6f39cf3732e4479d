"""Runtime settings, read once from MASSLEDGER_* environment variables (see README)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# SQLite's page cache per connection (its default is 2 MiB): at millions of events the index pages an
# append touches (events' primary key and id) no longer fit in 2 MiB, and every append re-reads them.
DEFAULT_SQLITE_CACHE_MIB = 64


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MASSLEDGER_", extra="ignore")

    data_dir: Path = Field(default=Path("./data"), description="Keys, the embedded database, attachments.")
    database_url: str | None = Field(
        default=None,
        description="sqlite:///PATH or postgresql://USER@HOST:PORT/DB; default: SQLite in data_dir.",
    )
    public_url: str = "http://127.0.0.1:8000"
    token_issuer: str = "massledger"
    token_audience: str = "massledger"
    token_ttl_seconds: int = 3600
    secret_pepper: str | None = Field(default=None, description="HMAC pepper for client secrets.")
    clock_skew_seconds: int = Field(default=5, description="Tolerance for integrator clocks ahead of ours.")
    max_events_per_document: int = 100
    max_body_bytes: int = 5 * 1024 * 1024
    max_attachment_bytes: int = 10 * 1024 * 1024
    attachment_url_ttl_seconds: int = Field(default=900, description="Lifetime of signed attachment URLs.")
    rate_limit_enabled: bool = True
    rate_limit_test_per_second: int = 5
    rate_limit_prod_per_second: int = 10
    sqlite_synchronous: str = Field(default="NORMAL", pattern="^(OFF|NORMAL|FULL|EXTRA)$")
    sqlite_cache_mib: int = Field(
        default=DEFAULT_SQLITE_CACHE_MIB, ge=1, description="SQLite page cache per connection, in MiB."
    )
    log_level: str = "info"

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'massledger.sqlite3').resolve()}"


def get_settings() -> Settings:
    return Settings()

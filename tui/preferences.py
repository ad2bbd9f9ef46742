"""What the GM sets for this data folder in the app: the public URL and the backup policy.

Kept in ``gm-app.json`` beside the campaigns (the app already remembers the last campaign
there); what the campaign itself holds (approvals, NPC hit points) lives in its
``gmSettings`` instead, so it travels with the campaign file.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vtt_host import BackupPolicy

logger = logging.getLogger(__name__)

PREFERENCES_KEY = "preferences"


class Preferences(BaseModel):
    """The app's own settings; every field has the default a fresh install uses."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    public_url: str | None = None
    """The address players outside the LAN open (a tunnel's or a forwarded port's);
    None gives them the LAN link."""
    backup_every_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 5
    keep_newest: Annotated[int, Field(ge=1, le=1000)] = 10
    keep_daily_days: Annotated[int, Field(ge=0, le=3650)] = 14

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a public URL starts with https:// (or http://) and names a host")
        if parts.query or parts.fragment:
            raise ValueError("a public URL has no ?query or #fragment")
        return value.rstrip("/")

    def backup_policy(self) -> BackupPolicy:
        return BackupPolicy(
            interval_s=self.backup_every_minutes * 60.0,
            keep_newest=self.keep_newest,
            keep_daily_days=self.keep_daily_days,
        )

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Preferences:
        """The saved preferences, or the defaults when they are missing or unreadable."""
        saved = settings.get(PREFERENCES_KEY)
        if not isinstance(saved, dict):
            return cls()
        try:
            return cls.model_validate(saved)
        except ValidationError as error:
            logger.warning("ignoring saved preferences that no longer validate: %s", error)
            return cls()

    def to_settings(self) -> dict[str, Any]:
        return {PREFERENCES_KEY: self.model_dump()}


def problems(values: dict[str, Any]) -> dict[str, str]:
    """Field -> what is wrong with it, for the settings form (empty when all is well)."""
    try:
        Preferences.model_validate(values)
    except ValidationError as error:
        found: dict[str, str] = {}
        for item in error.errors():
            field = str(item["loc"][0]) if item["loc"] else ""
            found.setdefault(field, str(item["msg"]).removeprefix("Value error, "))
        return found
    return {}

"""Settings: one frozen object passed down from the entry points. The only reader of os.environ."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PREFIX = "CRAMP_COACH_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting from the environment that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    skill_id: str | None = None
    verify: bool = True
    ca_bundle: Path | None = None
    audio_base_url: str | None = None
    audio_dir: Path | None = None  # None: data_dir() / "audio"
    store: str | None = None  # sqlite:///PATH, dynamodb://TABLE or none; None: SQLite in data_dir()
    night_start: dt.time = dt.time(21, 0)  # device local time
    night_end: dt.time = dt.time(7, 0)
    locale: str = "en-US"
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(PREFIX + name, "").strip()
            return value or None

        values: dict = {}
        if (skill_id := get("SKILL_ID")) is not None:
            values["skill_id"] = skill_id
        if (verify := get("VERIFY")) is not None:
            values["verify"] = _boolean("VERIFY", verify)
        if (bundle := get("CA_BUNDLE")) is not None:
            values["ca_bundle"] = _existing_file("CA_BUNDLE", bundle)
        if (base := get("AUDIO_BASE_URL")) is not None:
            if not base.startswith("https://"):
                raise ConfigError(f"{PREFIX}AUDIO_BASE_URL must start with https:// (Alexa only plays HTTPS), got {base!r}")
            values["audio_base_url"] = base.rstrip("/")
        if (audio_dir := get("AUDIO_DIR")) is not None:
            values["audio_dir"] = Path(audio_dir).expanduser()
        if (store := get("STORE")) is not None:
            values["store"] = _store(store)
        if (hours := get("NIGHT_HOURS")) is not None:
            values["night_start"], values["night_end"] = _hours(hours)
        if (level := get("LOG_LEVEL")) is not None:
            if level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
                raise ConfigError(f"{PREFIX}LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {level!r}")
            values["log_level"] = level.upper()
        return cls(**values)

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def audio_path(self) -> Path:
        return self.audio_dir if self.audio_dir is not None else data_dir() / "audio"

    @property
    def store_url(self) -> str:
        return self.store if self.store is not None else f"sqlite:///{data_dir() / 'memory.sqlite3'}"


def data_dir() -> Path:
    """The per-user data directory (e.g. ~/.local/share/cramp-coach on Linux)."""
    from platformdirs import user_data_path

    return user_data_path("cramp-coach", appauthor=False)


def _store(value: str) -> str:
    if value == "none" or (value.startswith("sqlite:///") and len(value) > len("sqlite:///")):
        return value
    if value.startswith("dynamodb://") and re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", value[len("dynamodb://"):]):
        return value
    raise ConfigError(f"{PREFIX}STORE must be sqlite:///PATH, dynamodb://TABLE or none, got {value!r}")


def _hours(value: str) -> tuple[dt.time, dt.time]:
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ConfigError(f"{PREFIX}NIGHT_HOURS must look like 21:00-07:00, got {value!r}") from None
    if start == end:
        raise ConfigError(f"{PREFIX}NIGHT_HOURS must not start and end at the same time, got {value!r}")
    return start, end


def _boolean(name: str, value: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ConfigError(f"{PREFIX}{name} must be true or false, got {value!r}")


def _existing_file(name: str, value: str) -> Path:
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError(f"{PREFIX}{name} must name a readable file; {path} does not exist")
    return path

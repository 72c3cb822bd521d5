"""Settings: one frozen object passed down from the entry points. The only reader of os.environ."""

from __future__ import annotations

import dataclasses
import os
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
    audio_dir: Path | None = None
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
        if (level := get("LOG_LEVEL")) is not None:
            if level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
                raise ConfigError(f"{PREFIX}LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {level!r}")
            values["log_level"] = level.upper()
        return cls(**values)

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)


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

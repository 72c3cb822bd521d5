"""AWS Lambda entry point. Alexa invokes the function directly, so there is no signature to check;
the skill id still is. The skill is built once per container, at import (cold start)."""

from __future__ import annotations

import logging

from skill.builder import build_skill
from skill.config import Settings

_settings = Settings.from_env()
logging.getLogger().setLevel(_settings.log_level)
_skill = build_skill(_settings)


def lambda_handler(event, context):
    return _skill.respond(event, context)

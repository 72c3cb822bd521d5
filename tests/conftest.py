import random

import pytest

from skill.builder import build_skill
from skill.config import Settings
from tests import fixtures
from tests.envelopes import Conversation


@pytest.fixture
def settings():
    return Settings(skill_id=fixtures.SKILL_ID, verify=False)


@pytest.fixture
def skill(settings):
    return build_skill(settings, rng=random.Random(7))


@pytest.fixture
def talk(skill):
    return Conversation(skill)


@pytest.fixture
def app(settings):
    from skill.app import create_app

    return create_app(settings, rng=random.Random(7))


@pytest.fixture
def client(app):
    return app.test_client()

import random
from types import SimpleNamespace

import pytest

from skill.builder import build_skill
from skill.config import Settings
from tests import fixtures
from tests.envelopes import Conversation
from tests.loopback import SettingsApi, serve


@pytest.fixture(scope="session", autouse=True)
def private_data_dir(tmp_path_factory):
    """The per-user data directory (default store and audio pack) points into the test run for
    everything, servers and CLI subprocesses included: no test touches the user's real one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
        yield


@pytest.fixture
def settings(tmp_path):
    # A real SQLite store of the test's own, never the user's data directory.
    return Settings(skill_id=fixtures.SKILL_ID, verify=False, store=f"sqlite:///{tmp_path / 'memory.sqlite3'}",
                    audio_dir=tmp_path / "audio")


@pytest.fixture
def skill(settings):
    return build_skill(settings, rng=random.Random(7))


@pytest.fixture
def talk(skill):
    return Conversation(skill)


@pytest.fixture
def app(settings):
    from skill.http.app import create_app

    return create_app(settings, rng=random.Random(7))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api():
    """The Alexa Settings API on loopback (tests/loopback.py): .endpoint, and .calls (device ids asked)."""
    handler = type("Handler", (SettingsApi,), {"calls": []})
    with serve(handler) as endpoint:
        yield SimpleNamespace(endpoint=endpoint, calls=handler.calls)

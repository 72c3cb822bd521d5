"""GET /audio/<hash>.mp3: the audio pack as static files, through the Flask test client and through
the real gunicorn server on loopback (raw paths sent with http.client, never normalised)."""

from __future__ import annotations

import http.client
import os
import random
import subprocess
import sys
import time
import urllib.request

import pytest

from skill.http.app import create_app
from skill.http.audio_route import ONE_YEAR
from skill.config import Settings
from tests import fixtures
from tests.audio_pack import write_pack
from tests.loopback import free_port


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """A pack with two clips, and beside it (outside the pack) a file a traversal would reach."""
    root = tmp_path_factory.mktemp("audio")
    manifest = write_pack(root / "pack", ["help.main#0", "track.bedtime.test"], seconds=3.0)
    (root / "0123456789abcdef0123.mp3").write_bytes(b"outside the pack")
    return root / "pack", manifest["locales"]["en-US"]["clips"]["help.main#0"]["file"]


@pytest.fixture(scope="module")
def audio_client(pack):
    directory, _ = pack
    app = create_app(Settings(skill_id=fixtures.SKILL_ID, verify=False, store="none", audio_dir=directory), rng=random.Random(3))
    return app.test_client()


def test_full_get_is_the_file_with_cache_headers(audio_client, pack):
    directory, name = pack
    response = audio_client.get(f"/audio/{name}")
    assert response.status_code == 200
    assert response.data == (directory / name).read_bytes() and len(response.data) > 1000
    assert response.mimetype == "audio/mpeg"
    assert response.headers["ETag"] == f'"{name.removesuffix(".mp3")}"'  # strong: no W/
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Length"] == str(len(response.data))
    cache = response.cache_control
    assert cache.public and cache.immutable and cache.max_age == ONE_YEAR and not cache.no_cache


@pytest.mark.parametrize("tag", ['"{}"', 'W/"{}"', '"other", "{}"', "*"])
def test_if_none_match_is_304_without_body(audio_client, pack, tag):
    _, name = pack
    response = audio_client.get(f"/audio/{name}", headers={"If-None-Match": tag.format(name[:-4])})
    assert response.status_code == 304 and response.data == b""
    assert response.headers["ETag"] == f'"{name[:-4]}"'


def test_other_etag_gets_the_file(audio_client, pack):
    _, name = pack
    response = audio_client.get(f"/audio/{name}", headers={"If-None-Match": '"0000000000"'})
    assert response.status_code == 200 and response.data


@pytest.mark.parametrize(("header", "start", "end"), [
    ("bytes=0-99", 0, 99),
    ("bytes=100-", 100, None),
    ("bytes=-100", -100, None),
    ("bytes=10-10", 10, 10),
    ("bytes=5000-99999999", 5000, None),  # an end past the file is cut to the file
])
def test_range_is_206_with_content_range(audio_client, pack, header, start, end):
    directory, name = pack
    data = (directory / name).read_bytes()
    first = start % len(data)
    last = len(data) - 1 if end is None else end
    response = audio_client.get(f"/audio/{name}", headers={"Range": header})
    assert response.status_code == 206
    assert response.data == data[first:last + 1]
    assert response.headers["Content-Range"] == f"bytes {first}-{last}/{len(data)}"
    assert response.headers["Content-Length"] == str(last - first + 1)
    assert response.mimetype == "audio/mpeg"


@pytest.mark.parametrize("header", ["bytes={size}-", "bytes={size}-{size}", "bytes=99999999-"])
def test_unsatisfiable_range_is_416_with_the_length(audio_client, pack, header):
    directory, name = pack
    size = (directory / name).stat().st_size
    response = audio_client.get(f"/audio/{name}", headers={"Range": header.format(size=size)})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"


def test_head_has_the_headers_and_no_body(audio_client, pack):
    directory, name = pack
    response = audio_client.head(f"/audio/{name}")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["Content-Length"] == str((directory / name).stat().st_size)
    assert response.mimetype == "audio/mpeg" and response.headers["ETag"] == f'"{name[:-4]}"'


@pytest.mark.parametrize("path", [
    "/audio/0123456789abcdef0123.mp3",  # a good name, not in the pack (it is in the parent directory)
    "/audio/manifest.json",  # in the pack, but not a clip
    "/audio/ABCDEF0123.mp3",  # upper case
    "/audio/abc.mp3",  # too short
    "/audio/{stem}.MP3",
    "/audio/{name}.bak",
    "/audio/{stem}",
    "/audio/",
])
def test_anything_but_a_clip_of_the_pack_is_404(audio_client, pack, path):
    _, name = pack
    response = audio_client.get(path.format(name=name, stem=name[:-4]))
    assert response.status_code == 404


def test_post_is_405(audio_client, pack):
    assert audio_client.post(f"/audio/{pack[1]}").status_code == 405


def test_no_pack_is_404_not_500(tmp_path):
    app = create_app(Settings(verify=False, store="none", audio_dir=tmp_path / "missing"))
    assert app.test_client().get("/audio/0123456789abcdef0123.mp3").status_code == 404


# --- the real server ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def audio_server(pack):
    directory, _ = pack
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAMP_COACH_")}
    env.update(CRAMP_COACH_AUDIO_DIR=str(directory), CRAMP_COACH_STORE="none")
    proc = subprocess.Popen([sys.executable, "-m", "skill.cli", "serve", "--no-verify", "--port", str(port),
                             "--workers", "1"], env=env, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.1)
    yield port
    os.killpg(proc.pid, 15)
    proc.wait(timeout=10)


def raw(port: int, path: str, method: str = "GET", **headers) -> tuple[int, dict, bytes]:
    """One request with the path exactly as given (no client-side normalisation)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name.replace("_", "-"), value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_real_server_serves_ranges_and_304(audio_server, pack):
    directory, name = pack
    data = (directory / name).read_bytes()
    status, headers, body = raw(audio_server, f"/audio/{name}")
    assert (status, body, headers["content-type"]) == (200, data, "audio/mpeg")
    assert "immutable" in headers["cache-control"] and f"max-age={ONE_YEAR}" in headers["cache-control"]
    status, headers, body = raw(audio_server, f"/audio/{name}", Range="bytes=0-99")
    assert (status, body, headers["content-range"]) == (206, data[:100], f"bytes 0-99/{len(data)}")
    status, headers, body = raw(audio_server, f"/audio/{name}", Range="bytes=-10")
    assert (status, body) == (206, data[-10:])
    status, _, body = raw(audio_server, f"/audio/{name}", If_None_Match=headers["etag"])
    assert (status, body) == (304, b"")
    status, headers, _ = raw(audio_server, f"/audio/{name}", Range=f"bytes={len(data)}-")
    assert (status, headers["content-range"]) == (416, f"bytes */{len(data)}")
    status, headers, body = raw(audio_server, f"/audio/{name}", method="HEAD")
    assert (status, body, headers["content-length"]) == (200, b"", str(len(data)))


@pytest.mark.parametrize("path", [
    "/audio/../0123456789abcdef0123.mp3",
    "/audio/..%2F0123456789abcdef0123.mp3",
    "/audio/..%2f0123456789abcdef0123.mp3",
    "/audio/%2E%2E%2F0123456789abcdef0123.mp3",
    "/audio/..%5C0123456789abcdef0123.mp3",
    "/audio/%2Fetc%2Fpasswd",
    "/audio//etc/passwd",
    "/audio/%2F{name}",
    "/audio/./{name}/..",
    "/audio/{name}%00.mp3",
    "/audio/{name}/",
    "/audio/..",
    "/audio/manifest.json",
])
def test_real_server_refuses_traversal(audio_server, pack, path):
    status, headers, body = raw(audio_server, path.format(name=pack[1]))
    if status == 308:  # Werkzeug merges "//": only ever back to the clip's own address
        assert headers["location"].endswith(f"/audio/{pack[1]}"), headers["location"]
    else:
        assert status in (400, 404), (status, body[:200])
    assert b"outside the pack" not in body and b"root:" not in body

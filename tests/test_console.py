"""`cramp-coach console`, run for real on loopback: the page, its labels from content, the JSON
endpoint's guards (Host, Origin, size, type), and a real headless Chromium walking a night cramp
with a guided stretch. `cramp-coach serve` exposes none of it."""

from __future__ import annotations

import http.client
import json
import re
import tempfile
from pathlib import Path

import pytest

import content
from skill.local.console.app import MAX_BODY_BYTES, STATIC
from speech import Speaker
from tests.loopback import cli_server

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def console():
    with cli_server("console", ready=lambda port: get(port, "/api/labels")[0] == 200) as port:
        yield port


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body, {"Host": f"127.0.0.1:{port}", **(headers or {})})
        answer = connection.getresponse()
        return answer.status, answer.read(), answer.headers
    finally:
        connection.close()


def get(port: int, path: str, **headers):
    return request(port, "GET", path, headers=headers)


def turn(port: int, fields: dict, **headers):
    status, body, _ = request(port, "POST", "/api/turn", json.dumps(fields).encode(),
                              {"Content-Type": "application/json", **headers})
    return status, json.loads(body)


def test_labels_are_every_console_key_of_the_content(console):
    status, body, _ = get(console, "/api/labels?locale=en-US")
    data = json.loads(body)
    speaker = Speaker(content.load())
    wanted = {key.removeprefix("console."): speaker.say(key, 0).text
              for key in content.load().phrases if key.startswith("console.")}
    assert status == 200 and data["labels"] == wanted and data["locales"] == list(content.locales())
    assert data["devices"] == ["speaker", "screen", "audio-player"]
    page = (STATIC / "index.html").read_text()
    used = set(re.findall(r'data-label="([^"]+)"', page)) | set(re.findall(r'labels(?:\.|\[")([\w.-]+)', (STATIC / "console.js").read_text()))
    assert used - {"device"} <= set(wanted), used - set(wanted)
    assert get(console, "/api/labels?locale=xx-XX")[0] == 404


def test_the_page_holds_no_words_of_its_own():
    page = (STATIC / "index.html").read_text()
    words = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", page, flags=re.S).split()
    assert words == []


def test_a_conversation_keeps_its_session_and_knows_the_night(console):
    key = "test-conversation-1"
    status, launched = turn(console, {"conversation": key, "action": "launch", "at": "03:00"})
    assert status == 200 and launched["request"] == "LaunchRequest" and launched["night"] and launched["quiet"]
    _, cramp = turn(console, {"conversation": key, "text": "my thigh is cramping", "at": "03:00"})
    assert cramp["slots"] == {"muscle": "thigh"} and cramp["keys"][0] == "relief.thigh"
    _, started = turn(console, {"conversation": key, "text": "yes", "at": "03:00"})
    assert "routine.thigh.1" in started["keys"]
    _, step = turn(console, {"conversation": key, "action": "next", "at": "03:00"})
    assert step["request"] == "AMAZON.NextIntent" and "routine.thigh.2" in step["keys"]
    _, day = turn(console, {"conversation": key, "action": "repeat", "at": "13:00"})
    assert not day["night"] and day["request"] == "AMAZON.RepeatIntent"
    assert any(part["kind"] == "pause" for part in step["segments"])
    _, missed = turn(console, {"conversation": key, "text": "zebra crossing"})
    assert not missed["matched"] and missed["notice_text"] == Speaker(content.load()).say("chat.no_match", 0).text


@pytest.mark.parametrize("fields", [
    {"conversation": "short", "text": "hi"},
    {"conversation": "test-conversation-2", "locale": "xx-XX", "text": "hi"},
    {"conversation": "test-conversation-2", "device": "toaster", "text": "hi"},
    {"conversation": "test-conversation-2", "at": "3 am", "text": "hi"},
    {"conversation": "test-conversation-2", "action": "explode"},
    ["not", "an", "object"],
])
def test_bad_fields_are_refused(console, fields):
    status, body = turn(console, fields)
    assert status == 400 and body["error"]


def test_only_this_computer_may_call_it(console):
    body = json.dumps({"conversation": "test-conversation-3", "text": "help"}).encode()
    json_type = {"Content-Type": "application/json"}
    assert request(console, "POST", "/api/turn", body, {**json_type, "Host": "attacker.example"})[0] == 403
    assert request(console, "POST", "/api/turn", body, {**json_type, "Host": f"rebound.example:{console}"})[0] == 403
    assert request(console, "POST", "/api/turn", body, {**json_type, "Origin": "http://attacker.example"})[0] == 403
    assert get(console, "/", Host="attacker.example")[0] == 403
    good = request(console, "POST", "/api/turn", body, {**json_type, "Origin": f"http://localhost:{console}",
                                                        "Host": f"localhost:{console}"})
    assert good[0] == 200
    assert request(console, "POST", "/api/turn", body, {"Content-Type": "text/plain"})[0] == 415
    big = json.dumps({"conversation": "test-conversation-3", "text": "x" * MAX_BODY_BYTES}).encode()
    assert request(console, "POST", "/api/turn", big, json_type)[0] == 413


def test_page_and_assets_are_served_from_the_package_with_a_strict_policy(console):
    status, body, headers = get(console, "/")
    assert status == 200 and b'src="/static/console.js"' in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    for asset in ("console.js", "console.css"):
        assert get(console, f"/static/{asset}")[0] == 200
    assert not re.search(rb"https?://", (STATIC / "index.html").read_bytes() + (STATIC / "console.css").read_bytes())


def test_serve_exposes_none_of_the_local_surfaces(client):
    for path in ("/", "/api/labels", "/static/console.js", "/mcp"):
        assert client.get(path).status_code == 404, path
    assert client.post("/api/turn", json={"conversation": "test-conversation-4", "text": "help"}).status_code == 404
    assert client.post("/mcp", json={}).status_code == 404


# --- a real browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1400"):
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="cramp-coach-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)  # no selenium-manager
        try:
            yield driver
        finally:
            driver.quit()


def test_a_night_cramp_and_a_guided_stretch_in_a_real_browser(console, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def coach_entries():
        return browser.find_elements(By.CSS_SELECTOR, "#log li.coach")

    def wait_for(count: int):
        WebDriverWait(browser, 20).until(lambda _: len(coach_entries()) >= count)
        return coach_entries()[count - 1]

    browser.get(f"http://127.0.0.1:{console}/")
    labels = json.loads(get(console, "/api/labels")[1])["labels"]
    WebDriverWait(browser, 20).until(lambda _: browser.find_element(By.ID, "send").text == labels["button.send"])
    launched = wait_for(1)
    assert launched.get_attribute("data-intent") == "LaunchRequest"
    browser.find_element(By.ID, "play").click()  # no sound in a headless test
    assert browser.find_element(By.CSS_SELECTOR, "label[for=utterance]").text == labels["label.utterance"]
    assert browser.find_element(By.ID, "log").get_attribute("aria-live") == "polite"

    box = browser.find_element(By.ID, "utterance")
    box.send_keys("my calf is cramping\n")
    cramp = wait_for(2)
    assert cramp.get_attribute("data-keys").split()[0] == "relief.calf"
    assert browser.find_element(By.ID, "turn-intent").text == "CrampNowIntent"
    assert "muscle = calf" in browser.find_element(By.ID, "turn-slots").text
    assert browser.find_element(By.ID, "turn-ssml").text.startswith("<speak>")

    browser.execute_script("const t = document.getElementById('time'); t.value = '03:00';"
                           "t.dispatchEvent(new Event('change'));")
    box.send_keys("yes\n")
    started = wait_for(3)
    assert "stretch.clot_cue" in started.get_attribute("data-keys").split()
    assert "quiet" in started.get_attribute("class").split()
    assert started.find_element(By.CSS_SELECTOR, ".badge").text == labels["quiet"]
    assert "night" in browser.find_element(By.TAG_NAME, "body").get_attribute("class").split()

    steps = len(content.load().routines["calf"].steps)
    next_button = browser.find_element(By.ID, "next")
    for number in range(2, steps + 1):
        next_button.send_keys("\n") if number % 2 else next_button.click()  # keyboard and pointer both work
        step = wait_for(2 + number)
        assert f"routine.calf.{number}" in step.get_attribute("data-keys").split()
    assert "stretch.done_check" in coach_entries()[-1].get_attribute("data-keys").split()
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "console.png"))

"""The audio pack build with real parts: gTTS's own code (only Google's endpoint answered by
`responses`, with real MP3 bytes), real espeak-ng, ffmpeg and ffprobe, real files and players
found on PATH."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
import requests
import responses

import content
from content import rules
from skill import audio_cli, cli
from speech import Speaker
from skill.config import Settings
from speech.audio import pack, transcode
from speech.audio.build import BuildError, build, plan_for
from speech.audio.engines import EspeakEngine, GttsEngine
from speech.audio.manifest import (
    Clip,
    Manifest,
    ManifestError,
    clip_hash,
    script_sha,
    stale_summary,
)

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not (shutil.which("ffmpeg") and shutil.which("espeak-ng")),
                                reason="needs ffmpeg and espeak-ng (apt-get install ffmpeg espeak-ng)")
GOOGLE = re.compile(r"https://translate\.google\.([a-z.]+)/_/TranslateWebserverUi/data/batchexecute")
PLAN = {
    "relief.calf#0": "Straighten your leg and pull your toes up.",
    "stretch.count#0&seconds=5": "5.",
    "guided.calf.1": "Sit with your leg straight.",
    "guided.calf.2": "Pull your toes up. Hold for 4 seconds. [pause 2s] 2. [pause 2s] And relax.",
}


def no_wait(seconds: float) -> None:
    pass


def pack_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def assert_nothing_partial(folder: Path) -> None:
    for path in pack_files(folder):
        assert path.stat().st_size > 0, f"empty file {path}"
        assert not path.name.endswith(".part"), f"temporary file left behind: {path}"


def assert_alexa_mp3(path: Path) -> None:
    info = transcode.probe(path)
    assert (info["codec"], info["sample_rate"], info["channels"], info["bit_rate"]) == ("mp3", 24000, 1, 48000)
    header = path.read_bytes()[:4]
    assert header[0] == 0xFF and header[1] >> 5 == 0b111, "starts with an MP3 frame, no ID3 tag"
    assert (header[1] >> 3) & 3 == 0b10 and (header[1] >> 1) & 3 == 0b01, "MPEG-2 layer III"


@pytest.fixture(scope="module")
def voice_mp3(tmp_path_factory) -> bytes:
    """Real MP3 bytes like Google's (32 kbps, 24 kHz, mono), made with espeak-ng and ffmpeg."""
    folder = tmp_path_factory.mktemp("voice")
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(folder / "v.wav"), "Hello there."], check=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(folder / "v.wav"), "-ac", "1", "-ar", "24000",
                    "-b:a", "32k", str(folder / "v.mp3")], check=True)
    return (folder / "v.mp3").read_bytes()


class Google:
    """Google Translate's TTS endpoint as gTTS sees it: records what was asked, answers with
    real MP3 bytes in the batchexecute format gTTS decodes, or with the errors it is told to."""

    def __init__(self, mock: responses.RequestsMock, mp3: bytes):
        self.mp3, self.asked, self.hosts, self.languages = mp3, [], [], []
        self.errors: dict[str, list] = {}  # text -> statuses or exceptions to answer first
        mock.add_callback(responses.POST, GOOGLE, callback=self.answer)

    def answer(self, request):
        rpc = json.loads(urllib.parse.parse_qs(request.body)["f.req"][0])
        text, language = json.loads(rpc[0][0][1])[:2]
        self.asked.append(text)
        self.languages.append(language)
        self.hosts.append(GOOGLE.match(request.url)[1])
        if self.errors.get(text):
            error = self.errors[text].pop(0)
            if isinstance(error, BaseException):
                raise error
            return error, {}, "error"
        payload = json.dumps([["wrb.fr", "jQ1olc", json.dumps([base64.b64encode(self.mp3).decode()]),
                               None, None, None, "generic"]], separators=(",", ":"))
        return 200, {}, f")]}}'\n\n{len(payload)}\n{payload}\n"


@pytest.fixture
def google(voice_mp3):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield Google(mock, voice_mp3)


@pytest.fixture
def offline():
    """Google unreachable, as on this machine: every connection fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, GOOGLE, body=requests.ConnectionError("Name or service not known"))
        yield mock


@pytest.fixture(scope="module")
def espeak_pack(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pack")
    result = build(PLAN, out, "en-US", EspeakEngine(), jobs=2)
    assert result.ok and result.rendered == len(PLAN)
    pack.write(out, Manifest.load(out), "en-US", PLAN)
    return out


def test_gtts_build_renders_alexa_format_with_real_silences(google, tmp_path):
    result = build(PLAN, tmp_path, "en-US", GttsEngine(timeout=5), jobs=2)

    assert result.ok and (result.rendered, result.reused) == (4, 0)
    manifest = Manifest.load(tmp_path)
    for clip_id, script in PLAN.items():
        clip = manifest.clip("en-US", clip_id)
        assert (clip.engine, clip.script_sha, clip.file) == ("gtts", script_sha(script), f"{clip.hash}.mp3")
        assert_alexa_mp3(tmp_path / clip.file)
        assert clip.duration == pytest.approx(transcode.probe(tmp_path / clip.file)["duration"], abs=0.01)
    one_phrase = manifest.clip("en-US", "stretch.count#0&seconds=5").duration
    # three segments of Google's (same) voice and two 2 s pauses of real silence
    assert manifest.clip("en-US", "guided.calf.2").duration == pytest.approx(3 * one_phrase + 4.0, abs=0.25)
    # Pause marks are never read out; "5." is asked once though two clips say it.
    assert not any("pause" in text for text in google.asked)
    assert sorted(google.asked) == sorted({"Straighten your leg and pull your toes up.", "5.",
                                           "Sit with your leg straight.", "Pull your toes up. Hold for 4 seconds.",
                                           "2.", "And relax."})
    assert set(google.hosts) == {"com"}
    assert_nothing_partial(tmp_path)


@pytest.mark.parametrize(("locale", "language", "tld"), [
    ("en-US", "en", "com"), ("en-GB", "en", "co.uk"), ("en-AU", "en", "com.au"), ("en-IN", "en", "co.in"),
    ("en-CA", "en", "ca"), ("es-US", "es", "com"), ("es-MX", "es", "com.mx")])
def test_gtts_asks_the_regional_google_host_in_the_locales_language(google, tmp_path, locale, language, tld):
    assert build({"a#0": "Hello."}, tmp_path, locale, GttsEngine()).ok
    assert (google.hosts, google.languages) == ([tld], [language])


@pytest.mark.parametrize("locale", content.locales())
def test_espeak_speaks_each_locale_with_its_own_voice(tmp_path, locale):
    loaded = content.load(locale)
    script = Speaker(loaded).say("doctor.emergency", 0).script  # the number said as the market says it
    result = build({"doctor.emergency#0": script}, tmp_path, locale, EspeakEngine())
    assert result.ok and result.rendered == 1
    clip = Manifest.load(tmp_path).clip(locale, "doctor.emergency#0")
    assert_alexa_mp3(tmp_path / clip.file)
    assert clip.duration == pytest.approx(rules.seconds(script), rel=0.6)  # espeak at 150 words a minute


def test_transient_errors_are_retried_and_a_bad_clip_fails_alone(google, tmp_path):
    google.errors = {"5.": [503, 429], "Sit with your leg straight.": [400]}
    waits = []
    result = build(PLAN, tmp_path, "en-US", GttsEngine(), jobs=1, sleep=waits.append)

    assert result.failed and [clip_id for clip_id, _ in result.failed] == ["guided.calf.1"]
    assert "400" in result.failed[0][1]
    assert result.rendered == 3 and len(waits) == 2 and waits[1] > waits[0] * 0.5
    assert Manifest.load(tmp_path).clip("en-US", "guided.calf.1") is None
    assert_nothing_partial(tmp_path)


def test_unreachable_google_stops_at_once_and_keeps_earlier_clips(google, tmp_path):
    first = dict(list(PLAN.items())[:2])
    assert build(first, tmp_path, "en-US", GttsEngine()).ok
    before = {p: p.read_bytes() for p in tmp_path.glob("*.mp3")}
    more = {**PLAN, **{f"extra#{i}": f"Extra sentence {i}." for i in range(20)}}
    google.asked.clear()
    google.errors = {text: [requests.ConnectionError("Name or service not known")]
                     for text in ["Sit with your leg straight.", *(f"Extra sentence {i}." for i in range(20))]}
    google.errors["Pull your toes up. Hold for 4 seconds."] = [requests.ConnectionError("down")]

    result = build(more, tmp_path, "en-US", GttsEngine(), jobs=2, sleep=no_wait)

    assert not result.ok and "translate.google.com" in result.stopped
    assert len(google.asked) <= 2, "stops after the first connection failure, not one try per clip"
    assert result.reused == 2 and result.skipped >= 20 and not result.failed
    assert {p: p.read_bytes() for p in tmp_path.glob("*.mp3")} == before
    assert set(Manifest.load(tmp_path).clips("en-US")) == set(first)
    assert_nothing_partial(tmp_path)


def test_a_google_that_never_answers_stops_the_build_after_the_retries(google, tmp_path):
    google.errors = {"5.": [requests.ReadTimeout("read timed out")] * 3}
    result = build({"stretch.count#0&seconds=5": "5.", "relief.calf#0": "Relief."}, tmp_path, "en-US",
                   GttsEngine(timeout=1), jobs=1, retries=2, sleep=no_wait)

    assert "no answer from translate.google.com" in result.stopped and "3 tries" in result.stopped
    assert google.asked == ["5.", "5.", "5."] and result.skipped == 2
    assert_nothing_partial(tmp_path)


def test_cli_build_without_google_says_what_to_do(offline, tmp_path, capsys):
    status = cli.main(["audio", "build", "--out", str(tmp_path / "pack"), "--jobs", "1"])

    err = capsys.readouterr().err
    assert status == 1
    assert "cannot reach translate.google.com" in err and "--engine espeak" in err
    assert_nothing_partial(tmp_path)


def test_espeak_build_is_incremental(tmp_path):
    engine = EspeakEngine()
    assert build(PLAN, tmp_path, "en-US", engine).rendered == 4
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*.mp3")}
    for path in stamps:
        assert_alexa_mp3(path)

    again = build(PLAN, tmp_path, "en-US", engine)
    assert (again.rendered, again.reused) == (0, 4)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.glob("*.mp3")} == stamps

    edited = {**PLAN, "relief.calf#0": "Straighten your leg, then pull your toes up."}
    third = build(edited, tmp_path, "en-US", engine, prune=True)
    assert (third.rendered, third.reused, third.removed) == (1, 3, 1)
    assert not Manifest.load(tmp_path).stale("en-US", edited)
    assert len(list(tmp_path.glob("*.mp3"))) == 4


def test_noop_rebuild_of_the_whole_catalogue_takes_under_a_second(espeak_pack, tmp_path):
    plan = plan_for("en-US")
    engine = EspeakEngine()
    sample = next(espeak_pack.glob("*.mp3")).read_bytes()
    manifest = Manifest(folder=tmp_path)
    for clip_id, script in plan.items():
        h = clip_hash(script, engine.name, engine.voice("en-US"))
        (tmp_path / f"{h}.mp3").write_bytes(sample)
        manifest.put("en-US", clip_id, Clip(f"{h}.mp3", 1.0, h, engine.name, script_sha(script)))
    manifest.save()
    engine.program = None  # were any clip rendered, the build would stop: espeak "missing"

    started = time.perf_counter()
    result = build(plan, tmp_path, "en-US", engine, prune=True)
    assert time.perf_counter() - started < 1.0
    assert result.ok and (result.rendered, result.reused) == (0, len(plan)) and len(plan) > 100


def test_a_killed_build_leaves_only_whole_files_and_resumes(tmp_path_factory):
    tmp_path, scratch = tmp_path_factory.mktemp("pack"), tmp_path_factory.mktemp("scratch")
    plan = {f"line#{i}": f"This is sentence number {i}. [pause 1s] Still going." for i in range(40)}
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys; from pathlib import Path; from speech.audio.build import build; "
        "from speech.audio.engines import EspeakEngine; "
        f"build({plan!r}, Path(sys.argv[1]), 'en-US', EspeakEngine(), jobs=2)"), str(tmp_path)], cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch)})  # the killed child cannot clean its scratch folder
    deadline = time.monotonic() + 30
    while len(list(tmp_path.glob("*.mp3"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()

    for path in tmp_path.glob("*.mp3"):
        assert path.stat().st_size > 0
        assert_alexa_mp3(path)
    kept = len(list(tmp_path.glob("*.mp3")))
    assert 3 <= kept < len(plan)
    result = build(plan, tmp_path, "en-US", EspeakEngine(), jobs=2)
    assert result.ok and result.reused >= kept and result.rendered <= len(plan) - kept
    assert_nothing_partial(tmp_path)


def test_stale_manifest_reports_missing_and_changed_clips(espeak_pack, tmp_path):
    shutil.copytree(espeak_pack, tmp_path, dirs_exist_ok=True)
    manifest = Manifest.load(tmp_path)
    assert not manifest.stale("en-US", PLAN)
    (tmp_path / manifest.clip("en-US", "guided.calf.1").file).unlink()
    plan = {**PLAN, "relief.calf#0": "Something new.", "relief.foot#0": "Another."}

    stale = Manifest.load(tmp_path).stale("en-US", plan)
    assert set(stale.missing) == {"guided.calf.1", "relief.foot#0"} and stale.changed == ("relief.calf#0",)
    summary = stale_summary(tmp_path, "en-US", plan)
    assert "2 of 5 clips missing, 1 changed" in summary and "cramp-coach audio build" in summary
    assert stale_summary(tmp_path, "en-US", {k: PLAN[k] for k in ("relief.calf#0",)}) is None
    assert "no clips for en-GB" in stale_summary(tmp_path, "en-GB", PLAN)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ManifestError):
        Manifest.load(tmp_path)
    assert "cannot check" in stale_summary(tmp_path, "en-US", PLAN)


def test_check_warns_about_a_stale_pack(espeak_pack):
    lines = audio_cli.check_lines(Settings(audio_dir=espeak_pack))
    assert any(line.startswith("warning:") and "en-US" in line and "missing" in line for line in lines)


def test_offline_pack_has_playlists_and_index(espeak_pack):
    calf = (espeak_pack / "playlists" / "en-US.calf.m3u").read_text().splitlines()
    assert calf[0] == "#EXTM3U"
    entries = [(line, calf[i + 1]) for i, line in enumerate(calf) if line.startswith("#EXTINF:")]
    assert [title.split(",", 1)[1] for title, _ in entries] == ["Sit with your leg straight.",
                                                                "Pull your toes up. Hold for 4 seconds. 2. And relax."]
    manifest = Manifest.load(espeak_pack)
    for (extinf, path), clip_id in zip(entries, ["guided.calf.1", "guided.calf.2"]):
        assert (espeak_pack / "playlists" / path).resolve() == (espeak_pack / manifest.clip("en-US", clip_id).file)
        assert int(extinf[8:].split(",")[0]) == round(manifest.clip("en-US", clip_id).duration)
    index = json.loads((espeak_pack / "index.json").read_text())["locales"]["en-US"]
    assert set(index["clips"]) == set(PLAN)
    assert index["clips"]["guided.calf.2"]["text"] == "Pull your toes up. Hold for 4 seconds. 2. And relax."
    assert index["playlists"] == {"calf": "playlists/en-US.calf.m3u"}
    assert "<audio" in (espeak_pack / "index.html").read_text()


def run_cli(*args: str, path: str) -> subprocess.CompletedProcess:
    env = {"PATH": path, "HOME": str(ROOT), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "skill.cli", "audio", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def fake_player(tmp_path) -> tuple[Path, Path]:
    """An ``mpg123`` on a PATH of its own that writes down what it was asked to play."""
    record = tmp_path / "played.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    player = bin_dir / "mpg123"
    player.write_text(f'#!/bin/sh\necho "$@" >> {record}\n')
    player.chmod(0o755)
    return bin_dir, record


def test_play_a_routine_in_order_with_the_player_found(espeak_pack, fake_player):
    bin_dir, record = fake_player
    done = run_cli("play", "calf", "--dir", str(espeak_pack), path=str(bin_dir))

    assert done.returncode == 0, done.stderr
    manifest = Manifest.load(espeak_pack)
    expected = [f"-q {espeak_pack / manifest.clip('en-US', f'guided.calf.{n}').file}" for n in (1, 2)]
    assert record.read_text().splitlines() == expected
    assert "guided.calf.1" in done.stderr

    assert run_cli("play", "relief.calf", "--dir", str(espeak_pack), path=str(bin_dir)).returncode == 0
    assert record.read_text().splitlines()[-1].endswith(manifest.clip("en-US", "relief.calf#0").file)


def test_play_without_a_player_or_with_an_unknown_item(espeak_pack, tmp_path, fake_player):
    done = run_cli("play", "calf", "--dir", str(espeak_pack), path=str(tmp_path))
    assert done.returncode == 3 and "no audio player found" in done.stderr and "mpg123" in done.stderr

    unknown = run_cli("play", "elbow", "--dir", str(espeak_pack), path=str(fake_player[0]))
    assert unknown.returncode == 2 and "audio list" in unknown.stderr
    listing = run_cli("list", "--dir", str(espeak_pack), path=str(tmp_path))
    assert listing.returncode == 0 and "calf" in listing.stdout


def test_a_machine_without_a_sound_device_is_told_so(espeak_pack, tmp_path):
    # What ffplay does there: complains on stderr, and still exits 0.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    player = bin_dir / "ffplay"
    player.write_text("#!/bin/sh\necho 'No more combinations to try, audio open failed' >&2\nexit 0\n")
    player.chmod(0o755)
    done = run_cli("play", "relief.calf", "--dir", str(espeak_pack), path=str(bin_dir))
    assert done.returncode == 1 and "no sound device" in done.stderr


def test_a_player_that_never_finishes_is_stopped(tmp_path):
    from speech.audio import play

    spinner = tmp_path / "mpg123"
    spinner.write_text("#!/bin/sh\nexec sleep 60\n")  # mpg123 without a sound device can spin like this
    spinner.chmod(0o755)
    clip = tmp_path / "0123456789abcdef0123.mp3"
    clip.write_bytes(b"\xff\xf3")
    started = time.monotonic()
    with pytest.raises(play.PlayerFailed, match="still playing"):
        play.play([clip], [str(spinner)], durations={clip: 0.2}, grace=0.3)
    assert time.monotonic() - started < 5


def test_cli_rejects_bad_input_clearly(tmp_path, capsys):
    assert cli.main(["audio", "build", "--engine", "espeak", "--locale", "xx-XX", "--out", str(tmp_path)]) == 2
    assert "unknown locale 'xx-XX'" in capsys.readouterr().err

    (tmp_path / "file").write_text("not a folder")
    assert cli.main(["audio", "build", "--engine", "espeak", "--out", str(tmp_path / "file" / "pack")]) == 2
    assert "cannot write to" in capsys.readouterr().err
    with pytest.raises(BuildError):
        build(PLAN, tmp_path / "file", "en-US", EspeakEngine())

    with pytest.raises(SystemExit) as exit_:
        cli.main(["audio", "build", "--engine", "festival"])
    assert exit_.value.code == 2 and "invalid choice: 'festival'" in capsys.readouterr().err
    assert cli.main(["audio", "play", "calf", "--dir", str(tmp_path / "none")]) == 2
    assert "no en-US audio pack" in capsys.readouterr().err

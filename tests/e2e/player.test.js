// End to end on AudioPlayer: virtual-alexa (whose device supports AudioPlayer) against our real
// server, started here with a small real audio pack (`python3 -m tests.audio_pack`, ffmpeg) and an
// https audio base URL. virtual-alexa refuses http: streams but never fetches one, so the base URL
// is a placeholder; this test fetches the named file from our own GET /audio/<hash>.mp3 instead.
'use strict';

process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1'; // before virtual-alexa loads aws-sdk

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ssmlCheck = require('ssml-check-core');
const { VirtualAlexa } = require('virtual-alexa');

const { ROOT, startServer, stopServer } = require('./server');

const MODEL = path.join(ROOT, 'skill', 'package', 'interactionModels', 'custom', 'en-US.json');
const SKILL_ID = 'amzn1.ask.skill.cramp-coach-e2e-player';
const AUDIO_BASE_URL = 'https://audio.cramp-coach.test/pack';
const PYTHON = process.env.PYTHON || 'python3'; // tests/test_e2e.py passes its own interpreter
const TOKEN = /^cramp-coach\/bedtime\/en-US\/[a-z0-9_-]+$/;

let server;
let base;
let pack;

function buildPack() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cramp-coach-pack-'));
  const built = spawnSync(PYTHON, ['-m', 'tests.audio_pack', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (built.status !== 0) throw new Error(`${PYTHON} -m tests.audio_pack failed: ${built.error || built.stderr}`);
  return { dir, manifest: JSON.parse(built.stdout) };
}

function newAlexa() {
  return VirtualAlexa.Builder().applicationID(SKILL_ID).interactionModelFile(MODEL)
    .skillURL(`${base}/alexa`).locale('en-US').create();
}

const keysOf = (reply) => ((reply.sessionAttributes || {}).last || {}).keys || [];
const directiveTypes = (reply) => ((reply.response || {}).directives || []).map((d) => d.type);

function assertSilent(reply, what) {
  const response = reply.response || {};
  assert.equal(response.outputSpeech, undefined, `${what} must not speak`);
  assert.equal(response.card, undefined, `${what} must not show a card`);
  assert.equal(response.reprompt, undefined, `${what} must not reprompt`);
}

async function startTrack(alexa) {
  const reply = await alexa.utter('bedtime tip');
  assert.deepEqual(keysOf(reply), ['bedtime.track_intro']);
  assert.equal(reply.response.shouldEndSession, true);
  assert.equal(await ssmlCheck.check(reply.response.outputSpeech.ssml, { platform: 'amazon', locale: 'en-US' }), undefined);
  assert.deepEqual(directiveTypes(reply), ['AudioPlayer.Play']);
  const player = alexa.audioPlayer();
  assert.ok(player.isPlaying(), 'the Play directive started the track (PlaybackStarted was sent)');
  return { reply, player, stream: player.playing().stream };
}

describe('bedtime tracks on AudioPlayer through virtual-alexa against the real server', () => {
  before(async () => {
    pack = buildPack();
    server = await startServer({
      CRAMP_COACH_SKILL_ID: SKILL_ID, CRAMP_COACH_LOG_LEVEL: 'WARNING',
      CRAMP_COACH_AUDIO_DIR: pack.dir, CRAMP_COACH_AUDIO_BASE_URL: AUDIO_BASE_URL,
      CRAMP_COACH_STORE: 'none', // nothing kept in the developer's own data directory
    }, ['--workers', '1']);
    base = server.base;
  });

  after(async () => {
    if (server) await stopServer(server.child);
    if (pack) fs.rmSync(pack.dir, { recursive: true, force: true });
    const serverLog = server ? server.log() : '';
    if (/Traceback|\bERROR\b/.test(serverLog)) console.log(`server log:\n${serverLog}`);
  });

  it('a bedtime tip plays its track, served by GET /audio, to the end', async () => {
    const alexa = newAlexa();
    const { player, stream } = await startTrack(alexa);
    assert.match(stream.token, TOKEN);
    assert.ok(stream.url.startsWith(`${AUDIO_BASE_URL}/`), stream.url);
    assert.equal(stream.offsetInMilliseconds, 0);
    const file = stream.url.slice(AUDIO_BASE_URL.length + 1);
    const tip = stream.token.split('/').at(-1);
    assert.equal(pack.manifest.locales['en-US'].clips[`track.bedtime.${tip}`].file, file);

    const served = await fetch(`${base}/audio/${file}`);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'audio/mpeg');
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), fs.readFileSync(path.join(pack.dir, file)));

    assertSilent(await player.playbackNearlyFinished(), 'PlaybackNearlyFinished');
    assertSilent(await player.playbackFinished(), 'PlaybackFinished');
    assert.equal(player.isPlaying(), false);
    assert.equal(player.playerActivity(), 1); // AudioPlayerActivity.FINISHED: nothing was queued after it
  });

  it('pause stops the track; resume plays it again from where it was paused', async () => {
    const alexa = newAlexa();
    const { player, stream } = await startTrack(alexa);
    player.playbackOffset(65_250); // Alexa reports how far it got with every request

    const paused = await alexa.utter('pause');
    assert.deepEqual(directiveTypes(paused), ['AudioPlayer.Stop']);
    assertSilent(paused, 'pause while playing');
    assert.equal(player.isPlaying(), false);

    const resumed = await alexa.utter('resume');
    assert.deepEqual(directiveTypes(resumed), ['AudioPlayer.Play']);
    assertSilent(resumed, 'resume');
    assert.ok(player.isPlaying());
    assert.equal(player.playing().stream.token, stream.token);
    assert.equal(player.playing().stream.url, stream.url);
    assert.equal(player.playing().stream.offsetInMilliseconds, 65_250);
  });

  it('stop while playing stops the track and says goodbye', async () => {
    const alexa = newAlexa();
    const { player } = await startTrack(alexa);
    const stopped = await alexa.utter('stop');
    assert.deepEqual(directiveTypes(stopped), ['AudioPlayer.Stop']);
    assert.deepEqual(keysOf(stopped), ['goodbye.main']);
    assert.equal(player.isPlaying(), false);
  });

  it('a device without AudioPlayer hears the tip spoken', async () => {
    const alexa = newAlexa();
    alexa.context().device().audioPlayerSupported(false);
    const reply = await alexa.utter('bedtime tip');
    const keys = keysOf(reply);
    assert.equal(keys[0], 'bedtime.intro');
    assert.match(keys[1], /^tip\./);
    assert.deepEqual(directiveTypes(reply), []);
  });

  it('pause with no track and no stretch is the stretch answer, not a Stop', async () => {
    const reply = await newAlexa().utter('pause');
    assert.deepEqual(keysOf(reply), ['stretch.not_active']);
    assert.deepEqual(directiveTypes(reply), []);
  });
});

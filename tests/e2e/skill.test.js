// End to end: virtual-alexa reads our interaction model, matches what a user says to intents and
// slots as Alexa would, and POSTs real request envelopes to our real server (`cramp-coach
// serve`, started here). Tests check content keys (sessionAttributes.last.keys), never prose,
// and every SSML the skill speaks or reprompts must pass ssml-check-core.
'use strict';

process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1'; // before virtual-alexa loads aws-sdk

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const ssmlCheck = require('ssml-check-core');
const { VirtualAlexa } = require('virtual-alexa');

const { ROOT, startServer, stopServer } = require('./server');

const SAMPLES_PER_INTENT = 40;

const MODEL = path.join(ROOT, 'skill', 'package', 'interactionModels', 'custom', 'en-US.json');
const CONVERSATIONS = path.join(ROOT, 'tests', 'fixtures', 'conversations');
const SKILL_ID = 'amzn1.ask.skill.cramp-coach-e2e';
const LOCALE = 'en-US';
// virtual-alexa turns any phrase containing one of these into a LaunchRequest.
const LAUNCH_WORDS = /(ask|open|launch|talk to|tell)/i;
// Alexa's limits (shared/design/PLATFORM.md) that ssml-check-core does not check.
const MAX_SPEECH_CHARS = 8000;
const MAX_AUDIO_CLIPS = 5;

const model = JSON.parse(fs.readFileSync(MODEL, 'utf8')).interactionModel.languageModel;
const slotTypes = Object.fromEntries(model.types.map((t) => [t.name, t.values]));

let server;
let skillURL;
let ssmlChecked = 0;

function serverSettings() {
  // A memory store of this run's own: what one run remembers must not leak into the next.
  const store = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cramp-coach-e2e-')), 'memory.sqlite3');
  return { CRAMP_COACH_SKILL_ID: SKILL_ID, CRAMP_COACH_LOG_LEVEL: 'WARNING', CRAMP_COACH_STORE: `sqlite:///${store}` };
}

// The Alexa Settings API on loopback: every device is in London (UTC in November).
let settingsApi;
let settingsURL;

async function startSettingsApi() {
  settingsApi = http.createServer((req, res) => {
    const known = /^\/v2\/devices\/[^/]+\/settings\/System\.timeZone$/.test(req.url);
    res.writeHead(known ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(known ? '"Europe/London"' : '{}');
  });
  await new Promise((resolve) => settingsApi.listen(0, '127.0.0.1', resolve));
  settingsURL = `http://127.0.0.1:${settingsApi.address().port}`;
}

function newAlexa(applicationID = SKILL_ID) {
  const alexa = VirtualAlexa.Builder()
    .applicationID(applicationID)
    .interactionModelFile(MODEL)
    .skillURL(skillURL)
    .locale(LOCALE)
    .create();
  // A device id makes virtual-alexa send apiEndpoint and apiAccessToken (for the Settings API).
  alexa.context().device().setID(`amzn1.ask.device.e2e-${crypto.randomUUID()}`);
  // eslint-disable-next-line no-underscore-dangle -- virtual-alexa has no setter for it
  alexa.context()._apiEndpoint = settingsURL; // never Amazon's real API from a test
  return alexa;
}

// Sends every request of ``alexa`` at ``iso`` (the device clock the skill reads).
function at(alexa, iso) {
  alexa.filter((request) => { request.request.timestamp = iso; });
}

async function assertValidSsml(ssml, where) {
  assert.equal(typeof ssml, 'string', `${where}: no SSML`);
  const errors = await ssmlCheck.check(ssml, { platform: 'amazon', locale: LOCALE });
  assert.equal(errors, undefined, `${where}: invalid SSML ${JSON.stringify(errors)} in ${ssml}`);
  ssmlChecked += 1;
}

// What the skill said, checked: every SSML valid and within Alexa's limits.
async function heard(reply, what) {
  const response = reply.response || {};
  const speech = response.outputSpeech;
  const reprompt = response.reprompt && response.reprompt.outputSpeech;
  let audio = 0;
  for (const [part, said] of [['speech', speech], ['reprompt', reprompt]]) {
    if (!said) continue;
    assert.equal(said.type, 'SSML', `${what}: ${part} is not SSML`);
    await assertValidSsml(said.ssml, `${what} (${part})`);
    assert.ok(said.ssml.length <= MAX_SPEECH_CHARS, `${what}: ${part} is ${said.ssml.length} characters`);
    audio += (said.ssml.match(/<audio\b/g) || []).length;
  }
  assert.ok(audio <= MAX_AUDIO_CLIPS, `${what}: ${audio} audio clips in speech and reprompt together`);
  const last = (reply.sessionAttributes || {}).last || {};
  return { keys: last.keys || [], ended: response.shouldEndSession === true, speech, reprompt, reply };
}

async function say(alexa, utterance) {
  if (LAUNCH_WORDS.test(utterance)) {
    throw new Error(`"${utterance}" would be sent as a launch by virtual-alexa: use intend()`);
  }
  return heard(await alexa.utter(utterance), `"${utterance}"`);
}

async function intend(alexa, intent, slots) {
  const what = `${intent} ${JSON.stringify(slots || {})}`;
  if (model.intents.some((i) => i.name === intent)) return heard(await alexa.intend(intent, slots), what);
  // virtual-alexa only sends intents of the model; Alexa (and certification) can send others.
  alexa.filter((request) => { request.request.intent = { name: intent, confirmationStatus: 'NONE', slots: {} }; });
  try {
    return heard(await alexa.intend('AMAZON.HelpIntent'), what);
  } finally {
    alexa.resetFilter();
  }
}

function stepOf(keys, muscle) {
  const prefix = `routine.${muscle}.`;
  const key = keys.find((k) => k.startsWith(prefix));
  return key ? Number(key.slice(prefix.length)) : undefined;
}

// What a custom intent says, by content key, given the resolved slot id (undefined: no slot).
const EXPECT = {
  CrampNowIntent: (id) => ({ keys: [`relief.${id || 'calf'}`, 'relief.offer_stretch'], ended: false }),
  // Hands free (the pace slot): the choice remembered, then the whole routine in one go.
  GuidedStretchIntent: (id) => (['hands_free', 'step_by_step'].includes(id) ? { prefix: 'handsfree.', ended: false } : {
    first: id ? ['stretch.intro', 'stretch.clot_cue', `routine.${id}.1`]
      : ['stretch.intro_default', 'stretch.clot_cue', 'routine.calf.1'],
    ended: false,
  }),
  PreventionTipIntent: (id) => ({
    first: [id ? 'tip.intro_topic' : 'tip.intro'], tip: 1, ended: false, attributes: { topic: id },
  }),
  // The first bedtime tip offers the nightly reminder once (and waits); later ones end the session.
  BedtimeTipIntent: () => ({ first: ['bedtime.intro'], tip: 1, oneOf: { 'bedtime.close': true, 'reminder.offer': false } }),
  // No reminders permission here: a time asks for it by voice; without one it asks the time.
  BedtimeReminderIntent: () => ({ prefix: 'reminder.' }),
  CausesIntent: () => ({ keys: ['causes.overview', 'more.offer'], ended: false }),
  SeeDoctorIntent: () => ({ keys: ['doctor.emergency', 'more.offer'], ended: false }),
  SymptomCheckIntent: (id) => (id ? { keys: [`triage.${id}`], ended: true } : { keys: ['triage.ask'], ended: false }),
  QuietModeIntent: (id) => (id ? { keys: [{ whisper: 'quiet.on', normal: 'quiet.off', auto: 'quiet.auto' }[id]], ended: true }
    : { keys: ['quiet.unknown'], ended: false }),
  ForgetMeIntent: () => ({ keys: ['forget.done'], ended: true }),
};

function assertExpected(result, expected, where) {
  const said = `${where}: said ${JSON.stringify(result.keys)}`;
  if (expected.keys) assert.deepEqual(result.keys, expected.keys, said);
  if (expected.first) assert.deepEqual(result.keys.slice(0, expected.first.length), expected.first, said);
  if (expected.tip !== undefined) assert.match(result.keys[expected.tip] || '', /^tip\.[a-z0-9_-]+$/, said);
  if (expected.lastKey) assert.equal(result.keys.at(-1), expected.lastKey, said);
  if (expected.prefix) assert.ok((result.keys[0] || '').startsWith(expected.prefix), said);
  if (expected.oneOf) {
    assert.ok(result.keys.at(-1) in expected.oneOf, said);
    assert.equal(result.ended, expected.oneOf[result.keys.at(-1)], `${said}, shouldEndSession ${result.ended}`);
  }
  for (const [name, value] of Object.entries(expected.attributes || {})) {
    assert.equal((result.reply.sessionAttributes || {})[name], value, `${said}, session ${name}`);
  }
  if (expected.ended !== undefined) assert.equal(result.ended, expected.ended, `${said}, shouldEndSession ${result.ended}`);
  assert.equal(typeof result.reply.response.shouldEndSession, 'boolean', `${said}: shouldEndSession explicit`);
}

const BUILT_IN_VALUES = { 'AMAZON.TIME': [{ id: undefined, name: { value: 'ten' } }, { id: undefined, name: { value: 'nine thirty' } }] };

// Each sample of an intent as a user would say it. A sample with a slot gets one canonical
// value, the samples taking turns through the values.
function sampleUtterances(intent) {
  const types = Object.fromEntries((intent.slots || []).map((s) => [s.name, s.type]));
  return (intent.samples || []).map((sample, n) => {
    const slot = (sample.match(/\{(\w+)\}/) || [])[1];
    if (!slot) return { intent: intent.name, utterance: sample, slots: {}, id: undefined };
    // A built-in type (AMAZON.TIME) has no values in the model: say what people say.
    const values = slotTypes[types[slot]] || BUILT_IN_VALUES[types[slot]];
    const { id, name } = values[n % values.length];
    return { intent: intent.name, utterance: sample.replace(`{${slot}}`, name.value), slots: { [slot]: name.value }, id };
  });
}

// Each value of a slot type and its synonyms, at most SYNONYMS_PER_VALUE of them spread over its
// list (a round trip each; tests/test_model.py checks that no synonym belongs to two values), with
// the id Alexa resolves it to.
const SYNONYMS_PER_VALUE = 12;
function slotValues(type) {
  return slotTypes[type].flatMap((v) => {
    const synonyms = v.name.synonyms || [];
    const step = Math.max(1, Math.ceil(synonyms.length / SYNONYMS_PER_VALUE));
    return [v.name.value, ...synonyms.filter((_, n) => n % step === 0)].map((said) => ({ said, id: v.id }));
  });
}

describe('Cramp Coach through virtual-alexa against the real server', () => {
  before(async () => {
    const t0 = Date.now();
    await startSettingsApi();
    server = await startServer(serverSettings());
    skillURL = `${server.base}/alexa`;
    console.log(`cramp-coach serve healthy after ${Date.now() - t0} ms`);
  });

  after(async () => {
    const t0 = Date.now();
    if (server) await stopServer(server.child);
    if (settingsApi) settingsApi.close();
    console.log(`cramp-coach serve stopped in ${Date.now() - t0} ms`);
    console.log(`${ssmlChecked} SSML strings from the skill passed ssml-check-core`);
    const serverLog = server ? server.log() : '';
    if (/Traceback|\bERROR\b/.test(serverLog)) console.log(`server log:\n${serverLog}`);
  });

  it('launch says the calf relief move first, then offers a stretch', async () => {
    const alexa = newAlexa();
    const result = await heard(await alexa.launch(), 'launch');
    assert.equal(result.keys[0], 'relief.calf');
    assert.ok(result.keys.includes('launch.offer'), JSON.stringify(result.keys));
    assert.equal(result.ended, false);
    assert.ok(result.reprompt, 'launch keeps the session open with a reprompt');
  });

  describe('custom intents by utterance', () => {
    const cases = [
      ['my calf is cramping', 'CrampNowIntent', 'calf'],
      ['cramp in my hamstring', 'CrampNowIntent', 'hamstring'],
      ['my quads cramped up', 'CrampNowIntent', 'thigh'],
      ['ouch my toes', 'CrampNowIntent', 'foot'],
      ['charley horse', 'CrampNowIntent', undefined],
      ['guide me through a stretch', 'GuidedStretchIntent', undefined],
      ['stretch my shin', 'GuidedStretchIntent', 'shin'],
      ['give me a tip', 'PreventionTipIntent', undefined],
      ['give me a hydration tip', 'PreventionTipIntent', 'hydration'],
      ['give me a tip about magnesium', 'PreventionTipIntent', 'food'],
      ['bedtime tip', 'BedtimeTipIntent', undefined],
      ['why do i get cramps', 'CausesIntent', undefined],
      ['when should i see a doctor', 'SeeDoctorIntent', undefined],
      ['check a symptom', 'SymptomCheckIntent', undefined],
      ['i have chest pain', 'SymptomCheckIntent', 'chest_pain'],
      ['my leg is swollen', 'SymptomCheckIntent', 'swelling'],
      ["i'm pregnant and i get cramps", 'SymptomCheckIntent', 'pregnancy'],
      ["i can't move my leg", 'SymptomCheckIntent', 'sudden_weakness'],
      ['i have cramps after a dirty cut', 'SymptomCheckIntent', 'wound'],
      ['give me a tip about quinine', 'PreventionTipIntent', 'medicines'],
    ];
    for (const [utterance, intent, id] of cases) {
      it(`"${utterance}" -> ${intent}${id ? ` (${id})` : ''}`, async () => {
        assertExpected(await say(newAlexa(), utterance), EXPECT[intent](id), `"${utterance}"`);
      });
    }

    it('a muscle Alexa cannot resolve gets the general relief move (intend: virtual-alexa only matches known values)', async () => {
      const result = await intend(newAlexa(), 'CrampNowIntent', { muscle: 'elbow' });
      assert.deepEqual(result.keys, ['relief.unknown', 'relief.offer_stretch']);
    });

    it('help, and stop ends the session', async () => {
      const alexa = newAlexa();
      const help = await say(alexa, 'help');
      assert.deepEqual(help.keys, ['help.main']);
      assert.equal(help.ended, false);
      const stop = await say(alexa, 'stop');
      assert.deepEqual(stop.keys, ['goodbye.main']);
      assert.equal(stop.ended, true);
    });
  });

  it('samples of every intent (spread over each generated list) reach their intent and the right answer', async () => {
    const shared = newAlexa();
    // The generated model has thousands of samples: every SPREAD-th of each intent, first and last included.
    const spread = (all) => all.filter((_, n) => n % Math.max(1, Math.floor(all.length / SAMPLES_PER_INTENT)) === 0
      || n === all.length - 1);
    const samples = model.intents.filter((i) => EXPECT[i.name]).flatMap((i) => spread(sampleUtterances(i)));
    for (const { intent, utterance, slots, id } of samples) {
      // A stretch starts afresh for a new user; the same user would be offered the last one again.
      const alexa = intent === 'GuidedStretchIntent' ? newAlexa() : shared;
      const result = LAUNCH_WORDS.test(utterance) ? await intend(alexa, intent, slots) : await say(alexa, utterance);
      assertExpected(result, EXPECT[intent](id), `${intent} sample "${utterance}"`);
    }
    assert.ok(samples.length > 100, `only ${samples.length} samples`);
  });

  describe('every slot value and synonyms spread over its list resolve to its id', () => {
    const carriers = [
      ['MUSCLE', 'CrampNowIntent', 'muscle', 'my {} is cramping'],
      ['TIP_TOPIC', 'PreventionTipIntent', 'topic', 'give me a tip about {}'],
      ['SYMPTOM', 'SymptomCheckIntent', 'symptom', 'should i worry about {}'],
    ];
    for (const [type, intentName, slot, carrier] of carriers) {
      it(`${type} through "${carrier}"`, async () => {
        const alexa = newAlexa();
        for (const { said, id } of slotValues(type)) {
          const utterance = carrier.replace('{}', said);
          const result = LAUNCH_WORDS.test(utterance)
            ? await intend(alexa, intentName, { [slot]: said })
            : await say(alexa, utterance);
          assertExpected(result, EXPECT[intentName](id), `"${utterance}"`);
        }
      });
    }
  });

  it('a full guided stretch: next, back, repeat, start over, pause, resume, another round, stop', async () => {
    const alexa = newAlexa();
    let result = await say(alexa, 'my calf is cramping');
    assert.deepEqual(result.keys, ['relief.calf', 'relief.offer_stretch']);

    result = await say(alexa, 'yes');
    assert.deepEqual(result.keys.slice(0, 3), ['stretch.intro', 'stretch.clot_cue', 'routine.calf.1']);
    assert.equal(result.keys.at(-1), 'stretch.next_prompt');
    assert.equal(result.reply.sessionAttributes.routine.round, 1);

    const navigation = [
      ['next', ['routine.calf.2']],
      ['go back', ['routine.calf.1']],
      ['go back', ['stretch.first_step', 'routine.calf.1']],
      ['next', ['routine.calf.2']],
      ['repeat', ['routine.calf.2']],
      ['start over', ['stretch.restart', 'routine.calf.1']],
    ];
    for (const [utterance, first] of navigation) {
      result = await say(alexa, utterance);
      assert.deepEqual(result.keys.slice(0, first.length), first, utterance);
    }
    result = await say(alexa, 'pause');
    assert.deepEqual(result.keys, ['stretch.paused']);
    assert.equal(result.ended, false);
    result = await say(alexa, 'resume');
    assert.deepEqual(result.keys.slice(0, 2), ['stretch.resume', 'routine.calf.1']);

    const steps = await nextToTheEnd(alexa, 'calf', 1);
    assert.ok(steps >= 2, `the calf routine has ${steps} steps`);

    result = await say(alexa, 'no');
    assert.deepEqual(result.keys.slice(0, 2), ['stretch.another_round', 'routine.calf.1']);
    assert.equal(result.reply.sessionAttributes.routine.round, 2);
    assert.equal(await nextToTheEnd(alexa, 'calf', 1), steps);

    result = await say(alexa, 'stop');
    assert.deepEqual(result.keys, ['goodbye.main']);
    assert.equal(result.ended, true);
  });

  it('a stretch that eases ends with aftercare and a tip', async () => {
    const alexa = newAlexa();
    let result = await say(alexa, 'guide me through a foot stretch');
    assert.deepEqual(result.keys.slice(0, 3), ['stretch.intro', 'stretch.clot_cue', 'routine.foot.1']);
    await nextToTheEnd(alexa, 'foot', 1);
    result = await say(alexa, 'yes');
    assert.deepEqual(result.keys, ['stretch.easing_yes', 'aftercare.general', 'tip.offer']);
    result = await say(alexa, 'sure');
    assert.equal(result.keys[0], 'tip.intro');
    assert.match(result.keys[1], /^tip\./);
  });

  it('a second round that does not help ends with medical advice', async () => {
    const alexa = newAlexa();
    await say(alexa, 'stretch my hamstring');
    await nextToTheEnd(alexa, 'hamstring', 1);
    await say(alexa, 'no');
    await nextToTheEnd(alexa, 'hamstring', 1);
    const result = await say(alexa, 'no thanks');
    assert.deepEqual(result.keys, ['stretch.not_easing']);
    assert.equal(result.ended, true);
  });

  it('a red flag said mid-stretch is answered at once and stops the routine', async () => {
    const alexa = newAlexa();
    await say(alexa, 'stretch my calf');
    await say(alexa, 'next');
    const result = await say(alexa, 'my calf is swollen');
    assert.deepEqual(result.keys, ['triage.swelling']);
    assert.equal(result.ended, true);
  });

  it('when to see a doctor comes in parts, the emergency first', async () => {
    const alexa = newAlexa();
    assert.deepEqual((await say(alexa, 'when should i see a doctor')).keys, ['doctor.emergency', 'more.offer']);
    assert.deepEqual((await say(alexa, 'yes')).keys, ['doctor.urgent', 'more.offer']);
    const last = await say(alexa, 'yes');
    assert.deepEqual(last.keys, ['doctor.routine']);
    assert.equal(last.ended, true);
  });

  it('navigation without a routine says there is none', async () => {
    const result = await say(newAlexa(), 'next');
    assert.deepEqual(result.keys, ['stretch.not_active']);
    assert.equal(result.ended, false);
  });

  it('cancel mid-stretch ends the session', async () => {
    const alexa = newAlexa();
    await say(alexa, 'stretch my thigh');
    const result = await say(alexa, 'cancel');
    assert.deepEqual(result.keys, ['goodbye.main']);
    assert.equal(result.ended, true);
  });

  it('the user leaving (SessionEndedRequest) is answered without speech', async () => {
    const alexa = newAlexa();
    await alexa.launch();
    const reply = await alexa.utter('exit');
    assert.equal((reply.response || {}).outputSpeech, undefined);
  });

  it('a request for another skill is refused with HTTP 400', async () => {
    await assert.rejects(newAlexa('amzn1.ask.skill.someone-else').launch(), /Invalid response: 400/);
  });

  describe('night manners and memory', () => {
    const QUIET = /<amazon:effect name="whispered">|<prosody volume="x-soft"/;

    it('at 03:00 device time the answers are quiet, at 15:00 they are not', async () => {
      const night = newAlexa();
      at(night, '2026-11-24T03:00:00Z');
      const tip = await say(night, 'give me a tip');
      assert.match(tip.speech.ssml, QUIET);
      const relief = await say(night, 'my calf is cramping');
      assert.match(relief.speech.ssml, QUIET);
      const day = newAlexa();
      at(day, '2026-11-24T15:00:00Z');
      assert.doesNotMatch((await say(day, 'give me a tip')).speech.ssml, QUIET);
      assert.doesNotMatch((await say(day, 'my calf is cramping')).speech.ssml, QUIET);
    });

    it('"whisper" is remembered into the next session, "speak normally" undoes it', async () => {
      const alexa = newAlexa();
      at(alexa, '2026-11-24T15:00:00Z');
      assert.deepEqual((await say(alexa, 'whisper')).keys, ['quiet.on']);
      await alexa.endSession();
      assert.match((await say(alexa, 'give me a tip')).speech.ssml, QUIET);
      assert.deepEqual((await say(alexa, 'speak normally')).keys, ['quiet.off']);
      await alexa.endSession();
      assert.doesNotMatch((await say(alexa, 'give me a tip')).speech.ssml, QUIET);
    });

    it('a tip heard in one session is not repeated in the next', async () => {
      const alexa = newAlexa();
      const heard = new Set();
      for (let session = 0; session < 6; session++) {
        const result = await say(alexa, 'give me a tip');
        const tip = result.keys[1];
        assert.match(tip, /^tip\./);
        assert.ok(!heard.has(tip), `${tip} again in session ${session + 1}`);
        heard.add(tip);
        await alexa.endSession();
      }
    });

    it('an interrupted stretch is offered again, and "forget me" forgets it', async () => {
      const alexa = newAlexa();
      await say(alexa, 'stretch my shin');
      await say(alexa, 'next');
      await alexa.endSession();
      const offer = await say(alexa, 'guide me through a stretch');
      assert.deepEqual(offer.keys, ['stretch.resume_offer']);
      assert.deepEqual((await say(alexa, 'yes')).keys.slice(0, 2), ['stretch.resume', 'routine.shin.2']);
      await alexa.endSession();
      assert.deepEqual((await say(alexa, 'delete my data')).keys, ['forget.done']);
      assert.deepEqual((await say(alexa, 'guide me through a stretch')).keys.slice(0, 1), ['stretch.intro_default']);
    });
  });

  describe('the conversation fixtures, spoken over HTTP', () => {
    for (const file of fs.readdirSync(CONVERSATIONS).filter((f) => f.endsWith('.json')).sort()) {
      it(file, async () => {
        const alexa = newAlexa();
        const { turns } = JSON.parse(fs.readFileSync(path.join(CONVERSATIONS, file), 'utf8'));
        for (const [n, turn] of turns.entries()) {
          const slots = Object.fromEntries(Object.entries(turn.slots || {})
            .map(([name, value]) => [name, typeof value === 'object' ? value.unknown : value]));
          const result = turn.launch
            ? await heard(await alexa.launch(), `${file} turn ${n + 1}`)
            : await intend(alexa, turn.intent, slots);
          const where = `${file} turn ${n + 1}: said ${JSON.stringify(result.keys)}`;
          const { expect } = turn;
          if (expect.keys) assert.deepEqual(result.keys, expect.keys, where);
          if (expect.first) assert.equal(result.keys[0], expect.first, where);
          for (const key of expect.has || []) assert.ok(result.keys.includes(key), `${where}, expected ${key}`);
          assert.equal(result.ended, expect.end, where);
        }
      });
    }
  });
});

// Says "next" until the routine asks whether the cramp is easing; returns the number of steps.
async function nextToTheEnd(alexa, muscle, from) {
  let step = from;
  for (let guard = 0; guard < 20; guard++) {
    const result = await say(alexa, 'next');
    if (result.keys.at(-1) === 'stretch.done_check' && stepOf(result.keys, muscle) === undefined) {
      return step; // "next" after the last step asks again
    }
    assert.equal(stepOf(result.keys, muscle), step + 1, `after step ${step}: ${JSON.stringify(result.keys)}`);
    step += 1;
    assert.equal(result.ended, false);
    if (result.keys.at(-1) === 'stretch.done_check') return step;
    assert.equal(result.keys.at(-1), 'stretch.next_prompt');
  }
  throw new Error(`the ${muscle} routine never reached stretch.done_check`);
}
